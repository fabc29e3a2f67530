"""Right-to-left text (Hebrew, Arabic) for a PDF canvas that draws glyphs left to right,
one code point each: Arabic letters are first given their joined forms (shaping, before
measuring, since joined forms have their own widths), and each wrapped line is then put
in visual order (the Unicode bidirectional algorithm). Text without right-to-left
letters passes through untouched (ASCII text at the cost of one `isascii`)."""

from __future__ import annotations

import functools
import re

import arabic_reshaper  # type: ignore[import-untyped, unused-ignore]
from bidi import get_display  # type: ignore[import-untyped, unused-ignore]

# Hebrew, Arabic (with Syriac, Thaana, NKo, Samaritan…), and their presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_reshaper = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def shaped(text: str) -> str:
    """Arabic letters in the joined forms they take in a word (logical order kept)."""
    if text.isascii():
        return text
    return _shaped(text)


@functools.lru_cache(maxsize=4096)
def _shaped(text: str) -> str:
    # Cached: fitting a label measures the same lines at several sizes.
    if not _ARABIC.search(text):
        return text
    return str(_reshaper.reshape(text))


def visual(line: str) -> str:
    """One line in the order its glyphs are drawn from left to right."""
    if line.isascii() or not _RTL.search(line):
        return line
    return str(get_display(line))
