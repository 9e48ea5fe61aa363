"""`axflow demo` (`make demo`): fill the running stack with a cohort in every phase, through the
HTTP API, whose people can then sign in and see every screen populated.

It works on copies of the sample programs (the real sample keeps its real 2025 dates): a call whose
window is open for a few seconds, where seventeen companies apply; twelve are selected and driven
to where axflow/demo_cohort.py says (promoted, settled, in settlement, in final review, overdue,
waiting for a review, suspended, terminated, contracted, matched, withdrawn), three wait on the
waitlist, one is rejected and one is ineligible (its business closed at the tax authority); and a
call that stays open, with two applicants under review.

Overdue deadlines need time to pass: where the Temporal server allows per-workflow time skipping
(`make run` turns it on; the tests' server has it), the demo moves the clock of the companies it
makes overdue, and of one it lets lapse, as the tests do. Elsewhere it says so and leaves them be.
"""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import TimeSkipper

from axflow.config import Settings
from axflow.demo_budget import opened_vendor
from axflow.demo_cohort import GOALS, partners_for, reach
from axflow.programs import sample_definitions
from domain.brn import check_digit, format_brn
from domain.phases import Role
from store.db import make_engine, migrate, session_scope
from store.passwords import verify_password
from store.tokens import create_token
from store.users import create_user, find_by_login, set_password

KST = timezone(timedelta(hours=9))
# Long enough to apply and score everyone on a busy machine; closed early by moving the call's
# clock where the server allows it.
WINDOW_SECONDS = 45
# The demo companies' people sign in with this (and type it again to accept an agreement).
STARTUP_PASSWORD = "Demo!agree-2025q"
WAITLISTED, REJECTED = 3, 1
STAFF = [(Role.ADMIN, "admin"), (Role.PROGRAM_OFFICER, "officer.kim"), (Role.FINANCE_OFFICER, "finance.lee"),
         (Role.EVALUATOR, "evaluator.park"), (Role.EVALUATOR, "evaluator.choi")]


class DemoFailed(Exception):
    pass


def make_brn(serial: int) -> str:
    first_nine = f"{310 + serial:03d}81{serial * 37 % 10000:04d}"
    return first_nine + str(check_digit(first_nine))


def company(serial: int, task_id: str, year: int) -> dict[str, Any]:
    """A demo applicant; simulators/tax_register.py knows the first twelve by the same numbers,
    representatives and founding dates (for 진위확인 on the portal)."""
    return {"brn": make_brn(serial), "company_name": f"데모AI {serial + 1:02d} (Demo AI {serial + 1:02d})",
            "founded_on": date(year - 1 - serial % 8, 3, 2).isoformat(), "task_id": task_id,
            "representative": f"대표 {serial + 1:02d}", "email": f"ceo{serial + 1:02d}@demo-ai.kr",
            "proposal_title": f"{task_id}: PoC"}


def say(text: str) -> None:
    print(text, flush=True)


class Clock:
    """Moves one workflow's clock forward (Temporal's per-workflow time skipping), if the server lets it."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.refused = settings, False
        self.client: Client | None = None

    async def move(self, workflow_id: str, days: float = 0, seconds: float = 0) -> bool:
        if self.refused:
            return False
        try:
            if self.client is None:
                self.client = await Client.connect(self.settings.temporal_address,
                                                   namespace=self.settings.temporal_namespace)
            await TimeSkipper(self.client).fast_forward(self.client.get_workflow_handle(workflow_id),
                                                         timedelta(days=days, seconds=seconds))
            return True
        except (RPCError, RuntimeError) as err:
            self.refused = True
            say(f"   (this Temporal server does not let clocks be moved: {err}; start it with make run, "
                "which allows it, to see deadlines pass)")
            return False


class Demo:
    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str], clock: Clock, stamp: str,
                 next_program_id: str) -> None:
        self.http, self.tokens, self.clock, self.stamp = http, tokens, clock, stamp
        self.next_program_id, self.startup_password = next_program_id, STARTUP_PASSWORD
        # The program has budget rules: its companies plan, record expenses and settle from the ledger.
        self.budget_rules = False

    async def call(self, who: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = await self.http.request(method, path, json=body,
                                           headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if response.status_code != expect:
            raise DemoFailed(f"{method} {path} as {who}: expected {expect}, got {response.status_code}: "
                             f"{response.text}")
        return response.json()

    async def upload(self, who: str, startup_id: str, content: bytes, filename: str, kind: str) -> Any:
        """A document uploaded first (POST /startups/{id}/documents), as the portal does."""
        response = await self.http.post(f"/startups/{startup_id}/documents", data={"kind": kind},
                                        files={"file": (filename, content, "application/pdf")},
                                        headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if response.status_code != 201:
            raise DemoFailed(f"upload to {startup_id} as {who}: got {response.status_code}: {response.text}")
        return response.json()

    async def act(self, who: str, startup_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.call(who, "POST", f"/startups/{startup_id}/actions/{action}", body)

    async def wait_for(self, startup_id: str, check: Callable[[dict[str, Any]], Any], what: str,
                       timeout: float = 90) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            state = await self.call("officer.kim", "GET", f"/startups/{startup_id}")
            if check(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise DemoFailed(f"{startup_id}: timed out waiting for {what} (phase {state['phase']})")
            await asyncio.sleep(0.25)


def people(settings: Settings, companies: list[dict[str, Any]]) -> dict[str, str]:
    """Tokens for the staff (their demo users' when `make run` made them) and for each company's
    representative, a startup user who can also sign in with STARTUP_PASSWORD."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        for role, login in STAFF:
            tokens[login] = create_token(session, role, login, expires_in=timedelta(days=1))
        for c in companies:
            person = find_by_login(session, c["email"])
            if person is None:
                create_user(session, login_id=c["email"], display_name=c["representative"], kind="startup",
                            roles=["startup"], brn=c["brn"], email=c["email"], password=STARTUP_PASSWORD)
            elif not verify_password(person.password_hash, STARTUP_PASSWORD):
                set_password(session, person, STARTUP_PASSWORD)
            tokens[c["brn"]] = create_token(session, Role.STARTUP, c["email"], c["brn"], timedelta(days=1))
    engine.dispose()
    return tokens


async def close_business(settings: Settings, brn: str) -> bool:
    """Tell the tax authority's simulator that this company closed (폐업), so it applies ineligible."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.put(f"{settings.tax_authority_url}/_businesses/{brn}",
                                    json={"status": "closed", "since": "2025-03-31"})
        return answer.status_code == 200
    except httpx.HTTPError:
        return False


async def run_demo(settings: Settings, api_url: str) -> None:
    try:
        await fill(settings, api_url)
    except DemoFailed as err:
        raise SystemExit(f"make demo stopped: {err}") from None


async def fill(settings: Settings, api_url: str) -> None:
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%d%H%M%S")
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    next_stage = next(d for d in sample_definitions() if d.id == "chogyeokcha-2026")
    slots = len(GOALS)
    window_closes_at = now + timedelta(seconds=WINDOW_SECONDS)
    program = sample.model_copy(update={
        "id": f"demo-{stamp}", "name": f"{sample.name} — demo {stamp}", "slots": slots,
        "budget": slots * sample.grant_amount, "application_opens_at": now - timedelta(minutes=1),
        "application_closes_at": window_closes_at})
    open_call = sample.model_copy(update={
        "id": f"demo-{stamp}-open", "name": f"{sample.name} — demo {stamp}, open call",
        "application_opens_at": now - timedelta(minutes=1), "application_closes_at": now + timedelta(days=14)})
    promoted_program = next_stage.model_copy(update={"id": f"demo-{stamp}-cg", "name": f"{next_stage.name} — demo"})

    tasks = [t.id for t in sample.tasks]
    scored = [company(i, tasks[i % len(tasks)], now.year) for i in range(slots + WAITLISTED + REJECTED)]
    closed = company(len(scored), tasks[0], now.year)
    reviewing = [company(len(scored) + 1 + i, tasks[i], now.year) for i in range(2)]
    too_old = company(51, "SF-01", now.year) | {"founded_on": date(now.year - 12, 5, 1).isoformat()}
    tokens = people(settings, [*scored, closed, *reviewing, too_old])

    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        demo = Demo(http, tokens, Clock(settings), stamp, promoted_program.id)
        demo.budget_rules = program.budget_rules is not None
        if demo.budget_rules:
            await opened_vendor(settings)  # one vendor of the expenses opened weeks ago: new_vendor
        say(f"1. programs: {program.id} (window open until "
            f"{window_closes_at.astimezone(KST):%H:%M:%S} KST), {open_call.id} (open), "
            f"{promoted_program.id} (the next stage)")
        for definition in (program, open_call, promoted_program):
            await demo.call("admin", "POST", "/programs", json.loads(definition.model_dump_json()), 201)

        say("2. applications (신청)")
        ids: dict[str, str] = {}
        business_closed = await close_business(settings, closed["brn"])
        for c in [*scored, *([closed] if business_closed else [])]:
            created = await demo.call(c["brn"], "POST", f"/programs/{program.id}/applications", c, 201)
            ids[c["brn"]] = created["startup_id"]
        say(f"   {len(ids)} companies applied")
        bad_check = make_brn(50)[:9] + str((int(make_brn(50)[9]) + 1) % 10)
        refused = await demo.call("officer.kim", "POST", f"/programs/{program.id}/applications",
                                  scored[0] | {"brn": bad_check}, 422)
        say(f"   {format_brn(bad_check)} refused: {refused['error']['details'][0]['message']}")
        refused = await demo.call(too_old["brn"], "POST", f"/programs/{program.id}/applications", too_old, 422)
        say(f"   {format_brn(too_old['brn'])} refused: {refused['error']['message']}")
        if business_closed:
            await demo.wait_for(ids[closed["brn"]], lambda s: s["phase"] == "ineligible", "the eligibility check")
            say(f"   {closed['company_name']}: ineligible (closed at the tax authority)")

        say("3. evaluation (서면·발표평가): two scores each")
        for i, c in enumerate(scored):
            sid = ids[c["brn"]]
            await demo.wait_for(sid, lambda s: s["phase"] == "under_review", "eligibility")
            # The selected rank clearly above the waitlist, all at or above the sample's minimum
            # of 70; the last scores below it.
            base = 96 - 2 * i if i < slots else 73 - (i - slots) if i < slots + WAITLISTED else 55
            await demo.act("evaluator.park", sid, "score", {"round": "document", "score": base})
            await demo.act("evaluator.choi", sid, "score", {"round": "presentation", "score": base - 1})

        say("4. the window closes")
        left = (window_closes_at - datetime.now(UTC)).total_seconds()
        if left > 1:
            await demo.clock.move(f"program:{program.id}", seconds=left + 1)
        while (await demo.call("officer.kim", "GET", f"/programs/{program.id}"))["call"]["window"] != "closed":
            await asyncio.sleep(0.5)
        result = await demo.call("officer.kim", "POST", f"/programs/{program.id}/selection",
                                 {"reason": "선정평가위원회 결과"})
        say(f"   selected {len(result['selected'])}, waitlisted {len(result['waitlisted'])}, "
            f"rejected {len(result['rejected'])}")

        say("5. each selected company to its own phase, side by side")
        brn_of = {sid: brn for brn, sid in ids.items()}
        name_of = {c["brn"]: c["company_name"] for c in scored}

        async def one(n: int, sid: str) -> str:
            state = await demo.wait_for(sid, lambda s: s["phase"] == "selected", "the selection notice")
            partners = partners_for(sample, state["task_id"], n, make_brn)
            return await reach(demo, GOALS[n], sid, brn_of[sid], n, partners)

        outcomes = await asyncio.gather(*(one(n, sid) for n, sid in enumerate(result["selected"])))
        for sid, outcome in zip(result["selected"], outcomes, strict=True):
            say(f"   {name_of[brn_of[sid]]}: {outcome}")

        say("6. the waitlist: the withdrawn company's slot goes to the first waiting")
        first, second = result["waitlisted"][0], result["waitlisted"][1]
        await demo.wait_for(first, lambda s: s["phase"] == "selected", "the slot offered")
        if await demo.clock.move(first, days=20):  # its agreement deadline (10 business days) passes
            await demo.wait_for(first, lambda s: s["phase"] == "cancelled", "the agreement to lapse")
            await demo.wait_for(second, lambda s: s["phase"] == "selected", "the slot offered again")
            say(f"   {name_of[brn_of[first]]}: agreement lapsed (clock moved 20 days): cancelled, slot to the next")

        say(f"7. {open_call.id}: two applicants under review, each waiting for evaluator.choi's score")
        for c in reviewing:
            created = await demo.call(c["brn"], "POST", f"/programs/{open_call.id}/applications", c, 201)
            await demo.wait_for(created["startup_id"], lambda s: s["phase"] == "under_review", "eligibility")
            await demo.act("evaluator.park", created["startup_id"], "score", {"round": "document", "score": 88})

        report = await demo.call("officer.kim", "GET", f"/programs/{program.id}/report")
        say(f"8. {program.id} by phase: {json.dumps(report['counts_by_phase'], ensure_ascii=False)}; "
            f"paid ₩{report['money']['paid']:,}, refunded ₩{report['money']['refunded']:,}")
        login_of = {c["brn"]: c["email"] for c in scored}
        goal_login = {GOALS[n]: login_of[brn_of[sid]] for n, sid in enumerate(result["selected"])}
        say(where_to_look(api_url, program.id, goal_login))


def where_to_look(api_url: str, program_id: str, goal_login: dict[str, str]) -> str:
    return f"""
Sign in at {api_url}/signin to see it: staff with the passwords `make run` printed, the
companies' representatives with {STARTUP_PASSWORD}.
  officer.kim        내 할 일 (home): two companies to match (one promoted into 초격차), a kickoff
                     report to review, a final evaluation; 스타트업 (Startups): the demo program's
                     companies, the two overdue ones with the filter 기한 초과 (Overdue)
  finance.lee        회계 (Finance): the contracted company's advance waiting for approval;
                     사업 → {program_id} → 집행 검토 (Expense review): the expenses of the
                     companies in settlement and final review, the three-week-old vendor flagged
  evaluator.choi     평가 (Evaluations): the open call's two applicants waiting for a score
  auditor.jung       감사 (Audit): any company's history, e.g. the terminated or the promoted one
  admin              사업 (Programs) → {program_id}: the dashboard; 메일함 (Mailbox): every mail sent
  {goal_login['promoted']:18} 마이페이지: settled, refunded, promoted to 초격차
  {goal_login['settlement']:18} 마이페이지: the settlement report to file (computed from its ledger: 집행 내역)
  {goal_login['matched']:18} 마이페이지: the agreement to read and accept
  {goal_login['overdue']:18} 마이페이지: an overdue kickoff report to submit"""
