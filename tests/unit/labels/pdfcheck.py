"""Reading rendered PDFs back: text, positioned text runs, and barcodes (via pdftoppm)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader


@dataclass(frozen=True)
class Run:
    text: str
    x: float
    y: float
    size: float


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def runs(pdf: bytes, page: int = 0) -> list[Run]:
    out: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        out.append(Run(text.strip("\n"), x, y, size * tm[0]))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def page_size(pdf: bytes, page: int = 0) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[page].mediabox
    return float(box.width), float(box.height)


def decode_barcodes(pdf: bytes, page: int = 1) -> list[str]:
    """Rasterise one page (1-based) at 300 dpi and decode every barcode on it."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: cannot check barcodes")
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(src),
                str(Path(tmp) / "out"),
            ],
            check=True,
        )
        with Image.open(Path(tmp) / "out.png") as img:
            found = zxingcpp.read_barcodes(img.convert("L"))
    return [r.text for r in found if r.format == zxingcpp.BarcodeFormat.Code128]
