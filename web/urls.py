"""Where the panel may send a browser back to: only paths on this site.

``?next=`` after logging in or switching the language and ``back=`` after recording a
delivery come from the request, so an attacker can write them into a link. A redirect to
``//evil.example`` or ``/\\evil.example`` (browsers read the backslash as a slash), to
``https://evil.example`` or to ``javascript:`` would leave the panel; such targets are
refused and the caller's default is used.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/...``), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # A backslash, whitespace or a control character: browsers strip or rewrite them
    # (``/\\evil`` and ``/\\t/evil`` both become ``//evil``).
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
