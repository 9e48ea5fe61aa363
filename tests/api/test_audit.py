"""Auditors read everything and change nothing; they can export every transition (CSV that Excel
opens with Korean intact), see refused attempts, and check that the audit table is unaltered."""

import csv
import io

from sqlalchemy import text

from api.main import create_app
from domain.phases import Action, Role
from store.db import session_scope
from store.users import find_by_login
from tests.conftest import Stack, wait_until
from tests.flows import EV, PO, drive


async def test_an_auditor_gets_403_on_every_mutating_route(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    auditor = stack.as_role(Role.AUDITOR)
    values = {"program_id": startup.program.id, "startup_id": startup.id, "user_id": user_id(stack, "auditor"),
              "document_id": "no-such-document"}
    # POSTs that change nothing: verifying a file's bytes is part of an auditor's work.
    reads = {("post", "/documents/verify")}
    # One's own inbox and notification settings are personal, not part of any record.
    personal = ("/me/notifications", "/me/notification-preferences")
    checked = []
    # Every route the API publishes: a new mutating route is swept without touching this test.
    for template, operations in create_app(stack.settings).openapi()["paths"].items():
        for method in sorted(set(operations) - {"get", "head"}):
            if (method, template) in reads or template.startswith(personal):
                continue
            actions = [a.value for a in Action] if "{action}" in template else [None]
            for action in actions:
                path = template.format(**values, action=action)
                response = await stack.http.request(method.upper(), path, json={}, headers=auditor)
                # The finance webhook takes no tokens at all: its HMAC signature is the credential.
                expected = 401 if template.startswith("/webhooks/") else 403
                assert response.status_code == expected, (method, path, response.text)
                checked.append(path)
    assert len(checked) >= len(Action) + 4
    assert (await stack.state(startup.id))["phase"] == "in_poc"


def user_id(stack: Stack, login_id: str) -> str:
    """The stable id recorded for the user a test token was made for (by its login id)."""
    with session_scope(stack.engine) as session:
        return find_by_login(session, login_id).id


async def test_events_export_as_csv_with_korean_intact(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    auditor = stack.as_role(Role.AUDITOR)
    await wait_until(lambda: stack.call("GET", f"/audit/events?startup_id={startup.id}", auditor),
                     lambda body: body["count"] >= 4, what="audit rows")
    response = await stack.http.get("/audit/events", params={"program_id": startup.program.id},
                                    headers=auditor | {"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    apply_row = next(r for r in rows if r["action"] == "apply")
    assert "테스트AI" in apply_row["details"] and apply_row["actor_id"] == user_id(stack, f"startup-{startup.brn}")
    assert apply_row["actor_name"] == f"startup-{startup.brn}"
    assert apply_row["at_kst"][:4].isdigit()
    scored = await stack.call("GET", f"/audit/events?actor={EV.value}&action=score&program_id={startup.program.id}",
                              auditor)
    assert scored["count"] == 1 and scored["events"][0]["role"] == "evaluator"
    assert (await stack.call("GET", "/audit/events", stack.as_role(PO), expect=403))["error"]["code"] == "forbidden"


async def test_refused_attempts_are_recorded_with_who_what_and_why(stack: Stack) -> None:
    startup = await drive(stack, "matched")
    await stack.act(startup.id, "request-disbursement", stack.as_role(PO), {"tranche": "advance"}, expect=409)
    await stack.act(startup.id, "approve-disbursement", stack.as_role(Role.EVALUATOR), {"tranche": "advance"},
                    expect=403)
    history = await stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.AUDITOR))
    refused = [(r["actor"], r["action"], r["code"]) for r in history["refused"]]
    assert refused == [(user_id(stack, PO.value), "request-disbursement", "invalid_transition"),
                       (user_id(stack, "evaluator"), "approve-disbursement", "forbidden")]
    assert history["refused"][0]["details"]["phase"] == "matched"
    assert all(e["action"] != "request-disbursement" for e in history["entries"])


async def test_the_chain_check_names_the_first_altered_row(stack: Stack) -> None:
    await drive(stack, "under_review")
    auditor = stack.as_role(Role.AUDITOR)
    verdict = await stack.call("GET", "/audit/verify", auditor)
    assert verdict["ok"] and verdict["rows_checked"] > 0
    with session_scope(stack.engine) as session:
        victim = session.exec(text("SELECT id FROM audit_event ORDER BY id DESC LIMIT 1")).one()[0]
        session.exec(text("UPDATE audit_event SET actor_id = 'someone else' WHERE id = :id").bindparams(id=victim))
        session.commit()
    try:
        verdict = await stack.call("GET", "/audit/verify", auditor)
        assert (verdict["ok"], verdict["first_broken_id"]) == (False, victim)
    finally:  # the suite shares one database: put the row back as it was
        with session_scope(stack.engine) as session:
            session.exec(text("UPDATE audit_event SET actor_id = 'system:workflow' WHERE id = :id").bindparams(
                id=victim))
            session.commit()
    assert (await stack.call("GET", "/audit/verify", auditor))["ok"]
