"""Vendors' opening dates (개업일자) for the finance officer's `new_vendor` risk flag.

When the API records an expense (`record-expense`, api/services/actions.py), it asks the tax
authority's business-status service once for a vendor whose opening date it does not know yet and
keeps the answer in the read model (store/vendor_tables.py); the review queue reads it from there
(api/services/budget.py). The question is asked after the expense is recorded, once, briefly: the
expense never waits on the tax authority, and a vendor the service could not answer for is asked
again with its next expense (until then it carries no `new_vendor` flag)."""

from collections.abc import Collection
from datetime import UTC, date, datetime

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from axflow.config import Settings
from axflow.tax_authority import TaxAuthorityDown, business_status
from store.db import session_scope
from store.vendor_tables import VendorOpening

log = structlog.get_logger()
# The tax authority is asked once, this long at most: the startup is waiting for its page.
QUICK_SECONDS = 2.0


async def note_vendor_opening(engine: Engine, settings: Settings, brn: str) -> date | None:
    """The vendor's opening date, asked of the tax authority and kept if not known yet; None
    when the service does not say (down, or no date in its answer)."""
    with session_scope(engine) as session:
        known = session.get(VendorOpening, brn)
        if known is not None:
            return known.opened_on
    quick = settings.model_copy(update={"tax_authority_timeout_seconds":
                                        min(QUICK_SECONDS, settings.tax_authority_timeout_seconds)})
    try:
        answer = await business_status(quick, brn, attempts=1)
    except TaxAuthorityDown as err:
        log.warning("vendor opening date not checked", brn=brn, problem=str(err))
        return None
    if answer.opened_on is None:
        return None
    try:
        with session_scope(engine) as session:
            session.add(VendorOpening(brn=brn, opened_on=answer.opened_on, checked_at=datetime.now(UTC)))
            session.commit()
    except IntegrityError:  # another request kept it in the same instant: the same date
        pass
    return answer.opened_on


def vendor_openings(session: Session, brns: Collection[str]) -> dict[str, date]:
    """Registration number → opening date, for the vendors among `brns` whose date is known."""
    if not brns:
        return {}
    rows = session.exec(select(VendorOpening).where(col(VendorOpening.brn).in_(list(brns)))).all()
    return {row.brn: row.opened_on for row in rows}
