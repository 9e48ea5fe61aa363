"""A program's report (the API's `GET /programs/{id}/report`, the console's dashboard and its
downloads) and the dashboard's other reads of the read model."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, TypeAdapter
from sqlalchemy import exists, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from api.schemas import AmendmentReport, AppealReport, Report, WaitingItem
from api.services.programs import counts_by_phase, known_program
from domain.amendments import AmendmentRequest, AmendmentState
from domain.appeals import DECIDED, Appeal
from domain.program import ProgramDefinition
from domain.state import CollectionState, MilestoneState, Settlement, TrancheState
from store.db import table_of
from store.state_parts import state_parts
from store.tables import AuditEvent, LedgerEntry, StartupRow
from store.user_tables import WorkItem

# Phases in which a startup's milestones, tranches and settlement can wait on staff.
ACTIVE_PHASES = ("contracted", "in_poc", "suspended", "final_review", "settlement")
# The work items (store/work_items.py) of a submitted milestone, a requested tranche and a submitted
# settlement (one is submitted in settlement only, which its approval ends): a startup without
# one has nothing for the report's list, so its stored state is not read at all.
STAFF_WAITING_KINDS = ("review_milestone", "approve_disbursement", "approve_settlement")
_MILESTONES = TypeAdapter(list[MilestoneState])
_TRANCHES = TypeAdapter(list[TrancheState])
_SETTLEMENT = TypeAdapter(Settlement | None)
_INSTANT = TypeAdapter(AwareDatetime | None)
_COLLECTIONS = TypeAdapter(list[CollectionState])
_APPEALS = TypeAdapter(list[Appeal])
_AMENDMENTS = TypeAdapter(AmendmentState | None)


def _with_status(stored: list[dict[str, Any]] | None, model: type[BaseModel], status: str) -> list[dict[str, Any]]:
    """The stored entries (milestones, tranches) in `status`, as `model` would read them."""
    default = model.model_fields["status"].default
    return [entry for entry in stored or [] if entry.get("status", default) == status]


def _waiting_on_staff(session: Session, program_id: str) -> list[WaitingItem]:
    """Milestones to review, tranches and settlements to approve, with how long each has waited.
    Of each stored state only the parts that say so are read (the database extracts them)."""
    state = table_of(StartupRow).c.state
    staff_work = exists().where(col(WorkItem.startup_id) == col(StartupRow.startup_id),
                                col(WorkItem.kind).in_(STAFF_WAITING_KINDS))
    # Select itself, as select() builds it: select() is typed for up to four columns.
    found: Sequence[Any] = session.exec(
        Select(col(StartupRow.startup_id), col(StartupRow.company_name), state["milestones"], state["tranches"],
               state["settlement"], state["observed_at"])
        .where(col(StartupRow.program_id) == program_id, col(StartupRow.phase).in_(ACTIVE_PHASES), staff_work)).all()
    # In startup order, so that items waiting since the same instant keep one order; sorted here,
    # as ordering in the query would have the database walk every startup of the program instead.
    rows = sorted(found, key=lambda row: row[0])
    now = datetime.now(UTC)
    waiting = []
    for startup_id, company_name, milestones, tranches, settlement_json, observed in rows:
        observed_at = _INSTANT.validate_python(observed)
        clock = max(now, observed_at or now)
        # Only the entries that wait are validated (their instants parsed), the others skipped as stored.
        items = [(f"review of {m.key}", m.submitted_at)
                 for m in _MILESTONES.validate_python(_with_status(milestones, MilestoneState, "submitted"))]
        items += [(f"approval of {t.key}", t.requested_at)
                  for t in _TRANCHES.validate_python(_with_status(tranches, TrancheState, "requested"))]
        settlement = _SETTLEMENT.validate_python(settlement_json)
        if settlement and settlement.submitted_at and not settlement.approved_at:
            items.append(("settlement approval", settlement.submitted_at))
        waiting += [WaitingItem(startup_id=startup_id, company_name=company_name, waiting_for=what,
                                since=since, waiting_days=round((clock - since).total_seconds() / 86400, 2))
                    for what, since in items if since]
    return sorted(waiting, key=lambda w: w.since)


def _owed_now(session: Session, program_id: str) -> dict[str, int]:
    """Money owed back and not yet received, by kind, from the startups that can owe it."""
    collections = table_of(StartupRow).c.state["collections"]
    rows = session.exec(select(collections).where(
        col(StartupRow.program_id) == program_id,
        col(StartupRow.phase).in_(("settlement", "withdrawn", "terminated")))).all()
    owed = {"refund": 0, "clawback": 0}
    for stored in rows:
        for collection in _COLLECTIONS.validate_python(stored or []):
            if collection.outstanding:
                owed[collection.kind] += collection.amount
    return owed


# The parts of each stored state the report counts beyond its columns: one pass over the program's rows.
_COUNTED_PARTS = (("appeals", "appeals"), ("amendments",), ("budget", "pending_change"))


def _appeals(stored: Sequence[Any]) -> AppealReport:
    """Every appeal of the program's startups (이의신청), counted by outcome, and the days each decided
    one took, from each stored state's appeals."""
    appeals = [a for found in stored if found for a in _APPEALS.validate_python(found)]
    days = [round((a.decided_at - a.filed_at).total_seconds() / 86400, 1) for a in appeals
            if a.decided_at and a.status in DECIDED]
    return AppealReport(filed=len(appeals), upheld=sum(a.status == "upheld" for a in appeals),
                        dismissed=sum(a.status == "dismissed" for a in appeals),
                        pending=sum(a.status == "pending" for a in appeals),
                        moot=sum(a.status == "moot" for a in appeals),
                        mean_days_to_decide=round(sum(days) / len(days), 1) if days else None,
                        longest_days_to_decide=max(days) if days else None)


def _amendments(stored: Sequence[tuple[Any, Any]]) -> AmendmentReport:
    """Every amendment request of the program's startups (협약 변경), counted by outcome, with the days
    each decided one took; a budget move beyond its tolerance waiting for its decision counts as a
    pending amendment in the lifecycles that keep amendments (it becomes one when decided).
    `stored`: (amendments, the budget's pending change) of each stored state."""
    requests: list[AmendmentRequest] = []
    budget_waiting = 0
    for amendments_json, pending_budget in stored:
        amendments = _AMENDMENTS.validate_python(amendments_json)
        if amendments is not None:
            requests += amendments.requests
            budget_waiting += pending_budget is not None
    days = [round((r.decided_at - r.requested_at).total_seconds() / 86400, 1) for r in requests if r.decided_at]
    return AmendmentReport(requested=len(requests) + budget_waiting,
                           approved=sum(r.status == "approved" for r in requests),
                           rejected=sum(r.status == "rejected" for r in requests),
                           pending=sum(r.status == "pending" for r in requests) + budget_waiting,
                           effective=sum(r.status == "effective" for r in requests),
                           mean_days_to_decide=round(sum(days) / len(days), 1) if days else None,
                           longest_days_to_decide=max(days) if days else None)


def report(session: Session, program_id: str) -> Report:
    """The program's report: counts by phase, money by kind, milestones on time, what waits on staff."""
    row = known_program(session, program_id)
    definition = ProgramDefinition.model_validate(row.definition)
    counts = counts_by_phase(session, program_id)
    money_rows = session.exec(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.program_id == program_id).group_by(LedgerEntry.kind)
    ).all()
    money = {kind: 0 for kind in ("committed", "requested", "approved", "paid", "failed", "refund_due",
                                  "refunded", "clawback_due", "clawed_back", "waived", "released")}
    money.update({kind: int(total or 0) for kind, total in money_rows})
    # Running totals stay as recorded (refund_due: every refund ever owed; refunded: received);
    # what is still owed now is reported beside them, and committed is net of released grants.
    owed = _owed_now(session, program_id)
    money |= {"committed": money["committed"] - money["released"],
              "refund_owed": owed["refund"], "clawback_owed": owed["clawback"]}
    done, on_time, overdue = session.exec(
        select(func.coalesce(func.sum(StartupRow.milestones_done), 0),
               func.coalesce(func.sum(StartupRow.milestones_on_time), 0),
               func.count().filter(col(StartupRow.overdue)))
        .where(StartupRow.program_id == program_id)
    ).one()
    counted = state_parts(session, _COUNTED_PARTS, col(StartupRow.program_id) == program_id)
    return Report(
        waiting_on_staff=_waiting_on_staff(session, program_id),
        program_id=program_id, stage=definition.stage.value, slots=definition.slots, budget=definition.budget,
        counts_by_phase=counts, startups=sum(counts.values()), money=money,
        milestones_accepted=int(done), milestones_on_time=int(on_time),
        on_time_rate=round(on_time / done, 4) if done else None, overdue=int(overdue),
        appeals=_appeals([row[0] for row in counted]), amendments=_amendments([row[1:] for row in counted]),
    )




def exits_from(session: Session, program_id: str, exits: tuple[str, ...]) -> list[tuple[str, str]]:
    """(exit phase, phase left) of each time one of the program's startups left into an `exits` phase."""
    rows = session.exec(select(AuditEvent.to_phase, AuditEvent.from_phase).where(
        AuditEvent.program_id == program_id, col(AuditEvent.to_phase).in_(exits),
        col(AuditEvent.from_phase).notin_(exits))).all()
    return [(to_phase, from_phase) for to_phase, from_phase in rows]


def stored_milestones(session: Session, program_id: str, phases: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    """(startup id, company name, stored milestones) of the program's startups in `phases`. Only
    the milestones out of each stored state are read (the database extracts them), not the whole state."""
    milestones = table_of(StartupRow).c.state["milestones"]
    rows = session.exec(select(col(StartupRow.startup_id), col(StartupRow.company_name), milestones).where(
        col(StartupRow.program_id) == program_id, col(StartupRow.phase).in_(phases))).all()
    return [(startup_id, company, stored) for startup_id, company, stored in rows]


def ledger_of(session: Session, program_id: str) -> list[tuple[datetime, str, int]]:
    """(at, kind, amount) of every ledger entry of the program."""
    return [(at, kind, amount) for at, kind, amount in session.exec(
        select(LedgerEntry.at, LedgerEntry.kind, LedgerEntry.amount).where(LedgerEntry.program_id == program_id)).all()]
