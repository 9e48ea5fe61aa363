"""Control and format characters (NUL, U+202E and the other Cc/Cf) are refused in every name and
free-text field, with a 422 naming the field and the rule `control_character`, and nothing is
created. Multi-line text keeps tab and newline; a name is one line.

Two layers: api/text_guard.py refuses any such character in any JSON or form body string, and
domain/text.py's types make names single-line where they are declared. A walk of the routes
proves every text field of every JSON body model carries one of those types."""

from typing import Any

from pydantic import TypeAdapter, ValidationError

from api.main import create_app
from axflow.config import Settings
from domain.action_info import ACTION_BODIES
from domain.phases import Role
from domain.text import Line, Lines, Name, Text
from tests.conftest import Stack, new_brn
from tests.security.text_fields import SECRETS, _walk, text_fields

HIDDEN = ["\x00", "\x1b", "\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2066", "\ufeff", "\U000e0041"]


def _rule(annotation: Any, value: str) -> str | None:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as err:
        return err.errors()[0]["type"]
    return None


def test_the_text_types_refuse_hidden_characters_and_keep_lines_where_text_is_multi_line() -> None:
    for char in HIDDEN:
        for annotation in (Name, Line, Text, Lines):
            assert _rule(annotation, f"주식회사{char}가나") == "control_character", (annotation, repr(char))
    for annotation in (Name, Line):
        for separator in ("\n", "\r", "\t", "\u2028"):
            assert _rule(annotation, f"첫 줄{separator}둘째 줄") == "control_character", repr(separator)
    for annotation in (Text, Lines):
        assert _rule(annotation, "첫 줄\r\n둘째 줄\t끝") is None
    try:
        TypeAdapter(Name).validate_python("가\u202e나")
    except ValidationError as err:
        message = err.errors()[0]["msg"]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in message and "제어 문자" in message and "not allowed" in message


def _json_model_fields() -> list[tuple[str, bool]]:
    """(field, refuses hidden characters) for every str in the API's JSON bodies and the actions'."""
    fields = [(where, checked) for _, where, checked in text_fields(create_app(Settings())) if "." in where]
    for body in ACTION_BODIES.values():
        fields += list(_walk(body, [], body.__name__, set()))
    return fields


def test_every_text_field_of_every_json_body_refuses_hidden_characters() -> None:
    fields = _json_model_fields()
    assert len(fields) > 30  # the walk reached the bodies (applications, programs, actions, users)
    assert {"ApplicationBody.company_name", "Body.reason", "UserCreate.display_name", "Task.title"} <= \
        {where for where, _ in fields}
    unchecked = sorted({where for where, checked in fields if not checked and where.rsplit(".", 1)[-1] not in SECRETS})
    assert unchecked == []


def _field_and_rule(response: Any) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert "control and format characters" in detail["message"] and "제어 문자" in detail["message"], detail
    return detail["field"], detail["rule"]


async def test_the_api_refuses_them_in_names_and_reasons_and_creates_nothing(stack: Stack) -> None:
    program = await stack.program()
    for field, value in (("company_name", "테스트\u202eIA"), ("representative", "홍\x00길동"),
                         ("proposal_title", "AI PoC\n2차")):
        brn = new_brn()
        body = {"brn": brn, "company_name": "테스트AI", "founded_on": "2020-03-02", "task_id": "SF-01",
                "representative": "홍길동", "email": "ceo@test-ai.kr", "proposal_title": "AI PoC", field: value}
        response = await stack.http.post(f"/programs/{program.id}/applications", json=body,
                                         headers=stack.as_startup(brn))
        assert _field_and_rule(response) == (field, "control_character")
        missing = await stack.http.get(f"/startups/startup:{program.id}:{brn}", headers=stack.as_role(Role.PROGRAM_OFFICER))
        assert missing.status_code == 404, missing.text
    startup_id = await stack.apply(program)
    officer = stack.as_role(Role.PROGRAM_OFFICER)
    refused = await stack.http.post(f"/startups/{startup_id}/actions/suspend", headers=officer,
                                    json={"reason": "현장 점검\u2067 결과"})
    assert _field_and_rule(refused) == ("reason", "control_character")
    # A reason is multi-line: tab and newline pass the checks and reach the phase rule (409).
    await stack.act(startup_id, "suspend", officer, {"reason": "현장 점검\n결과\t반영"}, expect=409)
    user = {"login_id": "rlo-user", "display_name": "김\u202e철수", "roles": ["auditor"]}
    response = await stack.http.post("/users", json=user, headers=stack.as_role(Role.ADMIN))
    assert _field_and_rule(response) == ("display_name", "control_character")


async def test_page_forms_and_upload_fields_refuse_them(stack: Stack) -> None:
    # A person's form post is answered with a page in their language naming the field and the
    # character, and the way back to the form it came from; nothing is read further.
    response = await stack.http.post("/signin", data={"login_id": "admin\x00", "password": "x", "csrf_token": "x"},
                                     headers={"Referer": f"{stack.settings.api_url}/signin?next=/console"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "‘login_id’ 칸" in response.text and "U+0000" in response.text and 'lang="ko"' in response.text
    assert 'href="/signin?next=/console"' in response.text
    english = await stack.http.post("/signin", data={"login_id": "admin\u202e", "password": "x"},
                                    headers={"Referer": "https://elsewhere.example//evil", "Cookie": "axflow_lang=en"})
    assert "The field ‘login_id’" in english.text and "RIGHT-TO-LEFT OVERRIDE" in english.text
    assert 'lang="en"' in english.text and 'href="//' not in english.text
    program = await stack.program()
    brn = new_brn()
    response = await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents", headers=stack.as_startup(brn),
                                     data={"kind": "proposal\u202e"}, files={"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")})
    assert _field_and_rule(response) == ("kind", "control_character")
    # A signed message from the finance system is not typed text: its signature is checked first.
    webhook = await stack.http.post("/webhooks/finance", json={"reason": "잔액\u200b부족"})
    assert webhook.status_code == 401, webhook.text

