"""Patient (dispensing) label: critical cluster on top, details, barcode of the Rx number."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from labels import barcodes
from labels.common import Ops, fmt_date, new_canvas
from labels.content import PatientLabelContent
from labels.errors import LabelDoesNotFit
from labels.fonts import COND, COND_BOLD, SANS, SANS_BOLD
from labels.layout import LEADING, baseline, para
from labels.stocks import LabelStock
from labels.text import TooNarrow
from labels.warning_box import warning_box

#: Smallest size of the critical cluster (patient name, drug line, directions).
MIN_CRITICAL_PT = 11.0
#: Smallest size of the critical cluster on a large-print label (USP <17>).
MIN_LARGE_PRINT_PT = 14.0
#: Smallest size of any other text on a label.
MIN_SMALL_PT = 6.0
#: Smallest size of the opioid warning in its box.
MIN_WARNING_PT = 7.0


@dataclass(frozen=True)
class _Scale:
    name: float
    drug: float
    dirs: float
    small: float
    bar_h: float  # bar height in points
    condensed: bool = False  # critical cluster in the condensed face (still sans-serif)
    warn: float = MIN_WARNING_PT


# From preferred down to minimum sizes; the first that fits is used.
_SCALES: tuple[_Scale, ...] = (
    _Scale(14, 13, 12.5, 8, 0.32 * 72, warn=9),
    _Scale(13.5, 12.5, 12, 7.5, 0.30 * 72, warn=8.5),
    _Scale(13, 12, 12, 7, 0.28 * 72, warn=8),
    _Scale(12.5, 12, 11.5, 6.5, 0.26 * 72, warn=8),
    _Scale(12, 11.5, 11, 6.5, 0.25 * 72, warn=7.5),
    _Scale(11.5, 11, 11, 6, 0.24 * 72, warn=7.5),
    _Scale(11, 11, 11, 6, 0.22 * 72, warn=7),
    _Scale(12, 11.5, 11.5, 6, 0.22 * 72, condensed=True, warn=7),
    _Scale(11, 11, 11, 6, 0.20 * 72, condensed=True, warn=7),
)
_LARGE_SCALES: tuple[_Scale, ...] = (
    _Scale(16, 15, 15, 8, 0.32 * 72, warn=10),
    _Scale(15, 14.5, 14.5, 7.5, 0.28 * 72, warn=9),
    _Scale(14, 14, 14, 7, 0.25 * 72, warn=8.5),
    _Scale(14, 14, 14, 6.5, 0.22 * 72, condensed=True, warn=8),
)
assert all(s.name >= MIN_CRITICAL_PT and s.dirs >= MIN_CRITICAL_PT for s in _SCALES)
assert all(s.dirs >= MIN_LARGE_PRINT_PT and s.drug >= MIN_LARGE_PRINT_PT for s in _LARGE_SCALES)
assert all(s.small >= MIN_SMALL_PT and s.warn >= MIN_WARNING_PT for s in _SCALES + _LARGE_SCALES)


@dataclass(frozen=True)
class _Extras:
    """What the label prints where it has room: the English line (bilingual), the dated
    steps, the longer warnings with the auxiliary texts (else on a sticker)."""

    english: bool
    dates: bool
    warnings: bool


def _variants(c: PatientLabelContent) -> list[_Extras]:
    english = (True, False) if (c.english_directions or c.english_warning) else (False,)
    dates = (True, False) if c.dated_directions else (False,)
    more = (True, False) if (c.warnings[1:] or c.auxiliary) else (False,)
    return [
        _Extras(e, d, w)
        for e in english
        for w, d in ((w, d) for w in more for d in dates)
    ]


_SEP = " · "
_FITS = Ops()  # returned by a measure-only layout that fits


def _critical(
    ops: Ops | None,
    c: PatientLabelContent,
    s: _Scale,
    e: _Extras,
    x: float,
    top: float,
    w: float,
) -> float:
    """Patient, drug, the complete directions, then (where they fit) the English line and
    the dated steps, and the opioid warning in its box: the height used."""
    y = top
    bold, regular = (COND_BOLD, COND) if s.condensed else (SANS_BOLD, SANS)
    y -= para(ops, c.patient_name, bold, s.name, x, y, w)
    y -= para(ops, c.drug_line, bold, s.drug, x, y, w)
    for line in c.directions:
        y -= para(ops, line, regular, s.dirs, x, y, w)
    small = s.warn
    if e.english:
        for line in c.english_directions:
            y -= para(ops, line, COND, small, x, y, w, hang=-1, prefix=c.captions.english,
                      prefix_font=COND_BOLD)
    if e.dates:
        for line in c.dated_directions:
            y -= para(ops, line, COND, small, x, y, w)
    english = c.english_warning if e.english else ""
    y -= warning_box(ops, c.warnings[0], english, s.warn, x, y, w)
    return top - y


def _warnings(
    ops: Ops | None,
    auxiliary: Sequence[str],
    warnings: Sequence[str],
    size: float,
    x: float,
    top: float,
    w: float,
) -> float:
    y = top
    if auxiliary:
        y -= para(ops, _SEP.join(a.strip() for a in auxiliary), COND_BOLD, size, x, y, w)
    for warning in warnings:
        y -= para(
            ops, warning, COND, size, x, y, w, hang=-1, prefix="\u25b2", prefix_font=COND_BOLD
        )
    return top - y


@dataclass(frozen=True)
class _Frame:
    """The printable box of a stock and the small text's metrics at one scale."""

    x: float
    w: float
    top: float
    bottom: float
    small: float
    lead: float
    gap: float

    @classmethod
    def of(cls, stock: LabelStock, s: _Scale) -> _Frame:
        m = stock.margin_pt
        small = s.small
        return cls(
            x=m,
            w=stock.width_pt - 2 * m,
            top=stock.height_pt - m,
            bottom=m,
            small=small,
            lead=small * LEADING,
            gap=small * 0.45,
        )


def _layout(
    c: PatientLabelContent,
    stock: LabelStock,
    s: _Scale,
    e: _Extras,
    pharmacy_beside: bool = True,
    draw: bool = True,
) -> Ops | None:
    """Lay the label out at scale ``s``; ``None`` when it does not fit the stock."""
    f = _Frame.of(stock, s)
    # draw=False only measures (para with None); the fit search runs that way first.
    ops = Ops() if draw else None
    foot = Ops() if draw else None  # bottom zone: drawn after the top flow (reading order)
    zone_top = _bottom_zone(foot, c, stock, s, f, pharmacy_beside)
    if zone_top is None:
        return None
    y = _top_flow(ops, c, s, e, f, pharmacy_beside)
    if y < zone_top + f.gap:
        return None
    if ops is None or foot is None:
        return _FITS
    ops.extend(foot)
    return ops


def _bottom_zone(
    foot: Ops | None,
    c: PatientLabelContent,
    stock: LabelStock,
    s: _Scale,
    f: _Frame,
    pharmacy_beside: bool,
) -> float | None:
    """The Rx barcode with its human-readable line (right) and, when there is room beside
    it, the pharmacy (left); otherwise the pharmacy ends the top flow. Returns the top of
    the zone, or ``None`` when it does not fit."""
    x, w = f.x, f.w
    code = barcodes.code128(c.barcode_data or c.rx_number)
    if pharmacy_beside:
        if code.modules * barcodes.MIN_MODULE_PT > w * 0.5:
            return None
        module = barcodes.choose_module(code, w * 0.5, stock.code, "Rx number")
    else:
        module = barcodes.choose_module(code, w, stock.code, "Rx number")
    bw = code.modules * module
    pw = w - bw - f.gap
    bh = s.bar_h + f.lead
    zone = bh
    if pharmacy_beside:
        zone = max(_pharmacy_beside(None, c, f, pw, 0), bh)
    if zone > f.top - f.bottom:
        return None
    zone_top = f.bottom + zone
    if pharmacy_beside:
        _pharmacy_beside(foot, c, f, pw, zone_top)
    bx = x + w - bw
    if foot is not None:
        foot.code(code, bx, zone_top - s.bar_h, module, s.bar_h)
        foot.text(
            COND,
            f.small,
            bx + barcodes.QUIET_MODULES * module,
            baseline(zone_top - s.bar_h, f.small, f.lead),
            c.rx_number,
        )
    return zone_top


def _pharmacy_beside(
    ops: Ops | None, c: PatientLabelContent, f: _Frame, pw: float, top: float
) -> float:
    """The pharmacy's name, address and phone in width ``pw`` from ``top``; their height."""
    y = top
    y -= para(ops, c.pharmacy.name, COND_BOLD, f.small, f.x, y, pw)
    y -= para(ops, c.pharmacy.address, COND, f.small, f.x, y, pw)
    tel = c.captions.tel
    y -= para(ops, c.pharmacy.phone, COND, f.small, f.x, y, pw, hang=-1, prefix=tel)
    return top - y


def _top_flow(
    ops: Ops | None,
    c: PatientLabelContent,
    s: _Scale,
    e: _Extras,
    f: _Frame,
    pharmacy_beside: bool,
) -> float:
    """The critical cluster with the boxed warning, a rule, the details, the pharmacy
    (when not beside the barcode) and the longer warnings (when on the label), from the
    top; returns where it ends."""
    x, w, small, gap = f.x, f.w, f.small, f.gap
    y = f.top
    y -= _critical(ops, c, s, e, x, y, w)
    y -= gap
    if ops is not None:
        ops.rule(x, y, x + w, 0.6)
    y -= gap
    y -= para(ops, c.captions.compounded, COND_BOLD, small, x, y, w)
    y = _details(ops, c, f, y)
    if not pharmacy_beside:
        # The name on a line of its own: as a run-in prefix a long name would leave the
        # address no room at all.
        where = f"{c.pharmacy.address} \u00b7 {c.captions.tel} {c.pharmacy.phone}"
        y -= para(ops, c.pharmacy.name, COND_BOLD, small, x, y, w)
        y -= para(ops, where, COND, small, x, y, w)
    if e.warnings and (c.warnings[1:] or c.auxiliary):
        y -= gap
        y -= _warnings(ops, c.auxiliary, c.warnings[1:], small, x, y, w)
    return y


def _details(ops: Ops | None, c: PatientLabelContent, f: _Frame, y: float) -> float:
    """Rx, lot, dates, quantity and refills in two columns, then storage and prescriber;
    returns where they end."""
    x, w, small = f.x, f.w, f.small
    col = (w - f.gap) / 2
    x2 = x + col + f.gap
    t = c.captions
    filled = c.fill_date_text or fmt_date(c.fill_date)
    bud = c.bud_text or fmt_date(c.bud)
    rows = (
        ((t.rx, c.rx_number), (t.lot, c.lot_number)),
        ((t.filled, filled), (t.use_by, bud)),
        ((t.quantity, c.quantity), (t.refills, str(c.refills_remaining))),
    )
    for (l1, v1), (l2, v2) in rows:
        h1 = para(ops, v1, COND, small, x, y, col, hang=-1, prefix=l1 + ":", prefix_font=COND_BOLD)
        h2 = para(ops, v2, COND, small, x2, y, col, hang=-1, prefix=l2 + ":", prefix_font=COND_BOLD)
        y -= max(h1, h2)
    # Storage beside the prescriber: once, and a line shorter than one under the other.
    h1 = para(ops, c.storage, COND, small, x, y, col, hang=-1, prefix=t.storage,
              prefix_font=COND_BOLD)
    h2 = para(ops, c.prescriber, COND, small, x2, y, col, hang=-1, prefix=t.prescriber,
              prefix_font=COND_BOLD)
    return y - max(h1, h2)


def _warning_pages(c: PatientLabelContent, stock: LabelStock) -> list[Ops]:
    """Auxiliary sticker(s) for the same stock with the longer warnings and auxiliary texts,
    when they are not on the label (the opioid warning never leaves the label)."""
    warnings = c.warnings[1:]
    m = stock.margin_pt
    x, w = m, stock.width_pt - 2 * m
    top, bottom = stock.height_pt - m, m
    header = f"{c.rx_number} \u2014 {c.patient_name}"
    continued = f"{header} {c.captions.continued}"
    for size in (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0):
        head = para(None, header, COND_BOLD, size, x, top, w) + size * 0.5
        body = _warnings(None, c.auxiliary, warnings, size, x, top, w)
        if head + body <= top - bottom:
            one = Ops()
            y = top - para(one, header, COND_BOLD, size, x, top, w)
            y -= size * 0.25
            one.rule(x, y, x + w, 0.6)
            y -= size * 0.25
            _warnings(one, c.auxiliary, warnings, size, x, y, w)
            return [one]
    # Too much for one label even at the minimum size: continue on further labels,
    # one warning at a time, each page repeating the header.
    size = MIN_SMALL_PT
    pages: list[Ops] = []
    items: list[tuple[Sequence[str], Sequence[str]]] = []
    if c.auxiliary:
        items.append((c.auxiliary, ()))
    items.extend(((), (wn,)) for wn in warnings)
    head_h = para(None, continued, COND_BOLD, size, x, top, w) + size * 0.5
    ops: Ops | None = None
    y = bottom
    for aux, warns in items:
        h = _warnings(None, aux, warns, size, x, top, w)
        if head_h + h > top - bottom:
            raise LabelDoesNotFit(
                stock.code, "a single warning text is too long for one label even at 6 pt"
            )
        if ops is None or y - h < bottom:
            ops = Ops()
            pages.append(ops)
            title = header if len(pages) == 1 else continued
            y = top - para(ops, title, COND_BOLD, size, x, top, w) - size * 0.25
            ops.rule(x, y, x + w, 0.6)
            y -= size * 0.25
        y -= _warnings(ops, aux, warns, size, x, y, w)
    return pages


def _scales(c: PatientLabelContent) -> tuple[_Scale, ...]:
    return _LARGE_SCALES if c.large_print else _SCALES


def _fits(c: PatientLabelContent, stock: LabelStock, s: _Scale, e: _Extras) -> bool:
    return any(
        _layout(c, stock, s, e, beside, draw=False) is not None for beside in (True, False)
    )


def _check(c: PatientLabelContent) -> None:
    if not c.directions or not any(d.strip() for d in c.directions):
        raise ValueError("a patient label needs directions")
    if not c.warnings or not c.warnings[0].strip():
        raise ValueError("a patient label needs the opioid warning (warnings[0])")


def fits(c: PatientLabelContent, stock: LabelStock) -> bool:
    """Whether the whole label (complete directions, the boxed warning, every detail) fits
    ``stock`` with the critical cluster at its floor or above (measuring only)."""
    _check(c)
    bare = _Extras(english=False, dates=False, warnings=False)
    try:
        return _fits(c, stock, _scales(c)[-1], bare)
    except TooNarrow:
        return False


def layout_patient_label(c: PatientLabelContent, stock: LabelStock) -> list[Ops]:
    """Pages (the label first, then any auxiliary sticker) for one patient label."""
    _check(c)
    scales = _scales(c)
    try:
        for e in _variants(c):
            # Text height only grows with the scale: if the smallest scale does not fit,
            # no other will, so try it first (measuring only).
            if not _fits(c, stock, scales[-1], e):
                continue
            for s in scales:
                for beside in (True, False):
                    if _layout(c, stock, s, e, beside, draw=False) is None:
                        continue
                    ops = _layout(c, stock, s, e, beside)
                    assert ops is not None
                    if e.warnings or not (c.warnings[1:] or c.auxiliary):
                        return [ops]
                    return [ops, *_warning_pages(c, stock)]
    except TooNarrow as exc:
        raise LabelDoesNotFit(stock.code, f"text cannot be wrapped: {exc}") from None
    floor = scales[-1].dirs
    raise LabelDoesNotFit(
        stock.code,
        f"patient label for Rx {c.rx_number}: the patient name, drug line, complete "
        f"directions, opioid warning and required details do not fit {stock.name} with the "
        f"directions at {floor:g} pt or more",
    )


def render_patient_labels(contents: Sequence[PatientLabelContent], stock: LabelStock) -> bytes:
    """One PDF, one page per label (plus auxiliary warning labels where needed), in order."""
    if not contents:
        raise ValueError("no labels to render")
    pages = [page for c in contents for page in layout_patient_label(c, stock)]
    buf = io.BytesIO()
    title = (
        f"Patient label Rx {contents[0].rx_number}"
        if len(contents) == 1
        else f"Patient labels ({len(contents)})"
    )
    canvas = new_canvas(buf, stock.pagesize, title, f"stock {stock.code}")
    for ops in pages:
        ops.draw(canvas)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def render_patient_label(content: PatientLabelContent, stock: LabelStock) -> bytes:
    """One patient label as a PDF (a second page holds the warnings if they need one)."""
    return render_patient_labels((content,), stock)
