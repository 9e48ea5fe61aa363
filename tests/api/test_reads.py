"""The read side: lists with filters and cursor paging, the program report, and the side exits
(withdrawal) as the read model shows them."""

import time

import httpx

from axflow.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from domain.phases import Role
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import PO, drive, select


async def test_lists_filter_and_page_with_a_cursor(stack: Stack) -> None:
    program = await stack.program()
    ids = sorted([await stack.apply(program, task_id=task) for task in ("BH-01", "BH-02", "FM-01", "CH-01", "CH-02")])
    auditor = stack.as_role(Role.AUDITOR)
    await wait_until(lambda: stack.call("GET", f"/startups?program_id={program.id}&phase=under_review", auditor),
                     lambda page: len(page["items"]) == 5, what="five under review")
    seen, cursor = [], None
    while True:
        query = f"/startups?program_id={program.id}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = await stack.call("GET", query, auditor)
        seen += [item["startup_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    bio = await stack.call("GET", f"/startups?program_id={program.id}&sector=bio_health", auditor)
    assert {i["task_id"] for i in bio["items"]} == {"BH-01", "BH-02"}
    ulsan = await stack.call("GET", f"/startups?program_id={program.id}&region=울산", auditor)
    assert {i["task_id"] for i in ulsan["items"]} == {"FM-01", "CH-01"}
    micro = await stack.call("GET", f"/startups?program_id={program.id}&stage=micro&overdue=false", auditor)
    assert len(micro["items"]) == 5
    error = await stack.call("GET", "/startups?phase=dreaming", auditor, expect=422)
    assert error["error"]["details"][0]["field"] == "phase"
    error = await stack.call("GET", "/startups?cursor=%%%", auditor, expect=422)
    assert error["error"]["code"] == "validation_error"


async def test_the_report_counts_phases_and_money(stack: Stack) -> None:
    startup = await drive(stack, "completed")
    report = await wait_until(
        lambda: stack.call("GET", f"/programs/{startup.program.id}/report", stack.as_role(Role.AUDITOR)),
        lambda r: r["counts_by_phase"] == {"completed": 1}, what="report")
    assert report["money"]["committed"] == 80_000_000
    assert report["money"]["paid"] == 56_000_000  # the balance was never requested
    assert report["money"]["refund_due"] == 6_000_000  # 56M paid, 50M spent
    assert (report["milestones_accepted"], report["on_time_rate"], report["overdue"]) == (4, 1.0, 0)
    programs = await stack.call("GET", "/programs", stack.as_role(Role.AUDITOR))
    assert startup.program.id in {p["id"] for p in programs}
    error = await stack.call("POST", "/programs", stack.as_role(PO), {}, 403)
    assert error["error"]["code"] == "forbidden"


async def test_a_withdrawal_from_a_held_slot_goes_to_the_waitlist(stack: Stack) -> None:
    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    await select(stack, program, {first: 90, second: 80})
    await stack.wait_phase(first, "selected")
    state = await stack.act(first, "withdraw", stack.as_startup(first.rsplit(":", 1)[1]), {"reason": "사업 포기"})
    assert state["phase"] == "withdrawn"
    await stack.wait_phase(second, "selected")


async def test_the_finance_system_answers_a_repeated_key_with_the_original(stack: Stack) -> None:
    payment = {"idempotency_key": f"p:{new_brn()}:advance", "program_id": "p", "startup_id": "s", "brn": "1",
               "tranche": "advance", "amount": 1000}
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        first = await http.post("/payments", json=payment)
        again = await http.post("/payments", json=payment | {"amount": 999_999})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["payment_id"] == first.json()["payment_id"] and again.json()["amount"] == 1000
        listed = [p for p in (await http.get("/payments")).json() if p["idempotency_key"] == payment["idempotency_key"]]
        assert len(listed) == 1


async def test_the_finance_webhook_checks_its_signature_and_age(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    body = (f'{{"idempotency_key": "{startup.program.id}:{startup.brn}:advance", "payment_id": "PAY-X", '
            f'"status": "paid"}}').encode()
    secret = stack.settings.finance_webhook_secret
    now = str(int(time.time()))
    async with httpx.AsyncClient(base_url=stack.settings.api_url) as http:
        async def post(headers: dict[str, str], content: bytes = body) -> httpx.Response:
            return await http.post("/webhooks/finance", content=content, headers=headers)

        assert (await post({})).status_code == 401
        assert (await post({TIMESTAMP_HEADER: now, SIGNATURE_HEADER: sign("wrong", now, body)})).status_code == 401
        old = str(int(time.time()) - 3600)
        assert (await post({TIMESTAMP_HEADER: old, SIGNATURE_HEADER: sign(secret, old, body)})).status_code == 401
        unknown = body.replace(startup.brn.encode(), b"0000000000")
        response = await post({TIMESTAMP_HEADER: now, SIGNATURE_HEADER: sign(secret, now, unknown)}, unknown)
        assert response.status_code == 404
        # A well-signed outcome for a tranche that was never approved changes nothing.
        response = await post({TIMESTAMP_HEADER: now, SIGNATURE_HEADER: sign(secret, now, body)})
        assert response.status_code == 202
    state = await stack.state(startup.id)
    assert next(t for t in state["tranches"] if t["key"] == "advance")["status"] == "due"
    assert state["phase"] == "contracted"


async def test_metrics_show_requests_by_route_and_status_after_a_lifecycle(stack: Stack) -> None:
    await drive(stack, "in_poc")
    metrics = (await stack.http.get("/metrics")).text
    assert 'axflow_http_requests_total{method="POST",route="/startups/{startup_id}/actions/match",status="200"}' \
        in metrics
    assert 'axflow_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/startups/{startup_id}"}' \
        in metrics
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "temporal": "ok"}
