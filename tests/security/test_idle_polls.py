"""An open startup page polls `/version` (and `/live`) every few seconds by itself: those asks
are no sign of a person, so the 30-minute idle end holds for an unattended page (KWCAG 2.2.1),
while a page asked for and the "extend my time" button still restart the idle clock. Over real
HTTP, on a clock the test moves."""

from datetime import timedelta

# The signed-in browser with a clock the test moves: the sign-in tests' own fixture.
from tests.api.test_signin import browser, csrf, sign_in, user  # noqa: F401 (browser is a fixture)
from tests.conftest import Stack


async def test_background_polls_do_not_keep_a_session_alive(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 (the fixture)
    http, clock = browser
    program = await stack.program()
    startup_id = await stack.apply(program)
    await stack.wait_phase(startup_id, "under_review")
    login, _ = user(stack)
    assert (await sign_in(http, login)).status_code == 303
    page = await http.get(f"/console/startups/{startup_id}")
    assert page.status_code == 200 and f"/console/startups/{startup_id}/version" in page.text

    # Unattended: the page's script asks every few seconds; every ask is answered while the
    # session lives, and none of them moves its end.
    for _ in range(5):
        clock.at += timedelta(minutes=5)
        version = await http.get(f"/console/startups/{startup_id}/version")
        assert version.status_code == 200 and "version" in version.json()
        assert (await http.get(f"/console/startups/{startup_id}/live")).status_code == 200
    clock.at += timedelta(minutes=6)  # 31 minutes after the last page a person asked for
    assert (await http.get(f"/console/startups/{startup_id}/version")).status_code == 303
    assert (await http.get("/")).status_code == 303  # signed out: to the sign-in page

    # A person who extends their time keeps the session, polls or not.
    assert (await sign_in(http, login)).status_code == 303
    token = csrf((await http.get(f"/console/startups/{startup_id}")).text)
    clock.at += timedelta(minutes=25)
    assert (await http.get(f"/console/startups/{startup_id}/version")).status_code == 200
    assert (await http.post("/session/extend", data={"csrf_token": token})).status_code == 303
    clock.at += timedelta(minutes=25)  # 50 minutes after sign-in, 25 after the extension
    assert (await http.get(f"/console/startups/{startup_id}")).status_code == 200
    clock.at += timedelta(minutes=29)  # the page asked for just now counted as activity
    assert (await http.get("/me")).status_code == 200
