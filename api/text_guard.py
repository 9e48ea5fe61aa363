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
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from domain.text import RULE, hidden_character, problem

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
                              [{"field": field or "body", "rule": RULE, "message": message}])
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
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
        if scope["type"] != "http" or scope["method"] not in CHECKED_METHODS or \
                scope["path"].startswith(MACHINE_ROUTES) or \
                not content_type.startswith(("application/json", "application/x-www-form-urlencoded")):
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
            await _send_json(send, 422, refused)
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


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
