"""The cabinet's exports: one row per invoice made in a range, with its payments, refunds, the
fees of manual methods and the fiscal numbers; as CSV (UTF-8 with a BOM, so Excel opens it as
it is) or XLSX."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, tzinfo

from domain.money import Money
from storage.cabinet import CabinetQueries, fee_minor
from storage.repository import Seller, utc
from workers.manual_render import method_name
from workers.render import zone_of

HEADER = ("code", "created_at", "state", "amount", "currency", "description", "buyer_name",
          "buyer_phone", "buyer_email", "paid_at", "method", "paid_amount", "payments",
          "refunded", "refunds", "fee", "fiscal_numbers", "zone")


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor_units(minor, currency).amount)


def _at(moment: datetime | None, zone: tzinfo) -> str:
    """A moment in the seller's zone, as the cabinet shows it (the row names the zone)."""
    moment = utc(moment)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def rows(q: CabinetQueries, seller: Seller, start: datetime,
         end: datetime) -> Iterator[tuple[str, ...]]:
    invoices, _ = q.invoices(seller.id, start=start, end=end, limit=None)
    ids = [r.id for r in invoices]
    refunds, manual, receipts = q.refunds(ids), q.manual_payments(ids), q.receipts(ids)
    methods = q.methods(seller.id)
    zone = zone_of(seller.country)
    zone_name = str(zone)
    for row in invoices:
        paid_currency = row.paid_currency or row.currency
        own_manual = manual.get(row.id, [])
        taken = [p for p in own_manual if p.state in ("approved", "refunded")]
        if row.paid_at is None:
            method = ""
        else:
            method = (", ".join(method_name(p.method_name, seller.language) for p in taken)
                      if row.manual else "card")
        payments = [f"{row.provider_payment_id} {_money(row.paid_amount_minor or 0, paid_currency)}"
                    ] if row.paid_at and not row.manual and row.provider_payment_id else []
        payments += [f"{method_name(p.method_name, seller.language)} {_money(p.amount_minor, p.currency)} {p.paid_on} {p.state}"
                     for p in own_manual]
        done = [r for r in refunds.get(row.id, []) if r.state == "done"]
        fee = sum(fee_minor(methods.get(p.method_id), p.amount_minor, p.currency) for p in taken)
        yield (row.code, _at(row.created_at, zone), row.status, _money(row.amount_minor, row.currency),
               row.currency, row.description, row.buyer_name or "", row.buyer_phone or "",
               row.buyer_email or "", _at(row.paid_at, zone), method,
               _money(row.paid_amount_minor, paid_currency) if row.paid_amount_minor else "",
               "; ".join(payments),
               _money(sum(r.amount_minor for r in done), paid_currency) if done else "",
               "; ".join(f"{_money(r.amount_minor, r.currency)} {r.state} {_at(r.created_at, zone)}"
                         for r in refunds.get(row.id, [])),
               _money(fee, paid_currency) if fee else "",
               "; ".join(f"{r.kind} {r.fiscal_code}" for r in receipts.get(row.id, [])
                         if r.fiscal_code),
               zone_name)


def as_csv(lines: Iterator[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(lines)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def as_xlsx(lines: Iterator[tuple[str, ...]]) -> bytes:
    from openpyxl import Workbook  # only an export needs it
    book = Workbook(write_only=True)
    sheet = book.create_sheet("invoices")
    sheet.append(HEADER)
    for line in lines:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
