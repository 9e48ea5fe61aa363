"""`axflow demo`: the sample cohort end to end against the running stack, through the HTTP API.

It works on a copy of the sample program whose application window is open now (and closes by
itself a few seconds later), so the real sample keeps its real 2025 dates.
"""

import asyncio
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from axflow.config import Settings
from axflow.programs import sample_definitions
from domain.brn import check_digit, format_brn
from domain.phases import Role
from domain.program import CAPITAL_AREA
from store.db import make_engine, migrate, session_scope
from store.tokens import create_token
from store.users import find_by_login, set_password

WINDOW_SECONDS = 20
# The demo companies' password: each accepts its agreement by typing it again.
STARTUP_PASSWORD = "Demo!agree-2025q"


def make_brn(serial: int) -> str:
    first_nine = f"{310 + serial:03d}81{serial * 37 % 10000:04d}"
    return first_nine + str(check_digit(first_nine))


class Demo:
    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.http, self.tokens = http, tokens

    async def call(self, who: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = await self.http.request(method, path, json=body,
                                           headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if response.status_code != expect:
            raise SystemExit(f"{method} {path} as {who}: expected {expect}, got {response.status_code}: "
                             f"{response.text}")
        return response.json()

    async def act(self, who: str, startup_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.call(who, "POST", f"/startups/{startup_id}/actions/{action}", body)

    async def wait_for(self, startup_id: str, check: Any, what: str, timeout: float = 60) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            state = await self.call("officer.kim", "GET", f"/startups/{startup_id}")
            if check(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"{startup_id}: timed out waiting for {what} (phase {state['phase']})")
            await asyncio.sleep(0.2)


def say(text: str) -> None:
    print(text, flush=True)


async def run_demo(settings: Settings, api_url: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    next_stage = next(d for d in sample_definitions() if d.id == "chogyeokcha-2026")
    now = datetime.now(timezone.utc)
    program = sample.model_copy(update={
        "id": f"demo-{stamp}", "name": f"{sample.name} — demo {stamp}",
        "application_opens_at": now - timedelta(minutes=1),
        "application_closes_at": now + timedelta(seconds=WINDOW_SECONDS),
    })
    promoted_program = next_stage.model_copy(update={"id": f"demo-{stamp}-cg", "name": f"{next_stage.name} — demo"})

    companies = []
    for i, task in enumerate(sample.tasks):
        brn = make_brn(i)
        companies.append({"brn": brn, "company_name": f"데모AI {i + 1:02d} (Demo AI {i + 1:02d})",
                          "founded_on": date(now.year - 1 - i % 8, 3, 2).isoformat(), "task_id": task.id,
                          "representative": f"대표 {i + 1:02d}", "email": f"ceo{i + 1:02d}@demo-ai.kr",
                          "proposal_title": f"{task.title}: PoC"})
    bad_check = make_brn(50)[:9] + str((int(make_brn(50)[9]) + 1) % 10)
    too_old = {"brn": make_brn(51), "company_name": "오래된기업 (Old Co.)", "founded_on": date(now.year - 12, 5, 1).isoformat(),
               "task_id": "SF-01", "representative": "대표", "email": "ceo@old.kr", "proposal_title": "late"}

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        for role, name in [(Role.ADMIN, "admin"), (Role.PROGRAM_OFFICER, "officer.kim"),
                           (Role.FINANCE_OFFICER, "finance.lee"), (Role.EVALUATOR, "evaluator.park"),
                           (Role.EVALUATOR, "evaluator.choi")]:
            tokens[name] = create_token(session, role, name, expires_in=timedelta(days=1))
        for c in [*companies, too_old]:
            tokens[c["brn"]] = create_token(session, Role.STARTUP, c["company_name"], c["brn"], timedelta(days=1))
            owner = find_by_login(session, c["company_name"])
            if owner is not None and owner.password_hash is None:
                set_password(session, owner, STARTUP_PASSWORD)
    engine.dispose()

    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        demo = Demo(http, tokens)
        say(f"1. program {program.id}: window open until "
            f"{program.application_closes_at.astimezone(timezone(timedelta(hours=9))):%H:%M:%S} KST")
        await demo.call("admin", "POST", "/programs", json.loads(program.model_dump_json()), 201)
        await demo.call("admin", "POST", "/programs", json.loads(promoted_program.model_dump_json()), 201)

        say("2. applications (신청)")
        ids: dict[str, str] = {}
        for c in companies:
            created = await demo.call(c["brn"], "POST", f"/programs/{program.id}/applications", c, 201)
            ids[c["brn"]] = created["startup_id"]
            say(f"   {format_brn(c['brn'])} {c['company_name']} → {c['task_id']}: {created['phase']}")
        refused = await demo.call("officer.kim", "POST", f"/programs/{program.id}/applications",
                                  companies[0] | {"brn": bad_check}, 422)
        say(f"   {format_brn(bad_check)} refused: {refused['error']['details'][0]['message']}")
        refused = await demo.call(too_old["brn"], "POST", f"/programs/{program.id}/applications", too_old, 422)
        say(f"   {format_brn(too_old['brn'])} refused: {refused['error']['message']}")

        say("3. evaluation (서면·발표평가)")
        # Scores chosen so that ten pass and rank clearly, two wait and one falls below the minimum.
        for i, c in enumerate(companies):
            sid = ids[c["brn"]]
            await demo.wait_for(sid, lambda s: s["phase"] == "under_review", "eligibility")
            base = 95 - i * 2 if i < 12 else 55
            await demo.act("evaluator.park", sid, "score", {"round": "document", "score": base})
            state = await demo.act("evaluator.choi", sid, "score", {"round": "presentation", "score": base - 1})
            say(f"   {c['company_name']}: average {state['average_score']}")

        say(f"4. waiting for the window to close by itself ({WINDOW_SECONDS} s after opening)")
        while (await demo.call("officer.kim", "GET", f"/programs/{program.id}"))["call"]["window"] != "closed":
            await asyncio.sleep(1)
        result = await demo.call("officer.kim", "POST", f"/programs/{program.id}/selection",
                                 {"reason": "선정평가위원회 결과"})
        say(f"   selected {len(result['selected'])}, waitlisted {len(result['waitlisted'])}, "
            f"rejected {len(result['rejected'])}")

        say("5. matching, agreements, tranches, milestones, final evaluation, settlement")
        for n, sid in enumerate(result["selected"]):
            await demo.wait_for(sid, lambda s: s["phase"] == "selected", "selection notice")
            state = await demo.call("officer.kim", "GET", f"/startups/{sid}")
            task = sample.task(state["task_id"])
            region = task.sme_region if task.sme_region not in CAPITAL_AREA else "강원"
            partners = [{"name": f"{region} 제조 SME {n + 1}", "brn": make_brn(100 + n), "region": region}]
            if n == 1:  # one consortium
                partners.append({"name": "충남 부품 SME", "brn": make_brn(200), "region": "충남", "role": "member"})
            matched = await demo.act("officer.kim", sid, "match", {"partners": partners})
            brn = state["brn"]
            if matched["agreement_two_step"]:  # the company accepts the generated agreement, then the officer signs
                agreement = matched["agreement_document"]
                await demo.act(brn, sid, "accept-agreement", {"agreement_sha256": agreement["sha256"],
                                                             "password": STARTUP_PASSWORD})
                if n == 0:
                    say(f"   {state['company_name']}: agreement {agreement['filename']} accepted, "
                        f"SHA-256 {agreement['sha256'][:16]}…")
            await demo.act("officer.kim", sid, "sign-agreement", {"agreement_no": f"AX-{stamp}-{n + 1:02d}"})
            await demo.act("officer.kim", sid, "request-disbursement", {"tranche": "advance"})
            await demo.act("finance.lee", sid, "approve-disbursement", {"tranche": "advance"})
            await demo.wait_for(sid, lambda s: s["phase"] == "in_poc", "advance payment")
            for key in ("kickoff", "midterm", "poc_complete", "final_report"):
                await demo.act(brn, sid, "submit-milestone", {"milestone": key, "deliverable": f"{key}.pdf"})
                if n == 0 and key == "midterm":  # one revision
                    await demo.act("officer.kim", sid, "review-milestone",
                                   {"milestone": key, "decision": "revise", "reason": "실증 데이터 보완"})
                    await demo.act(brn, sid, "submit-milestone", {"milestone": key, "deliverable": f"{key}-v2.pdf"})
                await demo.act("officer.kim", sid, "review-milestone", {"milestone": key, "decision": "accept"})
                if key == "midterm":
                    await demo.act("officer.kim", sid, "request-disbursement", {"tranche": "balance"})
                    await demo.act("finance.lee", sid, "approve-disbursement", {"tranche": "balance"})
                    await demo.wait_for(sid, lambda s: all(t["status"] == "paid" for t in s["tranches"]),
                                        "balance payment")
            grade = "S" if n == 0 else "A" if n < 4 else "B"
            await demo.act("evaluator.park", sid, "final-evaluation", {"score": 95 - n * 3, "grade": grade})
            spent = 80_000_000 if n % 3 else 77_500_000
            lines = [{"item": "인건비 (personnel)", "amount": spent // 2},
                     {"item": "실증 장비 (PoC equipment)", "amount": spent - spent // 2}]
            await demo.act(brn, sid, "submit-settlement", {"lines": lines})
            await demo.act("finance.lee", sid, "approve-settlement", {})
            # A settlement with unspent money completes when the refund (반납) arrives.
            state = await demo.wait_for(sid, lambda s: s["phase"] == "completed", "refund")
            say(f"   {state['company_name']}: {state['phase']}, grade {grade}, paid ₩{80_000_000:,}, "
                f"refunded ₩{state['settlement']['refund_due']:,}")

        say("6. promotion (단계 연계) to 초격차")
        best = result["selected"][0]
        state = await demo.act("officer.kim", best, "promote", {"target_program_id": promoted_program.id,
                                                               "reason": "우수 성과"})
        say(f"   {best} → {state['next_startup_id']}")

        await demo.wait_for(best, lambda s: s["closed_at"], "promotion recorded")
        report = await demo.call("officer.kim", "GET", f"/programs/{program.id}/report")
        say(f"7. report: {json.dumps(report['counts_by_phase'], ensure_ascii=False)}; "
            f"paid ₩{report['money']['paid']:,}, refunded ₩{report['money']['refunded']:,}, "
            f"on-time rate {report['on_time_rate']}")
        say(f"   temporal workflow list --query \"AxProgram='{program.id}' AND AxPhase='completed'\"")
