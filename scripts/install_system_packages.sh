#!/usr/bin/env bash
# Install the system packages mealplan needs on Debian/Ubuntu (run as root):
#   fonts-noto-cjk       Chinese text in PDFs (route sheets, labels)
#   libpango*            WeasyPrint's text layout for PDFs
#   postgresql           the test suite's second database (throw-away server on 127.0.0.1)
#   redis-server         the Celery tests' broker (throw-away server on 127.0.0.1, random port)
#   chromium             browser tests of the panel (headless)
#   poppler-utils        pdftotext/pdffonts in document tests
# Without root or apt it prints what is missing and carries on.
set -euo pipefail
pkgs=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 postgresql redis-server chromium poppler-utils make)
missing=()
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "note: system packages missing (install them as root): ${missing[*]}" >&2
fi
