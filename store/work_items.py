"""Work items: what waits on whom now, derived from each startup's projected state and kept in
the `work_item` table by the projection, so that an inbox is one indexed read per role however
many startups there are (never a query to each workflow)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, String, bindparam, delete, exists, insert, or_
from sqlmodel import Session, col, select

from domain.phases import Phase, Role
from domain.state import StartupState
from store.db import as_utc, table_of
from store.evaluator_pool_tables import barred_from_scoring, uncleared_programs
from store.tables import ProgramRow
from store.user_tables import WorkItem, WorkItemExclusion

# Items without a due instant sort after every dated one.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)
STARTUP_WORK_PHASES = frozenset({Phase.CONTRACTED, Phase.IN_POC})


@dataclass
class Item:
    audience: Role
    kind: str
    subject: str = ""
    due_at: datetime | None = None
    overdue: bool = False
    # Users this item does not wait on: who scored already, who asked for the money (four eyes).
    excluded: set[str] = field(default_factory=set)


def items_of(state: StartupState) -> list[Item]:
    """Everything that waits on someone in this state (a pure function of the state)."""
    s, found = state, []
    if s.phase is Phase.UNDER_REVIEW:
        found.append(Item(Role.EVALUATOR, "score", excluded={e.evaluator_id for e in s.scores}))
    if s.phase is Phase.MATCHED and s.agreement_two_step and s.agreement_acceptance is None:
        # Two-step agreements: the startup accepts first, then the officer countersigns.
        if s.agreement_document is not None:
            found.append(Item(Role.STARTUP, "accept_agreement", due_at=s.agreement_due_at))
    elif s.phase in (Phase.SELECTED, Phase.MATCHED):
        kind = "match" if s.phase is Phase.SELECTED else "sign_agreement"
        found.append(Item(Role.PROGRAM_OFFICER, kind, due_at=s.agreement_due_at))
    if s.phase is Phase.FINAL_REVIEW:  # either may take it (domain/rules.py): it waits on both
        found.append(Item(Role.PROGRAM_OFFICER, "final_evaluation"))
        found.append(Item(Role.EVALUATOR, "evaluate_final"))  # a kind of its own: one row per kind
    for t in s.tranches:
        if t.status == "due":
            found.append(Item(Role.PROGRAM_OFFICER, "request_disbursement", t.key))
        elif t.status == "requested":
            found.append(Item(Role.FINANCE_OFFICER, "approve_disbursement", t.key,
                              excluded={t.requested_by} if t.requested_by else set()))
        elif t.status == "payment_failed":
            found.append(Item(Role.PROGRAM_OFFICER, "fix_payment", t.key))
    for m in s.milestones:
        if m.status == "submitted":
            found.append(Item(Role.PROGRAM_OFFICER, "review_milestone", m.key))
        elif m.open and s.phase in STARTUP_WORK_PHASES:
            found.append(Item(Role.STARTUP, "submit_milestone", m.key, m.due_at, m.overdue))
    st = s.settlement
    if s.phase is Phase.SETTLEMENT and st is not None:
        if st.submitted_at is None:
            found.append(Item(Role.STARTUP, "settlement_report", due_at=st.due_at, overdue=st.overdue))
        elif st.approved_at is None:
            found.append(Item(Role.FINANCE_OFFICER, "approve_settlement", excluded={st.submitted_by or ""} - {""}))
    for c in s.collections:
        if c.status == "requested":
            found.append(Item(Role.STARTUP, c.kind, c.kind, c.due_at, c.overdue))
        elif c.status == "waiver_requested":
            found.append(Item(Role.FINANCE_OFFICER, "decide_waiver", c.kind, excluded={c.opened_by}))
        elif c.status == "failed":  # the finance system refused the request: finance asks again
            found.append(Item(Role.FINANCE_OFFICER, "retry_collection", c.kind, c.due_at, c.overdue))
    if s.amendments is not None:  # 협약 변경: a request the officer decides, a version the startup accepts
        pending, to_accept = s.amendments.pending, s.amendments.to_accept
        if pending is not None:
            found.append(Item(Role.PROGRAM_OFFICER, "decide_amendment", str(pending.number), pending.decision_due_at,
                              pending.escalated, excluded={pending.requested_by}))
        if to_accept is not None and to_accept.document is not None:
            found.append(Item(Role.STARTUP, "accept_amendment", to_accept.label))
    if s.appeals is not None:  # 이의신청: each appeal waits on the panel, never on who made its result
        for appeal in s.appeals.pending:
            result = s.appeals.result(appeal.kind, appeal.subject)
            found.append(Item(Role.PROGRAM_OFFICER, "decide_appeal", str(appeal.number),
                              excluded=set(result.actors) if result else set()))
    return found


def rows_of(state: StartupState) -> list[tuple[dict[str, object], set[str]]]:
    """The work_item rows (and their exclusions) for `state`."""
    return [({"startup_id": state.startup_id, "program_id": state.program_id, "brn": state.brn,
              "company_name": state.company_name, "audience": item.audience.value, "kind": item.kind,
              "subject": item.subject, "due_at": item.due_at, "sort_at": item.due_at or NO_DUE,
              "overdue": item.overdue}, item.excluded)
            for item in items_of(state)]


# Built once: the projection replaces a startup's items at nearly every change (store/projection.py).
_ITEMS, _EXCLUSIONS = table_of(WorkItem), table_of(WorkItemExclusion)
# Deleting an item deletes its exclusions (their foreign key's ON DELETE CASCADE; SQLite connections
# enforce it, store.db).
_DELETE_ITEMS = delete(_ITEMS).where(_ITEMS.c.startup_id == bindparam("items_of"))
_INSERT_ITEMS = insert(_ITEMS)
# An item is one per (startup, kind, subject) (uq_work_item): its exclusions find it by those.
_INSERT_EXCLUSIONS = insert(_EXCLUSIONS).from_select(
    ["work_item_id", "user_id"],
    select(_ITEMS.c.id, bindparam("excluded", type_=String)).where(
        _ITEMS.c.startup_id == bindparam("items_of"), _ITEMS.c.kind == bindparam("item_kind"),
        _ITEMS.c.subject == bindparam("item_subject")))


def replace_work_items(conn: Connection, state: StartupState) -> None:
    """Make the startup's work items those of `state` (within the caller's transaction): the old
    ones deleted with their exclusions, the new ones and their exclusions inserted, each in one
    statement."""
    mine = {"items_of": state.startup_id}
    conn.execute(_DELETE_ITEMS, mine)
    rows = rows_of(state)
    if rows:
        conn.execute(_INSERT_ITEMS, [values for values, _ in rows])
    excluded = [mine | {"item_kind": values["kind"], "item_subject": values["subject"], "excluded": user_id}
                for values, users in rows for user_id in sorted(users)]
    if excluded:
        conn.execute(_INSERT_EXCLUSIONS, excluded)


def off_appeal_panel(session: Session, user_id: str) -> list[str]:
    """The programs that name a review panel for their appeals without this user on it."""
    panels = session.exec(select(ProgramRow.id, table_of(ProgramRow).c.definition["appeals"]["panel"])).all()
    return [program_id for program_id, panel in panels if panel and user_id not in panel]


@dataclass
class InboxEntry:
    role: str
    startup_id: str
    program_id: str
    company_name: str
    kind: str
    subject: str
    due_at: datetime | None
    overdue: bool


def inbox(session: Session, user_id: str, roles: list[str], brn: str | None, conflicts: list[str],
          at: datetime, limit: int, program_id: str | None = None) -> list[InboxEntry]:
    """What waits on this user now in each of their roles (in one program, if given): overdue
    first, then by due instant."""
    entries: list[InboxEntry] = []
    for role in roles:
        query = select(WorkItem).where(col(WorkItem.audience) == role)
        if program_id is not None:
            query = query.where(col(WorkItem.program_id) == program_id)
        if role == Role.STARTUP.value:
            if not brn:
                continue
            query = query.where(col(WorkItem.brn) == brn)
        query = query.where(~exists().where(col(WorkItemExclusion.work_item_id) == col(WorkItem.id),
                                            col(WorkItemExclusion.user_id) == user_id))
        # A declared conflict belongs to the person: that company's work waits on someone else,
        # in every staff role (domain/conflicts.py).
        if role != Role.STARTUP.value and conflicts:
            query = query.where(col(WorkItem.brn).notin_(conflicts))
        # An evaluator sees no application of a program whose pool has not admitted them (not
        # invited, or the pledge not signed: api/services/evaluator_pool.py).
        if role == Role.EVALUATOR.value:
            query = query.where(col(WorkItem.program_id).notin_(uncleared_programs(user_id)))
            # Nor a score a panel gives to others, or one they recused from or were excluded from.
            query = query.where(or_(col(WorkItem.kind) != "score",
                                    col(WorkItem.startup_id).notin_(barred_from_scoring(user_id))))
        # An appeal of a program that names its review panel (심의위원회) waits on its members only.
        if role == Role.PROGRAM_OFFICER.value and (elsewhere := off_appeal_panel(session, user_id)):
            query = query.where(or_(col(WorkItem.kind) != "decide_appeal", col(WorkItem.program_id).notin_(elsewhere)))
        for item in session.exec(query.order_by(col(WorkItem.sort_at), col(WorkItem.id)).limit(limit)).all():
            due = as_utc(item.due_at)
            entries.append(InboxEntry(role, item.startup_id, item.program_id, item.company_name, item.kind,
                                      item.subject, due, item.overdue or (due is not None and due <= at)))
    entries.sort(key=lambda e: (not e.overdue, e.due_at or NO_DUE, e.startup_id))
    return entries[:limit]
