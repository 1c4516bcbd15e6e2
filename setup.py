"""Build hook: compile the panel's message catalogues while building the package.

The Chinese panel reads ``web/translations/<locale>/LC_MESSAGES/messages.mo``, which is
not kept in git (only the ``.po`` source is). Every build path therefore compiles them:
a wheel or a plain ``pip install .`` gets the ``.mo`` files in the built package, and an
editable install (``pip install -e .``) compiles them in the source tree. Everything else
about the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("web") / "translations"


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every ``*/LC_MESSAGES/*.po`` under ``root`` to a ``.mo`` beside it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    return written


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also writes the compiled ``.mo`` catalogues."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogues(Path(__file__).resolve().parent / CATALOGUES)
        else:
            compile_catalogues(Path(self.build_lib) / CATALOGUES)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
