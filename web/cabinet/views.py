"""What the cabinet's API answers, as JSON-ready dicts: an invoice in the list, one invoice in full,
and the period a request asks about. Amounts are decimal strings ("12.50"), times ISO 8601 UTC."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import HTTPException

from domain import cabinet
from domain.declines import decline_text
from domain.money import Money
from storage.cabinet import CabinetQueries, fee_minor, payload
from storage.repository import Seller, utc
from storage.tables import InvoiceRow

PROVIDER_FACTS = ("ProviderStatusRecorded", "PaymentInProgress", "InvoicePaid",
                  "ExtraPaymentReceived", "InvoiceFailed")


def money(minor: int | None, currency: str | None) -> str | None:
    if minor is None or not currency:
        return None
    return str(Money.from_minor_units(minor, currency).amount)


def when(moment: datetime | None) -> str | None:
    moment = utc(moment)
    return moment.isoformat() if moment else None


def ask_period(params: dict[str, str], seller_zone: Any, now: datetime) -> cabinet.Period:
    """`period=today|week|month`, or `from`/`to` (YYYY-MM-DD, both included); 422 otherwise."""
    if params.get("from") or params.get("to"):
        first, last = _day(params.get("from", "")), _day(params.get("to", ""))
        first, last = first or last, last or first
        assert first and last
        if abs((last - first).days) > 366 * 3:
            raise HTTPException(422, "a range of at most three years")
        return cabinet.days(first, last, seller_zone)
    name = params.get("period", "today")
    if name not in cabinet.PERIODS:
        raise HTTPException(422, "period is today, week or month")
    return cabinet.period(name, now, seller_zone)


def optional_range(params: dict[str, str], seller_zone: Any) -> cabinet.Period | None:
    if not (params.get("from") or params.get("to")):
        return None
    first, last = _day(params.get("from", "")), _day(params.get("to", ""))
    first, last = first or last, last or first
    assert first and last
    return cabinet.days(first, last, seller_zone)


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(422, "dates are YYYY-MM-DD") from None


def item(row: InvoiceRow) -> dict[str, Any]:
    """An invoice in the list."""
    return {"code": row.code, "amount": money(row.amount_minor, row.currency),
            "currency": row.currency, "state": row.status, "description": row.description,
            "created_at": when(row.created_at), "paid_at": when(row.paid_at),
            "method": _method_of(row), "buyer_name": row.buyer_name,
            "buyer_email": row.buyer_email, "buyer_phone": row.buyer_phone,
            "refunded": money(row.refunded_minor, row.paid_currency or row.currency)}


def _method_of(row: InvoiceRow) -> str | None:
    if row.paid_at is None:
        return None
    return "manual" if row.manual else "card"


def detail(q: CabinetQueries, seller: Seller, row: InvoiceRow, base_url: str) -> dict[str, Any]:
    """One invoice in full: payments, buyer, refunds, receipts, shop deliveries, history."""
    refunds = q.refunds([row.id]).get(row.id, [])
    manual = q.manual_payments([row.id]).get(row.id, [])
    receipts = q.receipts([row.id]).get(row.id, [])
    methods = q.methods(seller.id) if manual else {}
    history = q.history(row.id)
    payments: list[dict[str, Any]] = []
    if row.paid_at is not None and not row.manual:
        paid_by = next((payload(e)["provider"] for e in history
                        if e.name == "InvoicePaid" and payload(e).get("provider")), row.provider)
        payments.append({"method": "card", "provider": paid_by,
                         "payment_id": row.provider_payment_id,
                         "amount": money(row.paid_amount_minor, row.paid_currency),
                         "currency": row.paid_currency, "at": when(row.paid_at),
                         "late": row.paid_late, "mismatch": row.amount_mismatch})
        payments += [{"method": "card", "provider": row.provider, "payment_id": extra,
                      "extra": True} for extra in (row.extra_payment_ids or "").split(",")
                     if extra]
    for p in manual:
        payments.append({"method": p.method_name, "amount": money(p.amount_minor, p.currency),
                         "currency": p.currency, "state": p.state, "paid_on": p.paid_on,
                         "comment": p.comment,
                         "fee": money(fee_minor(methods.get(p.method_id), p.amount_minor,
                                                p.currency), p.currency)})
    # what the provider said of each try to pay: declines, 3-D Secure, the success
    attempts = [{"at": when(e.created_at), "event": e.name,
                 "status": payload(e).get("raw_status"), "card": payload(e).get("card_mask")}
                for e in history if e.name in PROVIDER_FACTS]
    left = (row.paid_amount_minor or 0) - sum(r.amount_minor for r in refunds
                                              if r.state in ("done", "requested", "pending"))
    return {
        **item(row),
        "manual": row.manual,  #: paid by hand: refunded whole, by hand (no provider call)
        "pay_url": f"{base_url}/p/{row.code}", "qr_url": f"{base_url}/qr/{row.code}.png",
        "expires_at": when(row.expires_at), "provider": row.provider,
        "provider_status": row.provider_status, "failure_reason": row.failure_reason,
        "attempts": attempts,
        #: each try to pay by card, its own order at the provider; a decline in the seller's words
        "card_attempts": [{"number": a.number, "order_id": a.order_id, "state": a.state,
                           "status": a.provider_status, "at": when(a.created_at),
                           "reason": decline_text(a.decline_code or a.decline_reason,
                                                  seller.language)
                           if a.state in ("declined", "failed") else None}
                          for a in q.card_attempts(row.id)],
        "payments": payments,
        "refundable": money(max(left, 0), row.paid_currency or row.currency)
        if row.paid_at else "0",
        "buyer": {"name": row.buyer_name, "phone": row.buyer_phone, "email": row.buyer_email,
                  "language": row.buyer_language},
        "refunds": [{"id": r.id, "amount": money(r.amount_minor, r.currency),
                     "currency": r.currency, "state": r.state, "at": when(r.created_at),
                     "reason": r.reason} for r in refunds],
        "receipts": [{"kind": r.kind, "state": r.state, "fiscal_code": r.fiscal_code,
                      "link": r.link, "amount": money(r.amount_minor, r.currency),
                      "at": when(r.created_at)} for r in receipts],
        "deliveries": [{"event": d.event_type, "status": d.status, "attempts": [
            {"at": when(a.at), "status_code": a.status_code, "error": a.error}
            for a in attempts_]} for d, attempts_ in q.deliveries(row.id)],
        "history": [{"at": when(e.created_at), "event": e.name, "from": e.status_from,
                     "to": e.status_to} for e in history],
    }
