"""The container label carries the whole prescription (issue 19): complete directions and
the boxed opioid warning on page 1, read back with pdfplumber (text, positions, sizes), the
barcode decoded with zxing-cpp, in every form x plan x stock x language, large print."""

from __future__ import annotations

import dataclasses
import io

import pdfplumber
import pytest

from labels import STOCKS, LabelCaptions, LabelDoesNotFit, get_stock, render_patient_label
from labels.patient import MIN_CRITICAL_PT, MIN_LARGE_PRINT_PT, MIN_WARNING_PT, fits

from .label_samples import CAPSULE_TITRATION, FIXED, TITRATION
from .pdfcheck import decode_barcodes, squash

WARNING_ES = (
    "No tome medicamentos opioides para el dolor, la tos o la diarrea, porque pueden causar "
    "una abstinencia repentina. Deje de tomarlo 3 días (72 horas) antes de una cirugía, a "
    "menos que su médico le indique otra cosa."
)
SPANISH = dict(
    captions=LabelCaptions(compounded="Preparación magistral", use_by="Usar antes de (BUD)"),
    warnings=(WARNING_ES,),
    english_warning=FIXED.warnings[0],
)
LIQUID_FIXED = dataclasses.replace(
    FIXED,
    drug_line="Naltrexone HCl 1 mg/mL oral liquid",
    directions=["Take 4.5 mL (4.5 mg) by mouth at bedtime. Use the 5 mL oral syringe provided."],
)
# form x plan kind, in English and in Spanish (with the English line where it fits).
PLANS = {
    ("capsule", "fixed"): FIXED,
    ("capsule", "titration"): CAPSULE_TITRATION,
    ("liquid", "fixed"): LIQUID_FIXED,
    ("liquid", "titration"): TITRATION,
}


def spanish(form: str, plan: str):  # type: ignore[no-untyped-def]
    c = PLANS[(form, plan)]
    directions = {
        ("capsule", "fixed"): "Tome 3 cápsulas (4.5 mg) por vía oral a la hora de acostarse.",
        ("capsule", "titration"): "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 "
        "días, luego 2 cápsulas a la hora de acostarse durante 14 días, luego 3 cápsulas a "
        "la hora de acostarse.",
        ("liquid", "fixed"): "Tome 4.5 mL (4.5 mg) por vía oral a la hora de acostarse. Use la "
        "jeringa oral de 5 mL que se le entrega.",
        ("liquid", "titration"): "Tome 1.5 mL (1.5 mg) por vía oral a la hora de acostarse durante 14 días, "
        "luego 3 mL (3 mg) a la hora de acostarse durante 14 días, luego 4.5 mL (4.5 mg) a "
        "la hora de acostarse. Use la jeringa oral de 5 mL que se le entrega.",
    }[(form, plan)]
    return dataclasses.replace(
        c, directions=[directions], english_directions=list(c.directions), **SPANISH
    )


CASES = [
    (form, plan, stock, lang, large)
    for (form, plan) in PLANS
    for stock in STOCKS
    for lang in ("en", "es")
    for large in (False, True)
]


def content(form: str, plan: str, lang: str, large: bool):  # type: ignore[no-untyped-def]
    c = spanish(form, plan) if lang == "es" else PLANS[(form, plan)]
    return dataclasses.replace(c, large_print=large)


def words(pdf: bytes) -> list[dict]:  # type: ignore[type-arg]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[0].extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)


def lines_of(ws: list[dict], min_size: float, max_size: float = 99.0) -> str:  # type: ignore[type-arg]
    return squash("".join(w["text"] for w in ws if min_size <= w["size"] < max_size))


@pytest.mark.parametrize(("form", "plan", "stock", "lang", "large"), CASES)
def test_whole_prescription_on_page_one_or_refused(
    form: str, plan: str, stock: str, lang: str, large: bool
) -> None:
    c, st = content(form, plan, lang, large), get_stock(stock)
    if not fits(c, st):
        with pytest.raises(LabelDoesNotFit):
            render_patient_label(c, st)
        assert large or stock != "4x3.5", "the 4 x 3.5 in label holds every normal label"
        return
    pdf = render_patient_label(c, st)
    ws = words(pdf)
    floor = MIN_LARGE_PRINT_PT if large else MIN_CRITICAL_PT
    # The critical cluster, whole, at the floor or above, and on top.
    cluster = lines_of(ws, floor)
    assert cluster.startswith(squash(c.patient_name + c.drug_line))
    assert squash("".join(c.directions)) in cluster
    big = [w for w in ws if w["size"] >= floor]
    small = [w for w in ws if w["size"] < floor]
    assert max(w["bottom"] for w in big) < min(w["top"] for w in small)
    # The opioid warning, whole and bold, under the directions and above the details.
    bold = [w for w in ws if "Bold" in w["fontname"] and MIN_WARNING_PT <= w["size"] < floor]
    assert squash(c.warnings[0]) in squash("".join(w["text"] for w in bold))
    first_detail = next(w for w in ws if w["text"].startswith(c.captions.compounded.split()[0]))
    assert max(w["bottom"] for w in bold if w["top"] < first_detail["top"]) < first_detail["top"]
    # Nothing outside the label.
    for w in ws:
        assert w["x0"] >= st.margin_pt - 0.5 and w["x1"] <= st.width_pt - st.margin_pt + 0.5
        assert w["top"] >= st.margin_pt - 0.5 and w["bottom"] <= st.height_pt - st.margin_pt + 0.5
    assert "leaflet" not in squash("".join(w["text"] for w in ws)).lower()


@pytest.mark.parametrize(("form", "plan"), list(PLANS))
def test_the_4x3_5_label_is_bilingual_where_it_has_room_and_the_barcode_reads(
    form: str, plan: str
) -> None:
    c = content(form, plan, "es", False)
    pdf = render_patient_label(c, get_stock("4x3.5"))
    text = squash("".join(w["text"] for w in words(pdf)))
    assert squash(c.directions[0]) in text and squash(c.warnings[0]) in text
    # The liquid titration's two long sentences leave no room for the English line.
    bilingual = (form, plan) != ("liquid", "titration")
    assert (squash(c.english_directions[0]) in text) is bilingual
    assert (squash(FIXED.warnings[0]) in text) is bilingual
    assert decode_barcodes(pdf) == [c.rx_number]
    assert render_patient_label(c, get_stock("4x3.5")) == pdf  # a reprint: the same bytes


def test_the_common_titration_fits_the_default_stock_with_its_warning() -> None:
    assert fits(CAPSULE_TITRATION, get_stock("4x2.5"))
    assert not fits(CAPSULE_TITRATION, get_stock("3x2"))


def test_large_print_needs_a_larger_stock_and_never_shrinks() -> None:
    c = dataclasses.replace(FIXED, large_print=True)
    fitting = [code for code in STOCKS if fits(c, get_stock(code))]
    assert fitting
    for code in fitting:
        ws = words(render_patient_label(c, get_stock(code)))
        assert squash(c.directions[0]) in lines_of(ws, MIN_LARGE_PRINT_PT)


def test_barcode_caption_is_the_rx_number_alone() -> None:
    ws = words(render_patient_label(CAPSULE_TITRATION, get_stock("4x2.5")))
    texts = [w["text"] for w in ws]
    assert "RX100003" in texts
    assert "Rx" not in texts[texts.index("RX100003") - 1 : texts.index("RX100003")]
