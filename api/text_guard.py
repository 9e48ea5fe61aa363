"""The floor under every typed field: no request body may carry a control or format character in
any string, whatever route it goes to (one written tomorrow too).

JSON bodies and urlencoded forms are read here before the route sees them; a string holding a
character of category Cc or Cf (tab, line feed and carriage return kept, as a textarea sends
them) is refused with the usual 422 naming the field and the rule `control_character`. The
field types of domain/text.py refuse more where they are used (a name is one line: no line feed).
Multipart bodies are uploads: their text fields and file names are checked in api/uploads.py.
"""

import json
from collections.abc import Iterator
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.i18n import current_language, gettext
from domain.text import RULE, describe, hidden_character, problem

CHECKED_METHODS = {"POST", "PUT", "PATCH"}
# Signed messages from outside systems, not text people typed: a payment outcome must never be
# lost to a stray character in the bank's wording (the signature proves who sent it).
MACHINE_ROUTES = ("/webhooks/",)


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(field path, string) for every key and string value inside a parsed JSON body."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}" if where else str(index))
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _strings(item, path)


def refusal(fields: Iterator[tuple[str, str]]) -> dict[str, Any] | None:
    """The 422 body for the first field holding a hidden character, or None."""
    for field, text in fields:
        char = hidden_character(text, multiline=True)
        if char is not None:
            message = problem(char)
            return error_body("validation_error", f"invalid input: {field}",
                              [{"field": field or "body", "rule": RULE, "message": message,
                                "character": describe(char)}])
    return None


def body_fields(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return  # not JSON: the route's own parsing refuses it
        yield from _strings(parsed, "")
    elif content_type.startswith("application/x-www-form-urlencoded"):
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            yield name, name
            yield name, value


class TextGuard:
    """ASGI middleware: reads a JSON or urlencoded body whole (Protection has bounded its size),
    refuses it when a string holds a hidden character, and otherwise hands the same bytes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in CHECKED_METHODS or \
                scope["path"].startswith(MACHINE_ROUTES):  # a read (most requests): nothing to look at
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
        if not content_type.startswith(("application/json", "application/x-www-form-urlencoded")):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)  # the client left: nothing to check
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        refused = refusal(body_fields(content_type, body))
        if refused is not None:
            if content_type.startswith(FORM_TYPE):  # a person's form post: a page, not JSON
                headers = dict(scope.get("headers", []))
                await _send(send, 422, "text/html; charset=utf-8",
                            refusal_page(refused, headers.get(b"referer", b"").decode("latin-1")))
            else:
                await _send(send, 422, "application/json", json.dumps(refused, ensure_ascii=False).encode("utf-8"))
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
                       send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()  # after the body: the disconnect, when it comes
        return {"type": "http.disconnect"}
    return receive


async def _send(send: Send, status: int, content_type: str, data: bytes) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode())]
    if content_type.startswith("text/html"):  # the page's own stylesheet; JSON keeps the strict policy
        headers.append((b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


FORM_TYPE = "application/x-www-form-urlencoded"


def back_path(referer: str) -> str:
    """Where 'back' goes: the path of the page the form came from on this site, else home."""
    parts = urlsplit(referer)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query and path != "/" else "")


def refusal_page(refused: dict[str, Any], referer: str) -> bytes:
    """A short page in the person's language naming the field and the character, with the way
    back to the form (whose entries the browser keeps on going back); nothing was saved."""
    [detail] = refused["error"]["details"]
    title = gettext("보낼 수 없는 문자가 있습니다")
    words = gettext("‘%(field)s’ 칸에 보이지 않는 제어 문자나 서식 문자(%(character)s)가 들어 있습니다. "
                    "그 문자를 지우고 다시 보내 주세요. 아무것도 저장되지 않았습니다.")
    back = gettext("입력하던 화면으로 돌아가기")
    text = words % {"field": detail["field"], "character": detail["character"]}
    return (f'<!doctype html><html lang="{current_language()}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)} — axflow</title><link rel="stylesheet" href="/static/axflow.css"></head>'
            f'<body><main id="main"><h1>{escape(title)}</h1><p role="alert">{escape(text)}</p>'
            f'<p><a href="{escape(back_path(referer))}">{escape(back)}</a></p></main></body></html>').encode()
