"""The evaluator pool of a program through the real API and worker: staff invite evaluators, each
signs the pledge (서약서) before any application of the program is visible to them (reads and the
score refused by rule until then), an evaluator recuses (회피) and staff exclude one (제척) from a
startup (the lifecycle then refuses that score), the program officer spreads panels that skip every
barred evaluator and reads each one's load and calibration. A program without a pool is untouched.

One program with three startups under review serves every test, walked in order."""

from typing import Any

import httpx
import pytest

from domain.evaluator_pool import pledge_sha256
from domain.phases import Role
from store.db import session_scope
from store.tokens import issue_token
from store.user_tables import User
from store.users import create_user
from tests.browser.conftest import PASSWORD, ensure_user
from tests.conftest import Stack, wait_until
from tests.pages.test_console_upload import csrf
from tests.totp_support import pass_second_factor

PO, ADMIN, EV = Role.PROGRAM_OFFICER, Role.ADMIN, Role.EVALUATOR
_world: dict[str, Any] = {}


def evaluator(stack: Stack, login: str) -> tuple[str, dict[str, str]]:
    """A new person holding the evaluator role (named `평가위원 <login>`, mail at `<login>@eval.kr`):
    their user id and headers."""
    with session_scope(stack.engine) as session:
        person = create_user(session, login_id=login, display_name=f"평가위원 {login}", kind="staff",
                             roles=[EV.value], email=f"{login}@eval.kr")
        token = issue_token(session, person, None, f"{login}-token")
        return person.id, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def world(stack: Stack) -> dict[str, Any]:
    """A program with three startups under review and a pool of three (a, b, c); d is not in it.
    b declared a conflict with the first startup."""
    if not _world:
        program = await stack.program(evaluators_required=2)
        startups = [await stack.apply(program) for _ in range(3)]
        for startup_id in startups:
            await stack.wait_phase(startup_id, "under_review")
        people = {key: evaluator(stack, f"pool-{key}-{program.id}") for key in "abcd"}
        _world.update(program=program, startups=startups, people=people)
    return _world


def ids_of(world: dict[str, Any], *keys: str) -> list[str]:
    return [world["people"][k][0] for k in keys]


async def test_invited_evaluators_see_nothing_until_they_sign_the_pledge(stack: Stack, world: dict[str, Any]) -> None:
    program_id, first = world["program"].id, world["startups"][0]
    (a_id, a), (b_id, b), (c_id, _), (d_id, d) = (world["people"][k] for k in "abcd")
    for person_id in (a_id, b_id, c_id):
        invited = await stack.call("POST", f"/programs/{program_id}/evaluators", stack.as_role(ADMIN),
                                   {"user_id": person_id}, 201)
        assert invited["evaluator_id"] == person_id and invited["pledged_at"] is None
    invitation = await stack.wait_for_mail(f"pool-a-{program_id}@eval.kr")  # told, with where to sign
    assert f"/console/programs/{program_id}/pledge" in invitation.get_body(("plain",)).get_content()
    again = await stack.call("POST", f"/programs/{program_id}/evaluators", stack.as_role(PO), {"user_id": a_id}, 409)
    assert again["error"]["code"] == "conflict"
    not_evaluator = await stack.call("POST", f"/programs/{program_id}/evaluators", stack.as_role(PO),
                                     {"user_id": stack.user_id(PO.value)}, 422)
    assert not_evaluator["error"]["details"][0]["rule"] == "evaluator_role"
    await stack.call("POST", "/evaluators/me/conflicts", b, {"brn": first.rsplit(":", 1)[1], "reason": "전 직장"}, 201)

    # Invited but unsigned (a), and not invited (d): the application, its list and its documents
    # are closed, and a score is refused by the lifecycle's validator, each naming the rule.
    for headers, rule in ((a, "pledge_signed"), (d, "evaluator_pool")):
        read = await stack.call("GET", f"/startups/{first}", headers, expect=403)
        assert read["error"]["details"]["rule"] == rule
        docs = await stack.call("GET", f"/startups/{first}/documents", headers, expect=403)
        assert docs["error"]["details"]["rule"] == rule
        listed = await stack.call("GET", f"/startups?program_id={program_id}", headers)
        assert listed["items"] == []
        inbox = await stack.call("GET", f"/me/inbox?program_id={program_id}", headers)
        assert not [e for e in inbox["items"] if e["program_id"] == program_id]
        scored = await stack.act(first, "score", headers, {"round": "document", "score": 80}, expect=403)
        assert scored["error"]["details"]["rule"] == rule
        program = await stack.call("GET", f"/programs/{program_id}", headers)
        assert program["call"] is None  # the program, not its applicants

    # The pledge: its text and fingerprint; a wrong name or an old text is refused by rule.
    pledge = await stack.call("GET", f"/programs/{program_id}/pledge", a)
    assert pledge["member"] and pledge["signed"] is None and pledge["sha256"]["ko"] == pledge_sha256("ko")
    body = {"accept": True, "name": f"평가위원 pool-a-{program_id}", "language": "ko", "sha256": pledge_sha256("ko")}
    wrong = await stack.call("POST", f"/programs/{program_id}/pledge", a,
                             body | {"name": "다른 사람", "sha256": "0" * 64}, 422)
    assert {d["rule"] for d in wrong["error"]["details"]} == {"pledge_name", "pledge_text"}
    for key in "abc":  # a, b and c sign, typing their name as on their account; d cannot, not in the pool
        signed = await stack.call("POST", f"/programs/{program_id}/pledge", world["people"][key][1],
                                  body | {"name": f"평가위원 pool-{key}-{program_id}"}, 201)
        assert signed["pledged_at"] and signed["pledge_sha256"] == pledge_sha256("ko")
    refused = await stack.call("POST", f"/programs/{program_id}/pledge", d, body, 403)
    assert refused["error"]["details"]["rule"] == "evaluator_pool"

    # Signed: the applications appear, and a's score is taken.
    inbox = await wait_until(lambda: stack.call("GET", f"/me/inbox?program_id={program_id}", a),
                             lambda found: sum(e["program_id"] == program_id for e in found["items"]) == 3,
                             what="the program's three score items in a's inbox")
    listed = await stack.call("GET", f"/startups?program_id={program_id}", a)
    assert sorted(i["startup_id"] for i in listed["items"]) == sorted(world["startups"])
    await stack.call("GET", f"/startups/{first}", a)
    await stack.act(first, "score", a, {"round": "document", "score": 80})
    assert (await stack.call("GET", f"/programs/{program_id}", a))["call"] is not None


async def test_recusal_and_exclusion_bar_the_score_and_the_spread_skips_them(stack: Stack,
                                                                            world: dict[str, Any]) -> None:
    program_id, (first, second, third) = world["program"].id, world["startups"]
    (a_id, a), (b_id, b), (c_id, c), _ = (world["people"][k] for k in "abcd")
    recused = await stack.call("POST", f"/startups/{second}/recusal", c, {"reason": "지원 기업 대표와 동문"}, 201)
    assert recused["kind"] == "recused" and recused["evaluator_id"] == c_id
    excluded = await stack.call("POST", f"/startups/{third}/exclusions", stack.as_role(PO),
                                {"evaluator_id": a_id, "reason": "지원 기업의 전 자문위원"}, 201)
    assert excluded["kind"] == "excluded"
    told = await stack.wait_for_mail(f"pool-a-{program_id}@eval.kr", lambda m: "제척" in str(m["Subject"]))
    assert "지원 기업의 전 자문위원" in told.get_body(("plain",)).get_content()
    refused = await stack.act(second, "score", c, {"round": "document", "score": 70}, expect=403)
    assert refused["error"]["details"]["rule"] == "recusal"
    refused = await stack.act(third, "score", a, {"round": "document", "score": 70}, expect=403)
    assert refused["error"]["details"]["rule"] == "exclusion"
    await stack.call("POST", f"/startups/{third}/recusal", stack.as_role(PO), {"reason": "x"}, 403)  # staff: role

    # The spread: two per startup, never b on the first (conflict), c on the second, a on the third.
    panels = await stack.call("POST", f"/programs/{program_id}/evaluators/spread", stack.as_role(PO),
                              {"per_startup": 2})
    assert set(panels) == {first, second, third}
    assert sorted(panels[first]) == sorted([a_id, c_id])
    assert sorted(panels[second]) == sorted([a_id, b_id])
    assert sorted(panels[third]) == sorted([b_id, c_id])
    # Told in the app (and by mail) of the invitation, each startup assigned and the exclusion.
    kinds = [n["kind"] for n in (await stack.call("GET", "/me/notifications", a))["items"]]
    assert sorted(kinds) == ["evaluator_assigned", "evaluator_assigned", "evaluator_excluded", "evaluator_invited"]
    # A barred evaluator cannot be assigned by hand either.
    wrong = await stack.call("PUT", f"/startups/{first}/evaluators", stack.as_role(PO), {"evaluator_ids": [b_id]}, 422)
    assert wrong["error"]["details"][0]["rule"] == "assignable_evaluator"
    assert await stack.call("PUT", f"/startups/{first}/evaluators", stack.as_role(PO),
                            {"evaluator_ids": [c_id, a_id]}) == [c_id, a_id]

    # Calibration: b and c score the startups they may; each one's gap to the panel's mean.
    await stack.act(first, "score", c, {"round": "document", "score": 90})
    await stack.act(second, "score", a, {"round": "document", "score": 60})
    await stack.act(second, "score", b, {"round": "document", "score": 70})

    async def table() -> list[dict[str, Any]]:
        return await stack.call("GET", f"/programs/{program_id}/evaluators", stack.as_role(PO))

    rows = await wait_until(table, lambda rows: sum(r["scores"] for r in rows) == 4, what="the scores projected")
    by_id = {r["evaluator_id"]: r for r in rows}
    assert [by_id[e]["load"] for e in (a_id, b_id, c_id)] == [2, 2, 2]
    assert (by_id[a_id]["scores"], by_id[a_id]["offset"]) == (2, -5.0)  # 80 vs 85, 60 vs 65
    assert (by_id[b_id]["offset"], by_id[c_id]["offset"]) == (5.0, 5.0)
    # An auditor reads the table; an evaluator may not.
    await stack.call("GET", f"/programs/{program_id}/evaluators", stack.as_role(Role.AUDITOR))
    await stack.call("GET", f"/programs/{program_id}/evaluators", a, expect=403)


async def test_a_panel_decides_who_scores_and_a_recorded_employer_bars_its_companies(
        stack: Stack, world: dict[str, Any], site: httpx.AsyncClient) -> None:
    """After the spread every startup has a panel: a signed member not on it is refused the score.
    An evaluator whose recorded employer is the third startup is never assigned to it and refused
    its score (known_relation), and the officer's table names the relation."""
    program_id, (first, _, third) = world["program"].id, world["startups"]
    body = {"accept": True, "language": "ko", "sha256": pledge_sha256("ko")}
    newcomers = {}
    for key in "ef":
        person_id, headers = evaluator(stack, f"pool-{key}-{program_id}")
        await stack.call("POST", f"/programs/{program_id}/evaluators", stack.as_role(PO), {"user_id": person_id}, 201)
        await stack.call("POST", f"/programs/{program_id}/pledge", headers,
                         body | {"name": f"평가위원 pool-{key}-{program_id}"}, 201)
        newcomers[key] = (person_id, headers)
    (e_id, e), (f_id, f) = newcomers["e"], newcomers["f"]
    refused = await stack.act(third, "score", e, {"round": "document", "score": 70}, expect=403)
    assert refused["error"]["details"]["rule"] == "evaluator_assigned"
    # Nor does a score that the panels give to others wait in their inboxes.
    inbox = await stack.call("GET", f"/me/inbox?program_id={program_id}", e)
    assert not [i for i in inbox["items"] if i["program_id"] == program_id and i["kind"] == "score"], inbox

    # The admin records f's employer on the user's page (a malformed number refused beside the field).
    admin_id = ensure_user(stack, f"pool-admin-{program_id}", ["admin"])
    signin = await site.get("/signin")
    signed = await site.post("/signin", data={"login_id": f"pool-admin-{program_id}", "password": PASSWORD,
                                              "csrf_token": csrf(signin.text)})
    assert (await pass_second_factor(site, stack.engine, admin_id, signed)).status_code == 303
    page = await site.get(f"/console/admin/users/{f_id}")
    form = {"csrf_token": csrf(page.text), "employer_brn": "123-45"}
    refused_form = await site.post(f"/console/admin/users/{f_id}/employer", data=form)
    assert refused_form.status_code == 422 and 'id="f-employer_brn-error"' in refused_form.text
    saved = await site.post(f"/console/admin/users/{f_id}/employer", data=form | {"employer_brn": third.rsplit(":", 1)[1]})
    assert saved.status_code == 303
    with session_scope(stack.engine) as session:
        assert session.get(User, f_id).employer_brn == third.rsplit(":", 1)[1]
    wrong = await stack.call("PUT", f"/startups/{third}/evaluators", stack.as_role(PO),
                             {"evaluator_ids": [f_id]}, 422)
    assert wrong["error"]["details"][0]["rule"] == "known_relation"
    refused = await stack.act(third, "score", f, {"round": "document", "score": 70}, expect=403)
    assert refused["error"]["details"]["rule"] == "known_relation"
    refused = await stack.act(first, "score", f, {"round": "document", "score": 70}, expect=403)
    assert refused["error"]["details"]["rule"] == "evaluator_assigned"  # no relation there: only the panel
    rows = await stack.call("GET", f"/programs/{program_id}/evaluators", stack.as_role(PO))
    assert {r["evaluator_id"]: r["related"] for r in rows}[f_id] == [third]
    assert {r["evaluator_id"]: r["related"] for r in rows}[e_id] == []
    # The officer's picture: the calibration drawn beside the table, which keeps the figures.
    page = await site.get(f"/console/programs/{program_id}/evaluators")
    assert page.status_code == 200 and 'role="img"' in page.text and 'id="calibration-title"' in page.text
    assert ">-5.0</text>" in page.text and ">+5.0</text>" in page.text and "<td>-5.0</td>" in page.text
    assert "비교할 패널 없음" in page.text  # e and f have scored nothing


async def test_a_program_without_a_pool_is_as_before(stack: Stack, world: dict[str, Any]) -> None:
    other = await stack.program()
    startup_id = await stack.apply(other)
    await stack.wait_phase(startup_id, "under_review")
    _, d = world["people"]["d"]  # in no pool at all
    await stack.call("GET", f"/startups/{startup_id}", d)
    await stack.act(startup_id, "score", d, {"round": "document", "score": 75})
