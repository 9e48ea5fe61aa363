"""Protection on every response: security headers and a request size limit. (Slowing down failed
authentication is api/throttle.py.)"""

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"strict-transport-security", b"max-age=31536000"),
]
# Every response without a policy of its own (pages and /docs set theirs) is data: a strict CSP.
STRICT_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class Protection:
    """ASGI middleware: adds the security headers and refuses bodies over `max_body` bytes (413)."""

    def __init__(self, app: ASGIApp, max_body: int,
                 larger_body: Callable[[str, str], int | None] = lambda method, path: None) -> None:
        # `larger_body(method, path)`: a route's own, larger limit (document uploads), or None.
        self.app, self.max_body, self.larger_body = app, max_body, larger_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_body = self.larger_body(scope["method"], scope["path"]) or self.max_body
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            await _too_large(send, max_body)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > max_body:
                raise ApiError("payload_too_large", f"request body over {max_body} bytes")
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                # A server-rendered page sets its own policy (its stylesheet and script, same origin).
                own_csp = any(name.lower() == STRICT_CSP[0] for name, _ in headers)
                message["headers"] = [*headers, *SECURITY_HEADERS, *([] if own_csp else [STRICT_CSP])]
            await send(message)

        await self.app(scope, limited_receive, with_headers)


async def _too_large(send: Send, limit: int) -> None:
    body = b'{"error":{"code":"payload_too_large","message":"request body over %d bytes","details":null}}' % limit
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS, STRICT_CSP]})
    await send({"type": "http.response.body", "body": body})

