"""The finance desk's reads (the console's 회계 page): work items waiting on a desk, the projected
states of the startups they are about, and the startups that may owe money back."""

from typing import Any

from sqlmodel import Session, col, select

from domain.phases import Role
from domain.state import StartupState
from store.tables import StartupRow
from store.user_tables import WorkItem


def projected_states(session: Session, startup_ids: set[str]) -> dict[str, StartupState]:
    """Startup id → its last projected state, for the ids the read model knows."""
    if not startup_ids:
        return {}
    rows = session.exec(select(StartupRow.startup_id, StartupRow.state)
                        .where(col(StartupRow.startup_id).in_(startup_ids))).all()
    return {startup_id: StartupState.model_validate(state) for startup_id, state in rows}


def desk_work(session: Session, audience: Role, kinds: tuple[str, ...], program_id: str | None,
              limit: int) -> list[WorkItem]:
    """The `audience` desk's work items of `kinds` (of one program, or all), the earliest due first."""
    query = select(WorkItem).where(WorkItem.audience == audience.value, col(WorkItem.kind).in_(kinds))
    if program_id:
        query = query.where(WorkItem.program_id == program_id)
    return list(session.exec(query.order_by(col(WorkItem.sort_at), col(WorkItem.id)).limit(limit)).all())


def stored_collections(session: Session, phases: tuple[str, ...],
                       program_id: str | None) -> list[tuple[str, str, str, list[dict[str, Any]]]]:
    """(startup id, company name, program id, stored collections) of the startups in `phases`
    (of one program, or all)."""
    query = select(StartupRow.startup_id, StartupRow.company_name, StartupRow.program_id, StartupRow.state).where(
        col(StartupRow.phase).in_(phases))
    if program_id:
        query = query.where(StartupRow.program_id == program_id)
    return [(startup_id, company, program, state.get("collections", []))
            for startup_id, company, program, state in session.exec(query).all()]
