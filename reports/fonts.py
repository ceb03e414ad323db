"""Where to find a Unicode TrueType font for PDFs.

The PDF core fonts (Helvetica…) have no Vietnamese letters: ``Đ``, ``ữ`` or
``ộ`` would be lost. DejaVu Sans covers them; Debian ships it in
``fonts-dejavu-core`` (CI installs it) and matplotlib bundles a copy. The
search order is: ``RECON_PDF_FONT_DIR`` (a directory holding
``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf``), the Debian path, then
matplotlib's data directory. No font is a clear error, never a PDF with
missing letters.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reconcile.errors import ConfigError

DEBIAN_DEJAVU: Final = Path("/usr/share/fonts/truetype/dejavu")
REGULAR: Final = "DejaVuSans.ttf"
BOLD: Final = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True, slots=True)
class FontFiles:
    """A regular and a bold face of the same family."""

    regular: Path
    bold: Path


def candidate_dirs() -> list[Path]:
    """Directories searched, in order."""
    dirs = []
    if override := os.environ.get("RECON_PDF_FONT_DIR"):
        dirs.append(Path(override))
    dirs.append(DEBIAN_DEJAVU)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        # Found without importing matplotlib, which is heavy and optional.
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def find_unicode_font() -> FontFiles:
    """The first directory holding DejaVu Sans regular (bold falls back to regular)."""
    for directory in candidate_dirs():
        regular = directory / REGULAR
        if regular.is_file():
            bold = directory / BOLD
            return FontFiles(regular, bold if bold.is_file() else regular)
    searched = ", ".join(str(d) for d in candidate_dirs())
    raise ConfigError(
        f"no Unicode font for PDF statements: {REGULAR} not found in {searched}; "
        "install fonts-dejavu-core or set RECON_PDF_FONT_DIR"
    )
