"""People by name: pages and answers name a person as people read them, keeping the stable id
where matching or an auditor needs it."""

from collections.abc import Iterable

from sqlmodel import Session, col, select

from store.user_tables import User


def people_names(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """User id → display name, for the ids the directory knows."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted))).all())
