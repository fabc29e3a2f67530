"""Stocks, wrapping, barcodes and the import rule of the labels package."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import labels
from labels import DEFAULT_STOCK, STOCKS, LabelDoesNotFit, UnknownStock, get_stock
from labels.barcodes import MIN_MODULE_PT, QUIET_MODULES, choose_module, code128
from labels.fonts import COND, SANS, SANS_BOLD, width
from labels.text import wrap

LABELS_DIR = Path(labels.__file__).resolve().parent


def test_stocks() -> None:
    assert DEFAULT_STOCK == "4x2.5" and get_stock().code == "4x2.5"
    assert set(STOCKS) == {"4x2.5", "4x3.5", "3x2", "letter"}
    assert get_stock("3x2").pagesize == pytest.approx((216, 144))
    with pytest.raises(UnknownStock, match="4x2.5, 4x3.5, 3x2, letter") as info:
        get_stock("2x1")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "font", "size", "avail"),
    [
        ("Zoë Łukasiewicz-Nguyễn", SANS_BOLD, 13, 80),
        ("Ольга Петрова Ивановна-Сидорова", SANS, 11, 60),
        ("x" * 300, SANS, 11, 100),
        ("Take 1 capsule (4.5 mg) by mouth at bedtime.", SANS, 12, 273.6),
        ("a  b\n\tc   d", COND, 6, 5),
        ("MCC-" + "9" * 60 + "/lot-12", COND, 9, 40),
    ],
)
def test_wrap_never_exceeds_the_width_and_keeps_every_character(
    text: str, font: str, size: float, avail: float
) -> None:
    lines = wrap(text, font, size, avail)
    assert all(width(line, font, size) <= avail + 1e-9 for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(text.split())


def test_code128_bars_are_merged_runs_and_module_has_a_floor() -> None:
    code = code128("260105-C-003")
    assert set(code.pattern) == {"0", "1"}
    rebuilt = ["0"] * len(code.pattern)
    for start, length in code.bars:
        rebuilt[start : start + length] = ["1"] * length
        assert start + length == len(code.pattern) or code.pattern[start + length] == "0"
    assert "".join(rebuilt) == code.pattern
    assert code.modules == len(code.pattern) + 2 * QUIET_MODULES
    assert choose_module(code, 1000, "4x2.5", "lot") >= MIN_MODULE_PT
    with pytest.raises(LabelDoesNotFit, match="'3x2'.*minimum"):
        choose_module(code, code.modules * MIN_MODULE_PT * 0.9, "3x2", "lot number")
    with pytest.raises(ValueError, match="Code 128"):
        code128("Łódź")


# arabic_reshaper and bidi are pure text transforms (right-to-left names): no I/O, no state.
ALLOWED = {"reportlab", "barcode", "labels", "__future__", "arabic_reshaper", "bidi"}


@pytest.mark.parametrize("path", sorted(LABELS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_labels_import_only_reportlab_barcode_and_the_standard_library(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top in ALLOWED or top in sys.stdlib_module_names, f"{path.name} imports {name}"


def test_fonts_and_license_ship_with_the_package() -> None:
    fonts = LABELS_DIR / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert (fonts / name).is_file()
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
