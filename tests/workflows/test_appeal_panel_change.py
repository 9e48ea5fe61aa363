"""The review panel named again while the program runs (PUT /programs/{id}/appeals/panel and its
console form): refusals naming the field and each rule with nothing changed, the audit row, and the
new panel deciding the appeals decided after it (the old one refused, the inbox moved) in a real
lifecycle."""

from typing import Any

import httpx
from sqlmodel import select

from domain.appeals import AppealPolicy
from domain.phases import Role
from store.db import session_scope
from store.tables import AuditEvent
from tests.conftest import Stack, wait_until
from tests.flows import EV, PO
from tests.flows import select as select_applicants
from tests.pages.test_console_upload import csrf, sign_in
from tests.workflows.test_amendments import refusal


async def test_the_panel_named_again_decides_the_appeals_decided_after_it(stack: Stack, site: httpx.AsyncClient) -> None:
    first_panel = stack.as_role(PO, "panel-first")
    program = await stack.program(slots=1, budget=80_000_000,
                                  appeals=AppealPolicy(panel=[stack.user_id("panel-first")]))
    winner, appellant = await stack.apply(program), await stack.apply(program)
    await select_applicants(stack, program, {winner: 90, appellant: 10})
    await stack.wait_phase(appellant, "rejected")
    await stack.act(appellant, "file-appeal", stack.as_startup(appellant.rsplit(":", 1)[1]),
                    {"kind": "selection", "reasons": "평가 자료 누락"})

    officer, url = stack.as_role(PO), f"/programs/{program.id}/appeals/panel"
    stack.as_role(PO, "panel-second"), stack.as_role(EV, "some-evaluator")
    second, evaluator = stack.user_id("panel-second"), stack.user_id("some-evaluator")
    wrong = await stack.call("PUT", url, officer, {"panel": [second, second, "u-nobody", evaluator]}, expect=422)
    assert [(d["field"], d["rule"], d["members"]) for d in wrong["error"]["details"]] == [
        ("panel", "panel_member_once", [second]), ("panel", "panel_member_known", ["u-nobody"]),
        ("panel", "panel_member_staff", [evaluator])]
    too_many = await stack.call("PUT", url, officer, {"panel": [second] * 51}, expect=422)
    assert "panel_size" in [d["rule"] for d in too_many["error"]["details"]]
    await stack.call("PUT", url, stack.as_role(EV), {"panel": [second]}, expect=403)
    shown = await stack.call("GET", f"/programs/{program.id}", stack.as_role(Role.AUDITOR))
    assert shown["definition"]["appeals"]["panel"] == [stack.user_id("panel-first")]  # nothing changed

    changed = await stack.call("PUT", url, officer, {"panel": [second], "reason": "위원 교체"})
    assert (changed["panel"], changed["panel_before"]) == ([second], [stack.user_id("panel-first")])
    with session_scope(stack.engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.startup_id == f"appeal-panel:{program.id}")).all()
        assert [(r.action, r.reason, r.details["panel"]) for r in rows] == [("set-appeal-panel", "위원 교체", [second])]
    verified = await stack.call("GET", "/audit/verify", stack.as_role(Role.AUDITOR))
    assert verified["ok"] and f"appeal-panel:{program.id}" in verified["unanchored"], verified

    # The appeal filed before the change is decided by the panel named now, and waits in its inbox.
    def inbox_of(name: str) -> Any:
        return stack.call("GET", f"/me/inbox?program_id={program.id}", stack.as_role(PO, name))

    def appeal_waits(answer: Any) -> bool:
        return any(i["kind"] == "decide_appeal" and i["startup_id"] == appellant for i in answer["items"])

    await wait_until(lambda: inbox_of("panel-second"), appeal_waits, what="the appeal in the new panel's inbox")
    assert not appeal_waits(await inbox_of("panel-first"))
    old = await stack.act(appellant, "decide-appeal", first_panel, {"decision": "dismiss", "reason": "적정"}, expect=403)
    assert refusal(old)[2] == "named_panel"
    decided = await stack.act(appellant, "decide-appeal", stack.as_role(PO, "panel-second"),
                              {"decision": "dismiss", "reason": "점수 산정 적정"})
    assert decided["appeals"]["appeals"][0]["status"] == "dismissed"

    # On the console: the panel by name, a refusal beside the field, then the panel named again.
    await sign_in(site, stack, "panel.officer", ["program_officer"])
    page = await site.get(f"/console/programs/{program.id}/appeals/panel")
    assert page.status_code == 200 and second in page.text and "panel-second" in page.text
    refused = await site.post(f"/console/programs/{program.id}/appeals/panel",
                              data={"csrf_token": csrf(page.text), "panel": f"{second}\nu-nobody"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text and "u-nobody" in refused.text
    saved = await site.post(f"/console/programs/{program.id}/appeals/panel",
                            data={"csrf_token": csrf(page.text), "panel": "", "reason": "전원 심의"})
    assert saved.status_code == 303
    shown = await stack.call("GET", f"/programs/{program.id}", stack.as_role(Role.AUDITOR))
    assert shown["definition"]["appeals"]["panel"] == []
