"""The two languages of pages and notices: the .pot holds exactly the messages marked in the sources,
the catalogue follows it and has English for each, placeholders survive translation, the
lifecycle's words and money read right in English, and the switch in the header changes the
language of a real page over HTTP and goes back only to a page of this site."""

import re

import httpx
import pytest

from api import i18n
from api.errors import ApiError
from api.pages.shared import formatting, labels
from api.pages.shared.refusal_text import refusal_text
from domain.phases import Phase
from store.db import session_scope
from store.users import create_user
from tests.conftest import Stack
from tests.i18n_support import korean_left

PASSWORD = "Gkswn!2025x"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def _where(places: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name}:{line}" for name, line in places[:2])


def test_every_marked_message_has_english() -> None:
    gaps = i18n.missing()
    assert not gaps, f"{len(gaps)} message(s) without English (python -m api.i18n missing):\n" + "\n".join(
        f"  {key[1]!r} ({_where(places)})" for key, places in list(gaps.items())[:40])


def test_the_template_is_extracted_from_the_sources_and_the_catalogue_follows_it() -> None:
    marked, template = set(i18n.marked_messages()), i18n.template_messages()
    assert marked == template, ("api/locale/messages.pot is not current (python -m api.i18n update): "
                                f"new {sorted(marked - template, key=str)[:10]}, gone {sorted(template - marked, key=str)[:10]}")
    entries = set(i18n.catalogue_entries())
    assert entries == template, ("the catalogue does not follow the .pot (python -m api.i18n update): "
                                 f"absent {sorted(template - entries, key=str)[:10]}, "
                                 f"stale {sorted(entries - template, key=str)[:10]}")


def test_placeholders_survive_translation() -> None:
    for (_context, msgid), string in i18n.catalogue_entries().items():
        plural = isinstance(msgid, tuple)
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in (msgid if plural else (msgid,))))
        for text in (string if isinstance(string, tuple) else (string,)):
            got = set(PLACEHOLDER.findall(text))
            # A plural's singular may say "one" instead of the number; otherwise every name stays.
            assert got <= wanted if plural else got == wanted, f"{msgid!r} → {text!r} loses or invents a placeholder"


def test_the_same_korean_reads_as_what_it_names() -> None:
    with i18n.language(i18n.ENGLISH):
        assert labels.label(labels.PHASES, Phase.CONTRACTED) == "Contracted"
        assert labels.label(labels.ACTIONS, "sign-agreement") == "Sign agreement"
        assert labels.label(labels.DEADLINES, "agreement") == "Agreement"
        assert labels.label(labels.EVENTS, "sign-agreement") == "Sign agreement"  # an action, in the timeline
        assert labels.label(labels.EVENTS, "payment_received") == "Payment received"
        assert labels.label(labels.PHASES, "no_such_phase") == "no_such_phase"
    assert labels.label(labels.PHASES, Phase.CONTRACTED) == "협약 체결"  # Korean without a switch


@pytest.mark.parametrize(("amount", "english"), [
    (80_000_000, "80 million won"), (80_500_000, "80.5 million won"), (600_000_000, "600 million won"),
    (1_250_000_000, "1,250 million won"), (35_000, "35,000 won"), (12_345_678, "12,345,678 won"),
    (-24_000_000, "-24 million won"), (0, "0 won"),
])
def test_money_in_english_is_exact(amount: int, english: str) -> None:
    with i18n.language(i18n.ENGLISH):
        assert formatting.man_won(amount) == english and formatting.won(amount) == formatting.won(amount)


def test_deadlines_and_refusals_in_english() -> None:
    with i18n.language(i18n.ENGLISH):
        assert formatting.days_left_label(1) == "D-1 (1 day left)"
        assert formatting.days_left_label(5) == "D-5 (5 days left)"
        assert formatting.days_left_label(-2) == "D+2 (2 days overdue)"
        assert formatting.days_left_label(0) == "due today"
        refused = refusal_text(ApiError("forbidden", "the requester cannot approve", {"rule": "four_eyes"}))
    assert refused.startswith("Four-eyes rule:") and "four_eyes" not in refused
    assert not korean_left(refused)


def test_korean_left_finds_korean_outside_data_and_marked_korean() -> None:
    page = ('<html lang="en"><title>Startups</title><p>Acme 경북 <a lang="ko" href="/language/ko">한국어</a></p>'
            '<p title="검색">x</p><script>var s = "남음";</script><input type="submit" value="찾기"></html>')
    assert korean_left(page, data=["경북"]) == ["검색", "찾기"]



async def test_the_switch_turns_a_page_english_and_back(stack: Stack, site: httpx.AsyncClient) -> None:
    korean = await site.get("/signin")
    assert '<html lang="ko">' in korean.text and "<title>로그인 · axflow</title>" in korean.text
    assert 'href="/language/en?next=/signin"' in korean.text  # the switch names the page it is on

    switched = await site.get("/language/en", params={"next": "/signin?next=/console/startups"})
    assert switched.status_code == 303 and switched.headers["location"] == "/signin?next=/console/startups"
    cookie = switched.headers["set-cookie"]
    assert "axflow_lang=en" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie

    english = await site.get("/signin")
    assert '<html lang="en">' in english.text and "<title>Sign in · axflow</title>" in english.text
    assert korean_left(english.text) == [], korean_left(english.text)
    assert 'href="/language/ko?next=/signin" lang="ko"' in english.text

    with session_scope(stack.engine) as session:
        create_user(session, login_id="lang.officer", display_name="박언어", kind="staff",
                    roles=["program_officer", "auditor"], password=PASSWORD)
    form = await site.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    refused = await site.post("/signin", data={"login_id": "lang.officer", "password": "wrong!Pass1", "csrf_token": token})
    assert refused.status_code == 401 and "The login ID or password is incorrect." in refused.text
    await site.post("/signin", data={"login_id": "lang.officer", "password": PASSWORD, "csrf_token": token})
    home = await site.get("/")
    assert home.status_code == 200 and '<html lang="en">' in home.text
    assert "My work" in home.text and "Program officer" in home.text and "Skip to content" in home.text
    # The companies in the inbox are data (the shared stack's other tests made them).
    companies = [item["company_name"] for item in (await site.get("/me/inbox", params={"limit": 200})).json()["items"]]
    assert korean_left(home.text, data=["박언어", *companies]) == [], korean_left(home.text, data=["박언어", *companies])

    back = await site.get("/language/ko", params={"next": "/"})
    assert back.status_code == 303
    home = await site.get("/")
    assert '<html lang="ko">' in home.text and "내 할 일" in home.text and "My work" not in home.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "", "javascript:alert(1)"])
async def test_the_switch_goes_back_only_to_this_site(site: httpx.AsyncClient, target: str) -> None:
    switched = await site.get("/language/en", params={"next": target})
    assert switched.status_code == 303 and switched.headers["location"] == "/"


async def test_an_unknown_language_is_refused_by_name(site: httpx.AsyncClient) -> None:
    refused = await site.get("/language/fr", params={"next": "/"})
    assert refused.status_code == 404 and refused.json()["error"]["details"]["field"] == "code"
    assert "set-cookie" not in refused.headers
