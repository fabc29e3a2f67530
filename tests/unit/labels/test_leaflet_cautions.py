"""The leaflet adds the advice of the cautions the clinical screen raised (issue 25)."""

from __future__ import annotations

import dataclasses

from labels import render_leaflet
from pharmacy.compounding import DEFAULT_RULES
from tests.unit.labels.label_samples import leaflet
from tests.unit.labels.pdfcheck import all_text, squash

THYROID = next(r for r in DEFAULT_RULES.caution_rules if r.code == "thyroid").patient_advice
LIVER = next(r for r in DEFAULT_RULES.caution_rules if r.code == "liver").patient_advice


def test_the_leaflet_shows_each_caution_advice() -> None:
    c = dataclasses.replace(leaflet(weeks=3), caution_advice=(THYROID, LIVER))
    text = squash(all_text(render_leaflet(c)))
    assert squash("Your other medicines and conditions") in text
    assert squash(THYROID) in text and squash(LIVER) in text


def test_no_caution_no_section() -> None:
    text = squash(all_text(render_leaflet(leaflet(weeks=3))))
    assert squash("Your other medicines and conditions") not in text
