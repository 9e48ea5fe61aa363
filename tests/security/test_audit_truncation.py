"""The audit chain is keyed and anchored: rows cut from the end of a startup's chain are named by
`/audit/verify` and the auditor's 검증 page, even when the cutter also lowers the read model's
count (the anchor its workflow keeps in Temporal still holds); a row rewritten without the key
breaks the chain, also when passed off as an older, unkeyed row; older unkeyed rows verify."""

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel, select

from api.audit_verification import program_startups
from domain.io import Projection
from domain.phases import Phase, Role
from domain.state import StartupState
from store import audit
from store.db import make_engine, session_scope
from store.projection import apply_projection
from store.tables import AuditEvent, StartupRow
from tests.api.test_signin import sign_in, user
from tests.conftest import Stack, wait_until
from tests.flows import drive
from tests.store.test_database import _state, _transition

KEY = b"audit-key-of-the-truncation-tests-0123"


def _anchor_caught_up(state: dict[str, Any]) -> bool:
    anchor = state.get("audit_anchor")
    return bool(anchor) and anchor["count"] == state["transition_count"]


async def test_rows_cut_from_a_chains_end_are_named(stack: Stack, site) -> None:  # type: ignore[no-untyped-def]
    startup = await drive(stack, "selected")
    handle = stack.client.get_workflow_handle(startup.id)
    state = await wait_until(lambda: handle.query("state", result_type=StartupState),
                             lambda s: _anchor_caught_up(s.model_dump(mode="json")), what="the anchor caught up")
    auditor = stack.as_role(Role.AUDITOR)
    verdict = await stack.call("GET", f"/audit/verify?startup_id={startup.id}", auditor)
    assert verdict["ok"] and verdict["anchors_checked"] >= 1 and verdict["keyed_rows"] == verdict["rows_checked"]
    # Names no workflow has, a program id that would break a naive visibility query: reported, never a 500.
    odd = await stack.http.get("/audit/verify", params={"startup_id": "startup:none' OR 1=1", "program_id": 'p" OR x'},
                               headers=auditor)
    assert odd.status_code == 200 and "startup:none' OR 1=1" in odd.json()["unanchored"]
    rows = await stack.audit_rows(startup.id)
    assert len(rows) == state.transition_count >= 3
    last, count = rows[-1], state.transition_count
    with session_scope(stack.engine) as session:
        row_state = session.get(StartupRow, startup.id).state
    try:
        with session_scope(stack.engine) as session:
            session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=last.id))
            session.commit()
        verdict = await stack.call("GET", f"/audit/verify?startup_id={startup.id}", auditor)
        cuts = {(c["source"], c["expected"], c["found"]) for c in verdict["truncations"]
                if c["startup_id"] == startup.id}
        assert not verdict["ok"] and cuts == {("read model", count, count - 1), ("temporal", count, count - 1)}
        # The auditor's page says it too, in Korean first.
        login, _ = user(stack, roles=["auditor"])
        assert (await sign_in(site, login)).status_code == 303
        page = await site.get("/console/audit/verify")
        assert page.status_code == 200 and 'id="chain-truncations"' in page.text and startup.id in page.text
        assert f"{count}건이 기록되었는데 {count - 1}건이 남아 있습니다" in page.text

        # The read model's count lowered as well: Temporal's anchor still names the cut.
        with session_scope(stack.engine) as session:
            session.get(StartupRow, startup.id).state = row_state | {"transition_count": count - 1}
            session.commit()
        # Asked by program: its lifecycles as Temporal lists them.
        assert await program_startups(stack.client, startup.program.id) == [startup.id]
        verdict = await stack.call("GET", f"/audit/verify?program_id={startup.program.id}", auditor)
        cuts = {c["source"] for c in verdict["truncations"] if c["startup_id"] == startup.id}
        assert not verdict["ok"] and cuts == {"temporal"}
    finally:  # the suite shares one database: put everything back as it was
        with session_scope(stack.engine) as session:
            if session.get(AuditEvent, last.id) is None:
                session.add(AuditEvent.model_validate(last.model_dump()))
            session.get(StartupRow, startup.id).state = row_state
            session.commit()
    assert (await stack.call("GET", f"/audit/verify?startup_id={startup.id}", auditor))["ok"]


def _projection(seqs: list[int]) -> Projection:
    state = _state(max(seqs), Phase.SELECTED)
    return Projection(state=state, transitions=[_transition(seq, Phase.SELECTED) for seq in seqs])


def test_the_chain_is_keyed_and_older_unkeyed_rows_still_verify(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/a.db", writer=True)
    SQLModel.metadata.create_all(engine)  # the tables alone: migrations are tested in tests/store/test_database.py
    with session_scope(engine) as session:
        # Two rows as written before the key (scheme 1, plain SHA-256), then keyed ones.
        prev = audit.GENESIS
        for seq in (1, 2):
            old = AuditEvent(startup_id="startup:p:old", program_id="p", seq=seq, at=datetime.now(UTC),
                             actor_id="u0", actor_name="박", role="evaluator", action="score", from_phase="applied",
                             to_phase="applied", details={}, prev_hash=prev, hash="", hash_scheme=audit.UNKEYED)
            old.hash = hashlib.sha256(audit._canonical(prev, old)).hexdigest()
            session.add(old)
            prev = old.hash
        session.commit()
        anchor = apply_projection(session, _projection([1, 2, 3]), KEY)
        assert anchor is not None and anchor.count == 3
        report = audit.verify_chain(session, KEY)
        assert (report.ok, report.rows, report.keyed_rows) == (True, 5, 3)
        assert not audit.verify_chain(session, b"another key, as a forger would guess").ok

        # A keyed row rewritten by someone without the key, and passed off as an older unkeyed row.
        victim = session.exec(select(AuditEvent).where(AuditEvent.seq == 2, AuditEvent.hash_scheme == 2)).one()
        victim.reason = "nothing to see"
        victim.hash, victim.hash_scheme = hashlib.sha256(audit._canonical(victim.prev_hash, victim)).hexdigest(), 1
        session.add(victim)
        session.commit()
        report = audit.verify_chain(session, KEY)
        assert (report.ok, report.first_broken_id, report.problem) == (False, victim.id, audit.DOWNGRADED)
    engine.dispose()
