"""Every expense of a program as the auditor reads it, `/console/programs/{id}/expenses`: each entry
in order of entry with its evidence documents and their SHA-256, its own hash and the ledger's
running hash after it (which `domain.ledger.chain_ledger` recomputes), corrections and withdrawals
marked, and the finance officer's decision that stands. One startup's with `?startup_id=`."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import _
from api.pages.console.expense_words import review_word, word
from api.pages.shared.budget_words import DISALLOW_WORDS, EVIDENCE_WORDS, PAYMENT_WORDS
from api.pages.shared.common import PageViewer, render
from api.services import budget
from store.db import release
from store.people import people_names

router = APIRouter(prefix="/console/programs", include_in_schema=False)


@router.get("/{program_id}/expenses")
async def program_expenses_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                                startup_id: str | None = None) -> Response:
    program = budget.program_of(db, program_id)
    if program is None:
        release(db)
        err = ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id})
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    rows = [row for row in budget.program_entries(db, program_id) if not startup_id or row.startup_id == startup_id]
    companies = budget.company_names(db, program_id)
    names = people_names(db, {row.reviewed_by for row in rows if row.reviewed_by})
    release(db)
    return render(request, viewer, "console/expense_ledger.html", program=program, rows=rows, companies=companies,
                  names=names, startup_id=startup_id or "",
                  category_name=lambda key: budget.category_name(program, key),
                  evidence_word=lambda k: word(EVIDENCE_WORDS, k), payment_word=lambda k: word(PAYMENT_WORDS, k),
                  reason_word=lambda k: word(DISALLOW_WORDS, k), review_word=review_word)
