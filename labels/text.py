"""Line wrapping by measured width. Long words are broken; nothing is ever dropped."""

from __future__ import annotations

import re
from functools import lru_cache

from labels.fonts import check_glyphs, width

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
# Break points inside a long word: after a hyphen, slash, en dash or comma.
_SOFT_BREAK = re.compile(r"(?<=[-/\u2013,])")


class TooNarrow(ValueError):
    """A single character is wider than the space it must fit in."""


def clean(text: str) -> str:
    """Collapse control characters (newlines, tabs) and runs of spaces to one space."""
    if not text.isprintable() or "  " in text:
        text = _SPACES.sub(" ", _CONTROL.sub(" ", text))
    return text.strip()


def _break_word(word: str, font: str, size: float, avail: float) -> list[str]:
    """Split a word wider than ``avail``: at soft break points if possible, else by character."""
    pieces: list[str] = []
    parts = [p for p in _SOFT_BREAK.split(word) if p]
    current = ""
    for part in parts:
        if width(current + part, font, size) <= avail:
            current += part
            continue
        if current:
            pieces.append(current)
            current = ""
        if width(part, font, size) <= avail:
            current = part
            continue
        # character by character
        for ch in part:
            if width(current + ch, font, size) <= avail:
                current += ch
            else:
                if not current:
                    raise TooNarrow(f"{ch!r} is wider than {avail:.1f} pt at {size} pt")
                pieces.append(current)
                current = ch
    if current:
        pieces.append(current)
    return pieces


@lru_cache(maxsize=16384)
def wrap(
    text: str, font: str, size: float, avail: float, first_avail: float | None = None
) -> tuple[str, ...]:
    """Wrap ``text`` into lines no wider than ``avail`` points (``first_avail`` for line 1).

    Returns at least one line (possibly empty). Raises ``UnsupportedCharacters`` when the
    font has no glyph for a character, ``TooNarrow`` when one character cannot fit.
    """
    text = clean(text)
    check_glyphs(text, font)
    if not text:
        return ("",)
    lines: list[str] = []
    limit = avail if first_avail is None else first_avail
    if width(text, font, size) <= limit:
        return (text,)
    space = width(" ", font, size)
    line = ""
    line_w = 0.0
    for word in text.split(" "):
        w = width(word, font, size)
        if line and line_w + space + w <= limit:
            line += " " + word
            line_w += space + w
            continue
        if line:
            lines.append(line)
            limit = avail
            line, line_w = "", 0.0
        if w <= limit:
            line, line_w = word, w
            continue
        pieces = _break_word(word, font, size, limit)
        # all pieces but the last are full lines; the last may take more words
        for piece in pieces[:-1]:
            lines.append(piece)
            limit = avail
        line = pieces[-1]
        line_w = width(line, font, size)
        if line_w > limit:
            more = _break_word(line, font, size, limit)
            lines.extend(more[:-1])
            line = more[-1]
            line_w = width(line, font, size)
    if line:
        lines.append(line)
    return tuple(lines)
