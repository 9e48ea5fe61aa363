"""The sample lifecycle driven through the HTTP API, as staff and a startup would drive it."""

import asyncio
import itertools
import json
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

import aiohttp
import httpx

from axflow.demo_budget import PLAN, card_slip
from axflow.programs import sample_definitions
from bench.stack import BenchStack
from domain.brn import check_digit
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.timeutil import kst_date

MILESTONES = ("kickoff", "midterm", "poc_complete", "final_report")
T = TypeVar("T")
# How often a waiting driver looks again (a person's screen would refresh far less often).
UNAVAILABLE_RETRIES = 5
POLL = 0.2
# What each lifecycle spends from its ledger (category, supply amount), paid by card: one expense,
# so that the lifecycle takes the ledger path at the least cost (the smoke run is at its time limit).
EXPENSES = (("materials", 2_340_000),)
VENDOR_BRN = "1058700005"
_programs = itertools.count(1)


def bench_brn(serial: int) -> str:
    first_nine = f"{300 + serial // 10000 % 600:03d}87{serial % 10000:04d}"
    return first_nine + str(check_digit(first_nine))


async def run_concurrently(items: Iterable[T], concurrency: int, work: Callable[[T], Awaitable[None]]) -> None:
    """Each item through `work`, at most `concurrency` at a time; the first failure stops the run."""
    queue: asyncio.Queue[T] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def lane() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    await asyncio.gather(*(lane() for _ in range(concurrency)))


class HttpStatusError(RuntimeError):
    """The API answered a bench request with a status it should not have (a cohort counts them by status)."""

    def __init__(self, what: str, status: int, text: str) -> None:
        super().__init__(f"{what}: {status} {text}")
        self.status = status


class WaitedTooLong(RuntimeError):
    """What a driver waited for did not show within its time (a person would have given up too)."""


class Answer(NamedTuple):
    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class DriverHttp:
    """The driver's own HTTP client, as cheap as a real client's: aiohttp (its C parser) spends
    about 0.8 ms of CPU a request here where httpx spent 2.6 (one request at a time on the bench
    stack; httpx was most of the driver's CPU). The session is made on first use (it belongs to
    the running event loop) and closed by `ApiDriver.aclose`. Its failures are raised as httpx's
    (a timeout as `httpx.TimeoutException`, a lost connection as `httpx.TransportError`), as the
    cohort row counts them. `driver.http` (httpx) stays for the other rows' own requests."""

    def __init__(self, base_url: str, timeout: httpx.Timeout) -> None:
        self.base_url = base_url
        self.timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout.connect, sock_read=timeout.read)
        self.session: aiohttp.ClientSession | None = None
        # Called with (method, path) before each request (bench.profile counts them by kind).
        self.on_request: list[Callable[[str, str], None]] = []

    async def request(self, method: str, path: str, token: str, body: Any = None,
                      form: aiohttp.FormData | None = None) -> Answer:
        if self.session is None:
            # No cap on connections (httpx kept 20 alive): every concurrent lane keeps its own.
            self.session = aiohttp.ClientSession(self.base_url, timeout=self.timeout,
                                                 connector=aiohttp.TCPConnector(limit=0))
        for hook in self.on_request:
            hook(method, path)
        headers = {"Authorization": f"Bearer {token}"}
        data: Any = form
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        try:
            async with self.session.request(method, path, data=data, headers=headers) as response:
                return Answer(response.status, await response.read())
        except TimeoutError as err:
            raise httpx.ReadTimeout(f"{method} {path}: {err!r}") from err
        except aiohttp.ClientError as err:
            raise httpx.TransportError(f"{method} {path}: {err!r}") from err

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


class ApiDriver:
    """The lifecycle driven through the API. Its own requests go through `DriverHttp`; `http`
    (httpx) is kept for the bench rows that send their own. Close it (`aclose`, or `async with`)
    before its event loop ends."""

    def __init__(self, stack: BenchStack, http: httpx.AsyncClient) -> None:
        self.stack, self.http = stack, http
        self.client = DriverHttp(str(http.base_url).rstrip("/"), http.timeout)
        self.officer = stack.token(Role.PROGRAM_OFFICER, "bench.officer")
        self.finance = stack.token(Role.FINANCE_OFFICER, "bench.finance")
        self.evaluator = stack.token(Role.EVALUATOR, "bench.evaluator")
        self.admin = stack.token(Role.ADMIN, "bench.admin")
        # Each lifecycle's startup token (its own list row is what a waiting driver reads).
        self.startups: dict[str, str] = {}
        # The program has budget rules: each lifecycle plans, records expenses and settles from its ledger.
        self.budget_rules = False
        self.actions = 0
        self.unavailable = 0
        # Reads a waiting driver made: of the list (read model), and of the live state (a workflow query).
        self.listed_reads = 0
        self.state_reads = 0

    async def __aenter__(self) -> "ApiDriver":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def call(self, token: str, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = await self.client.request(method, path, token, body)
        if response.status_code != expect:
            raise HttpStatusError(f"{method} {path}", response.status_code, response.text)
        return response.json()

    async def act(self, token: str, startup_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
        self.actions += 1
        return await self.post(token, f"/startups/{startup_id}/actions/{action}", body or {})

    async def post(self, token: str, path: str, body: dict[str, Any], expect: int = 200) -> Any:
        """POST, sent again after a 503: no worker applied it in time, its workflow task had just
        failed (a worker starved past the SDK's deadlock timeout on an overloaded machine, retried
        by Temporal), or the workflow already had as many Updates in flight as the server allows
        (10 by default: many applications to one program's call at once). Not applied, so a person
        would press the button again a moment later (not all in step: the waits vary). Counted,
        so a run that needed it says so."""
        for attempt in range(UNAVAILABLE_RETRIES):
            response = await self.client.request("POST", path, token, body)
            if response.status_code != 503:
                break
            self.unavailable += 1
            await asyncio.sleep(2 ** attempt * random.uniform(0.5, 1.5))
        if response.status_code != expect:
            raise HttpStatusError(f"POST {path}", response.status_code, response.text)
        return response.json()

    async def state(self, startup_id: str) -> dict[str, Any]:
        return await self.call(self.officer, "GET", f"/startups/{startup_id}")

    async def count(self, program_id: str, phase: str) -> int:
        """How many of the program's startups the read model lists in `phase`."""
        total, cursor = 0, None
        while True:
            path = f"/startups?program_id={program_id}&phase={phase}&limit=200" + (f"&cursor={cursor}" if cursor else "")
            page = await self.call(self.officer, "GET", path)
            total += len(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return total

    async def wait_listed(self, startup_id: str, check: Callable[[dict[str, Any]], bool], what: str,
                          timeout: float = 120) -> dict[str, Any]:
        """Until the startup's row in the list (the read model) passes `check`, read as the startup
        itself, as a person learns that something happened: from the list, not by asking the
        workflow (each `GET /startups/{id}` is a workflow query: server, API and worker work a
        real client's screen does not cause at this rate). The row is written by the projection
        of the workflow's state, so what it shows the workflow already holds: an action sent
        then is not early. The first look is a moment after the action that led here: the
        projection that shows its outcome comes after the answer (looking at once costs a read
        that finds nothing, about one per wait)."""
        token = self.startups[startup_id]
        program_id = startup_id.split(":")[1]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await asyncio.sleep(POLL)
            self.listed_reads += 1
            page = await self.call(token, "GET", f"/startups?program_id={program_id}&limit=1")
            row = page["items"][0] if page["items"] else None  # none until the first projection is in
            if row is not None and check(row):
                return row
            if loop.time() > deadline:
                raise WaitedTooLong(f"{startup_id}: no {what} in {timeout} s "
                                   f"(listed phase {row['phase'] if row else 'none'})")

    async def wait(self, startup_id: str, check: Callable[[dict[str, Any]], bool], what: str,
                   timeout: float = 120) -> dict[str, Any]:
        """Until the live state (a workflow query) passes `check`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.state_reads += 1
            response = await self.client.request("GET", f"/startups/{startup_id}", self.officer)
            # 404: a lifecycle just started whose workflow did not answer the query in time (a
            # loaded machine) and whose first projection is not in yet: not there yet, as a person
            # refreshing the page would see it.
            if response.status_code not in (200, 404):
                raise HttpStatusError(f"GET /startups/{startup_id}", response.status_code, response.text)
            state = response.json() if response.status_code == 200 else None
            if state is not None and check(state):
                return state
            if loop.time() > deadline:
                raise WaitedTooLong(f"{startup_id}: no {what} in {timeout} s "
                                   f"(phase {state['phase'] if state else 'unknown'})")
            await asyncio.sleep(POLL)

    # ---- the program
    async def program(self, slots: int) -> ProgramDefinition:
        sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
        now = datetime.now(UTC)
        definition = ProgramDefinition.model_validate(sample.model_copy(update={
            "id": f"bench-{now:%H%M%S}-{next(_programs)}", "slots": slots, "budget": slots * sample.grant_amount,
            "evaluators_required": 1, "min_score": 0,
            "application_opens_at": now - timedelta(minutes=1), "application_closes_at": now + timedelta(hours=1),
        }).model_dump())
        await self.call(self.admin, "POST", "/programs", json.loads(definition.model_dump_json()), 201)
        self.budget_rules = definition.budget_rules is not None
        return definition

    async def close_and_select(self, program: ProgramDefinition) -> None:
        """The window's own timer closes it (its clock moved to the close), then selection."""
        handle = self.stack.client.get_workflow_handle(f"program:{program.id}")
        assert program.application_closes_at is not None
        await self.stack.skipper.fast_forward(
            handle, program.application_closes_at - datetime.now(UTC) + timedelta(minutes=1))
        while (await self.call(self.officer, "GET", f"/programs/{program.id}"))["call"]["window"] != "closed":
            await asyncio.sleep(0.05)
        self.actions += 1
        # The call learns each score by a signal from the lifecycle: on a loaded machine the last
        # may still be on its way (409, rule all_scored), as an officer pressing too early would see.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while True:
            response = await self.client.request("POST", f"/programs/{program.id}/selection", self.officer,
                                                 {"reason": "bench committee"})
            early = response.status_code == 409 and (response.json()["error"].get("details") or {}).get(
                "rule") == "all_scored"
            if not early or loop.time() > deadline:
                break
            await asyncio.sleep(POLL)
        if response.status_code != 200:
            raise HttpStatusError(f"POST /programs/{program.id}/selection", response.status_code, response.text)

    # ---- one startup
    async def apply_and_score(self, program: ProgramDefinition, brn: str, token: str) -> str:
        self.actions += 1
        created = await self.post(token, f"/programs/{program.id}/applications", {
            "brn": brn, "company_name": f"벤치AI {brn[-4:]}", "founded_on": "2021-03-02", "task_id": "SF-01",
            "representative": "홍길동", "email": "ceo@bench-ai.kr", "proposal_title": "AI PoC"}, 201)
        startup_id = created["startup_id"]
        self.startups[startup_id] = token
        await self.wait_listed(startup_id, lambda s: s["phase"] == "under_review", "eligibility")
        await self.act(self.evaluator, startup_id, "score", {"round": "document", "score": 80})
        return startup_id

    async def wait_selected(self, startup_id: str) -> None:
        """Selected, from the list: the workflow publishes the selection only with its agreement
        deadline set (the run loop plans it before publishing), so the match is not early."""
        await self.wait_listed(startup_id, lambda s: s["phase"] == "selected", "selection")

    async def pay(self, startup_id: str, tranche: str) -> None:
        await self.act(self.officer, startup_id, "request-disbursement", {"tranche": tranche})
        approved = await self.act(self.finance, startup_id, "approve-disbursement", {"tranche": tranche})
        # Paid when the startup's paid total (its list row) counts this tranche too.
        paid = sum(t["amount"] for t in approved["tranches"] if t["status"] == "paid" or t["key"] == tranche)
        await self.wait_listed(startup_id, lambda s: s["paid_total"] >= paid, f"{tranche} paid")

    async def agree(self, startup_id: str, token: str, matched: dict[str, Any]) -> None:
        """The agreement in the lifecycle's steps: the startup accepts the generated agreement (its
        password typed again), then the officer countersigns."""
        brn = startup_id.rsplit(":", 1)[1]
        if matched["agreement_two_step"]:
            await self.act(token, startup_id, "accept-agreement", {
                "agreement_sha256": matched["agreement_document"]["sha256"],
                "password": self.stack.startup_password(brn)})
        await self.act(self.officer, startup_id, "sign-agreement", {"agreement_no": f"AX-{brn}"})

    async def submit_plan(self, startup_id: str, token: str) -> None:
        """The 사업비 계획, before the match so that the agreement carries it (the sample programs
        accept no agreement without one)."""
        if self.budget_rules:
            await self.act(token, startup_id, "submit-budget-plan",
                           {"lines": [{"category": k, "amount": v} for k, v in PLAN.items()]})

    async def after_selection(self, startup_id: str, token: str,
                              on_in_poc: Callable[[str], Awaitable[None]] | None = None) -> None:
        """From selected to completed: match, agreement, two tranches, four milestones, final
        evaluation, settlement."""
        self.startups.setdefault(startup_id, token)  # one found, not applied through this driver (cohort)
        await self.wait_selected(startup_id)
        brn = startup_id.rsplit(":", 1)[1]
        partner = bench_brn(int(brn[5:9]) + 5000)
        await self.submit_plan(startup_id, token)
        matched = await self.act(self.officer, startup_id, "match",
                                 {"partners": [{"name": "강원 정밀 SME", "brn": partner, "region": "강원"}]})
        await self.agree(startup_id, token, matched)
        await self.pay(startup_id, "advance")
        if on_in_poc:
            await on_in_poc(startup_id)
        entries = await self.record_expenses(startup_id, token) if self.budget_rules else []
        for key in MILESTONES:
            await self.act(token, startup_id, "submit-milestone", {"milestone": key, "deliverable": f"{key}.pdf"})
            await self.act(self.officer, startup_id, "review-milestone", {"milestone": key, "decision": "accept"})
            if key == "midterm":
                await self.pay(startup_id, "balance")
        await self.act(self.evaluator, startup_id, "final-evaluation", {"score": 92, "grade": "A"})
        if entries:  # the finance officer accepts them together; the statement is computed from the ledger
            await self.call(self.finance, "POST", f"/startups/{startup_id}/expenses/accept", {"entries": entries})
            self.actions += len(entries)
            await self.act(token, startup_id, "submit-settlement", {})
        else:
            await self.act(token, startup_id, "submit-settlement", {"lines": [{"item": "인건비", "amount": 80_000_000}]})
        await self.act(self.finance, startup_id, "approve-settlement")
        await self.wait_listed(startup_id, lambda s: s["phase"] == "completed", "completion")

    async def record_expenses(self, startup_id: str, token: str) -> list[str]:
        """The expenses in the ledger, each with its card slip uploaded first; their entry ids."""
        today = kst_date(datetime.now(UTC)).isoformat()
        ids = []
        for i, (category, supply) in enumerate(EXPENSES):
            form = aiohttp.FormData()
            form.add_field("kind", "receipt")
            form.add_field("file", card_slip(f"{startup_id} {i}"), filename=f"slip-{i}.pdf",
                           content_type="application/pdf")
            response = await self.client.request("POST", f"/startups/{startup_id}/documents", token, form=form)
            if response.status_code != 201:
                raise HttpStatusError(f"upload to {startup_id}", response.status_code, response.text)
            state = await self.act(token, startup_id, "record-expense", {
                "spent_on": today, "category": category, "vendor_name": "벤치 부품상사", "vendor_brn": VENDOR_BRN,
                "description": "시제품 부품", "supply_amount": supply, "vat": supply // 10, "payment_method": "card",
                "evidence": [{"kind": "card_slip", "document": response.json()["id"]}]})
            ids.append(max(state["budget"]["entries"]))
        return ids
