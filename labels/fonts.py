"""Embedded fonts (DejaVu, Unicode TTF, subset by reportlab) and cached text measuring.

Fonts are registered once per process; widths are cached per (font, text) at 1 pt so
that laying out the same words at another size costs a multiplication.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]

from labels.errors import UnsupportedCharacters

FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "LabelSans"
SANS_BOLD = "LabelSans-Bold"
COND = "LabelSansCond"
COND_BOLD = "LabelSansCond-Bold"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    COND: "DejaVuSansCondensed.ttf",
    COND_BOLD: "DejaVuSansCondensed-Bold.ttf",
}

_lock = threading.Lock()
_registered = False
_glyphs: dict[str, frozenset[int]] = {}
_char_widths: dict[str, dict[int, float]] = {}
_width_cache: dict[tuple[str, str], float] = {}
_WIDTH_CACHE_MAX = 200_000


def register_fonts() -> None:
    """Register the DejaVu fonts with reportlab (idempotent, thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
            face = font.face
            _glyphs[name] = frozenset(face.charToGlyph)
            widths: dict[int, float] = {}
            default = float(face.defaultWidth) / 1000.0
            for code in face.charToGlyph:
                widths[code] = float(face.charWidths.get(code, face.defaultWidth)) / 1000.0
            widths[-1] = default
            _char_widths[name] = widths
        # so that platypus <b> inside paragraphs picks the bold face
        # (no italic faces: the documents never use italics)
        addMapping(SANS, 0, 0, SANS)
        addMapping(SANS, 1, 0, SANS_BOLD)
        addMapping(COND, 0, 0, COND)
        addMapping(COND, 1, 0, COND_BOLD)
        _registered = True


def width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points (cached per font and text)."""
    key = (font, text)
    unit = _width_cache.get(key)
    if unit is None:
        if not _registered:
            register_fonts()
        widths = _char_widths[font]
        default = widths[-1]
        unit = 0.0
        for ch in text:
            unit += widths.get(ord(ch), default)
        if len(_width_cache) >= _WIDTH_CACHE_MAX:
            _width_cache.clear()
        _width_cache[key] = unit
    return unit * size


def unprintable(text: str, font: str | None = None) -> str:
    """The characters of ``text`` that ``font`` (by default: any of the label fonts, as a
    name may print in any of them) has no glyph for; an empty string when there are none.
    So text can be refused where it is entered rather than when its label prints."""
    if text.isascii():
        return ""
    if not _registered:
        register_fonts()
    fonts = [font] if font is not None else list(_glyphs)
    return "".join(
        sorted(
            {
                c
                for c in text
                if not c.isspace() and any(ord(c) not in _glyphs[f] for f in fonts)
            }
        )
    )


def check_glyphs(text: str, font: str = SANS) -> None:
    """Raise ``UnsupportedCharacters`` when the font cannot draw a character of ``text``."""
    missing = unprintable(text, font)
    if missing:
        raise UnsupportedCharacters(text, missing)


def ascent(size: float) -> float:
    """Cap-to-baseline distance used to place the first line under a top edge."""
    return 0.76 * size


def descent(size: float) -> float:
    return 0.24 * size
