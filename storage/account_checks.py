"""What the provider last said of each merchant account's keys: checked (when), or refused (why,
and whether the seller was told). A seller's account is keyed by its id, the platform's (LIQPAY_*
settings, no row in merchant_accounts) by its public key.

Accounts fail closed: a refused account takes no new invoice, and one not checked for
CHECK_EVERY is checked before a link is signed with it. The bots, the web edge and the workers
all read it here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.repository import utc
from storage.tables import AccountCheckRow, MerchantAccountRow

CHECK_EVERY = timedelta(minutes=10)  #: an account is checked before signing when older than this


@dataclass(frozen=True)
class AccountCheck:
    checked_at: datetime | None
    refused_at: datetime | None
    refused_reason: str | None  #: the provider's code: for the log and support, never shown
    told_at: datetime | None

    @property
    def refused(self) -> bool:
        return self.refused_at is not None

    def due(self, now: datetime) -> bool:
        """Whether the keys should be checked again before a link is signed with them."""
        return self.checked_at is None or now - self.checked_at >= CHECK_EVERY


class AccountChecks:
    """`account_id` None means the platform's account, named by `platform_key`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, account_id: int | None, platform_key: str = "") -> AccountCheck | None:
        row = self.session.scalars(select(AccountCheckRow).where(
            _key(account_id, platform_key))).first()
        if row is None:
            return None
        return AccountCheck(utc(row.checked_at), utc(row.refused_at), row.refused_reason,
                            utc(row.told_at))

    def is_refused(self, account_id: int | None, platform_key: str = "") -> bool:
        check = self.of(account_id, platform_key)
        return check is not None and check.refused

    def claim_check(self, account_id: int | None, platform_key: str, now: datetime) -> bool:
        """Whether this caller checks the keys now: the last check is older than CHECK_EVERY
        (or there was none) and nobody claimed it since. Moves `checked_at` to now, so a busy
        seller's other invoices, in any worker, do not check again."""
        self._ensure(account_id, platform_key)
        result = self.session.execute(update(AccountCheckRow).where(
            _key(account_id, platform_key),
            or_(AccountCheckRow.checked_at.is_(None),
                AccountCheckRow.checked_at <= now - CHECK_EVERY)).values(checked_at=now))
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def passed(self, account_id: int | None, platform_key: str, now: datetime) -> None:
        """The provider accepted the keys: checked now, and not refused (any more)."""
        self._ensure(account_id, platform_key)
        self.session.execute(update(AccountCheckRow).where(_key(account_id, platform_key)).values(
            checked_at=now, refused_at=None, refused_reason=None, told_at=None))

    def check_again_in(self, account_id: int | None, platform_key: str, now: datetime,
                       wait: timedelta) -> None:
        """The check could not be made (the provider did not answer): try again after `wait`."""
        self.session.execute(update(AccountCheckRow).where(_key(account_id, platform_key)).values(
            checked_at=now - CHECK_EVERY + wait))

    def refuse(self, account_id: int | None, platform_key: str, reason: str,
               now: datetime) -> bool:
        """The provider refused the keys. True if the account was not refused before."""
        self._ensure(account_id, platform_key)
        result = self.session.execute(update(AccountCheckRow).where(
            _key(account_id, platform_key), AccountCheckRow.refused_at.is_(None)).values(
            refused_at=now, refused_reason=reason[:64], checked_at=now))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        self.session.execute(update(AccountCheckRow).where(_key(account_id, platform_key))
                             .values(checked_at=now))
        return False

    def claim_told(self, account_id: int | None, platform_key: str, now: datetime) -> bool:
        """Whether the seller is yet to hear that the account is refused (and now will)."""
        result = self.session.execute(update(AccountCheckRow).where(
            _key(account_id, platform_key), AccountCheckRow.refused_at.is_not(None),
            AccountCheckRow.told_at.is_(None)).values(told_at=now))
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def refused_count(self, platform_key: str) -> int:
        """Refused accounts that new invoices would use: sellers' connected ones, and the
        platform's current one."""
        joined = select(func.count()).select_from(AccountCheckRow).outerjoin(
            MerchantAccountRow, MerchantAccountRow.id == AccountCheckRow.account_id).where(
            AccountCheckRow.refused_at.is_not(None),
            or_(and_(AccountCheckRow.account_id.is_not(None),
                     MerchantAccountRow.disconnected_at.is_(None)),
                AccountCheckRow.platform_key == (platform_key or None)))
        return int(self.session.scalar(joined) or 0)

    def _ensure(self, account_id: int | None, platform_key: str) -> None:
        if self.session.scalars(select(AccountCheckRow.id).where(
                _key(account_id, platform_key))).first() is not None:
            return
        try:
            with self.session.begin_nested():
                self.session.add(AccountCheckRow(
                    account_id=account_id,
                    platform_key=None if account_id is not None else platform_key))
        except IntegrityError:  # another worker made it first: theirs stands
            pass


def _key(account_id: int | None, platform_key: str) -> ColumnElement[bool]:
    if account_id is not None:
        return AccountCheckRow.account_id == account_id
    return AccountCheckRow.platform_key == platform_key
