"""Hebrew and Arabic names print as they are read: Arabic letters joined, and every
line drawn in visual order; left-to-right text is untouched."""

from __future__ import annotations

import dataclasses

import pytest

from labels import get_stock, render_patient_label
from labels.bidi import shaped, visual
from labels.patient import layout_patient_label

from .label_samples import FIXED
from .pdfcheck import all_text, squash

HEBREW = "דוד כהן-לוי"
ARABIC = "محمد علي"


def test_left_to_right_text_passes_through() -> None:
    text = "Zoë Łukasiewicz-Nguyễn, Ольга Петрова"
    assert shaped(text) is text
    assert visual(text) is text


def test_hebrew_is_drawn_right_to_left_within_a_left_to_right_line() -> None:
    assert visual("Rx for דוד כהן") == "Rx for ןהכ דוד"
    assert visual("דוד כהן") == "ןהכ דוד"


def test_arabic_letters_take_their_joined_forms() -> None:
    joined = shaped(ARABIC)
    assert len(joined) == len(ARABIC)
    # Initial, medial and final forms (presentation forms B), no isolated base letters.
    assert all("\ufe70" <= ch <= "\ufefc" or ch == " " for ch in joined)
    assert joined[0] == "\ufee3"  # meem, initial form
    assert visual(joined)[-1] == "\ufee3"  # drawn last: the rightmost glyph


@pytest.mark.parametrize("name", [HEBREW, ARABIC])
def test_a_right_to_left_name_prints_on_the_patient_label(name: str) -> None:
    content = dataclasses.replace(FIXED, patient_name=name)
    drawn = [s for ops in layout_patient_label(content, get_stock()) for *_, s in ops.texts]
    assert visual(shaped(name)) in drawn  # glyphs in drawing order, Arabic joined
    assert name not in drawn
    # A PDF reader puts the glyphs back in reading order.
    text = squash(all_text(render_patient_label(content, get_stock())))
    assert squash(shaped(name)) in text
    assert squash(FIXED.drug_line) in text  # the rest of the label is unchanged
