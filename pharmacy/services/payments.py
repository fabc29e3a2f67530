"""The payment taken when a fill is handed over (DOMAIN.md §12): the receipt's "paid".

What a careful pharmacist expects at the counter:

- The pick-up may carry ``payment`` {amount, method}. The method is always said (cash,
  card, check or other): a record of money says how it came.
- The amount defaults to the fill's price — paid in full. An amount that differs is given
  explicitly: less leaves a balance (on the receipt); more than the price is refused (change
  is given at the till; the record is what the pharmacy kept).
- A fill without a price (its batch was recorded before costs were kept) needs the amount.
- A pick-up without ``payment`` records none, as before payments were kept; the receipt
  then says the payment was not recorded rather than claiming it was paid.

The row is written by the pick-up's use case, in its transaction, and its audit event
carries it (services/dispensing/states.py). One a fill; never edited (append-only table).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.errors import Invalid
from pharmacy.models import Fill, FillPayment
from pharmacy.models._types import utcnow

NOT_RECORDED = "not recorded at hand-over"


def payment_of(session: Session, fill_id: int) -> FillPayment | None:
    return session.execute(
        select(FillPayment).where(FillPayment.fill_id == fill_id)
    ).scalar_one_or_none()


def payments_of(session: Session, fill_ids: list[int]) -> dict[int, FillPayment]:
    """The payments of several fills (a list of them) in one statement, by fill."""
    if not fill_ids:
        return {}
    found = session.execute(select(FillPayment).where(FillPayment.fill_id.in_(fill_ids)))
    return {payment.fill_id: payment for payment in found.scalars()}


def take_payment(
    session: Session,
    actor: Actor,
    fill: Fill,
    payment: dict[str, Any] | None,
    *,
    currency: str,
) -> FillPayment | None:
    """Record what was paid for ``fill`` now, by ``actor`` (see the module's rules)."""
    if payment is None:
        return None
    price = fill.price
    amount = payment.get("amount")
    if amount is None:
        if price is None:
            raise Invalid(
                "payment.amount", "this fill has no price: give the amount the patient paid"
            )
        amount = price
    if price is not None and amount > price:
        raise Invalid(
            "payment.amount",
            f"is more than the price {price}: record what the pharmacy keeps (change is "
            "given at the till)",
        )
    row = FillPayment(
        fill_id=fill.id,
        amount=Decimal(amount),
        currency=fill.currency or currency,
        method=payment["method"],
        taken_at=utcnow(),
        taken_by_user_id=actor.user_id,
        taken_by_name=actor.full_name or actor.username,
    )
    session.add(row)
    session.flush()
    return row


def payment_view(row: FillPayment | None, price: Decimal | None) -> dict[str, Any] | None:
    """The payment as the fill's answer and the receipt show it; the balance is what is
    left of the price (None without a price)."""
    if row is None:
        return None
    return {
        "amount": row.amount,
        "method": row.method,
        "currency": row.currency,
        "taken_at": row.taken_at,
        "taken_by": row.taken_by_name,
        "balance": None if price is None else price - row.amount,
    }


def audit_view(row: FillPayment | None) -> dict[str, str] | str:
    """The payment in the pick-up's audit event (exact text amounts)."""
    if row is None:
        return NOT_RECORDED
    return {"amount": str(row.amount), "method": row.method, "currency": row.currency}
