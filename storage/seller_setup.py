"""What a seller has set up that an invoice's events may react to (domain.reactions): their
shop endpoint and whether their fiscal receipts are automatic. Read in one statement, and only
when an event names such a reaction: one function, so a cache can stand in front of it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.fiscal import FiscalMode
from domain.webhooks import Endpoint
from storage.tables import SellerRow, WebhookEndpointRow
from storage.tables_features import FiscalSettingsRow
from storage.webhooks import endpoint_of


@dataclass(frozen=True)
class SellerSetup:
    shop: Endpoint | None  #: the shop endpoint, only when it is active
    fiscal_automatic: bool  #: a register is connected and receipts are made without asking


NOTHING = SellerSetup(shop=None, fiscal_automatic=False)


def seller_setup(session: Session, seller_id: int) -> SellerSetup:
    """The seller's shop endpoint and fiscal mode, in one statement."""
    found = session.execute(
        select(WebhookEndpointRow, FiscalSettingsRow.mode,
               FiscalSettingsRow.license_key_encrypted, FiscalSettingsRow.pin_encrypted)
        .select_from(SellerRow)
        .outerjoin(WebhookEndpointRow, WebhookEndpointRow.seller_id == SellerRow.id)
        .outerjoin(FiscalSettingsRow, FiscalSettingsRow.seller_id == SellerRow.id)
        .where(SellerRow.id == seller_id)).first()
    if found is None:
        return NOTHING
    endpoint_row, mode, license_key, pin = found
    endpoint = endpoint_of(endpoint_row) if endpoint_row is not None else None
    return SellerSetup(
        shop=endpoint if endpoint is not None and endpoint.active else None,
        fiscal_automatic=bool(license_key and pin) and mode == FiscalMode.AUTOMATIC.value)
