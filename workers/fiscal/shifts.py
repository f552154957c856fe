"""The seller's PRRO shift: opened on demand by the first receipt of a day (receipts.py), closed
by the scheduler at the end of the day in the seller's zone (Checkbox then makes the Z-report)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from domain import commands
from domain.errors import FiscalRejected, FiscalUnavailable
from storage.wiring import Wired
from workers.fiscal.receipts import client_for
from workers.render import zone_of
from workers.runtime import Deps

log = logging.getLogger(__name__)

CLOSE_AT = time(23, 50)  #: local time: a shift still open then is closed (a PRRO's day is 24 h)


def due_closures(d: Wired, moment: datetime) -> list[int]:
    """Sellers whose open shift should be closed now: it is past CLOSE_AT in their zone, or the
    shift was opened on an earlier day there (the scheduler was down, or a sale came late)."""
    due = []
    with d.uow().readonly() as uow:
        for seller_id, opened_at in uow.fiscal.open_shifts():
            seller = uow.sellers.get(seller_id)
            zone = zone_of(seller.country if seller else None)
            local, opened = moment.astimezone(zone), opened_at.astimezone(zone)
            # one opened after CLOSE_AT (a late sale) lasts until just after midnight
            if opened.date() < local.date() or opened.time() < CLOSE_AT <= local.time():
                due.append(seller_id)
    return due


def scan(d: Wired, moment: datetime) -> int:
    due = due_closures(d, moment)
    for seller_id in due:
        d.bus.publish(commands.CloseFiscalShift(seller_id))
    return len(due)


def close_shift(seller_id: int, d: Deps) -> None:
    """Close the seller's shift. One already closed (by hand in Checkbox) is simply forgotten;
    Checkbox unreachable: the next scan tries again."""
    with d.uow().readonly() as uow:
        settings = uow.fiscal.settings(seller_id)
    if settings is None or settings.shift_opened_at is None:
        return
    client = client_for(settings, d)
    try:
        shift = client.close_shift()
    except FiscalUnavailable as exc:
        log.warning("Shift of seller %d not closed yet: %s", seller_id, exc)
        return
    except FiscalRejected as exc:  # asking again would only repeat it; Checkbox closes it
        log.error("Checkbox refused to close the shift of seller %d: %s", seller_id, exc)
        shift = None
    finally:
        client.close()
    with d.uow() as uow:
        uow.fiscal.shift_closed(seller_id, datetime.now(UTC))
        uow.commit()
    z_report = (shift or {}).get("z_report") or {}
    log.info("Shift of seller %d closed (Z-report %s).", seller_id, z_report.get("id", "none"))
