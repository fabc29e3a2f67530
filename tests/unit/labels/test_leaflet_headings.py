"""A leaflet's table headings never end a page alone: the schedule's and the calendar's
heading always have their table's first rows under them on the same page, wherever the text
above pushes them."""

from __future__ import annotations

import dataclasses
import io

import pdfplumber
import pytest

from labels.leaflet import render_leaflet

from .label_samples import leaflet


def _pages(data: bytes) -> list[list[str]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(page.extract_text() or "").splitlines() for page in pdf.pages]


@pytest.mark.parametrize("extra", range(0, 40, 3))
def test_a_table_heading_is_never_the_last_line_of_a_page(extra: int) -> None:
    content = leaflet(weeks=3)
    # More text above moves the headings down the page, one line at a time.
    content = dataclasses.replace(content, about=[*content.about, *(["Filler line."] * extra)])
    headings = {content.captions.schedule, content.captions.calendar}
    seen = set()
    for lines in _pages(render_leaflet(content)):
        for i, line in enumerate(lines):
            if line.strip() in headings:
                seen.add(line.strip())
                # Under it, on this page: the table's head and a first row (the page's
                # footer is the last line, so a lone heading would be third from the end).
                assert len(lines) - i > 3, f"{line!r} ends a page"
    assert seen == headings
