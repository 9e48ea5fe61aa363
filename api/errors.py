"""One error shape for every failure: {"error": {"code", "message", "details"}}."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.rule_ids import RuleId
from domain.violation import RuleViolation

STATUS_OF_CODE = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "invalid_transition": 409,
    "conflict": 409,
    "validation_error": 422,
    "payload_too_large": 413,
    "too_many_requests": 429,
    "unavailable": 503,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, details: Any = None, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details, self.headers = code, message, details, headers
        self.status = status or STATUS_OF_CODE.get(code, 400)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error the API answers: a code, a message for people, and details for programs."""

    error: ErrorDetail


# Declared on every router so that the OpenAPI schema describes the errors as they really are.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in ((401, "no or bad token"), (403, "role or rule forbids it"), (404, "unknown"),
                                (409, "invalid_transition or conflict"), (413, "request body too large"),
                                (422, "validation_error: each bad field and rule"),
                                (429, "too many failed authentications"),
                                (503, "no worker answered in time; try again"))
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def from_update_failure(err: WorkflowUpdateFailedError) -> ApiError:
    """A refused Update (its validator raised) becomes the API error the validator named."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in STATUS_OF_CODE:
        details = cause.details[0] if cause.details else None
        return ApiError(cause.type, cause.message, details)
    return ApiError("conflict", str(getattr(cause, "message", None) or cause or err), None, 409)


def no_worker() -> ApiError:
    return ApiError("unavailable", "no worker answered in time; the request was not applied — try again",
                    None, 503, headers={"Retry-After": "5"})


# Temporal runs at most 10 Updates of one workflow at once; past that (after the client's own
# retries) it answers RESOURCE_EXHAUSTED. A client told when to try again backs off and succeeds.
BUSY_RETRY_AFTER_S = 2
UNAVAILABLE_RETRY_AFTER_S = 5


def from_rpc_error(err: RPCError, what: str, phase: str | None = None) -> ApiError:
    if err.status == RPCStatusCode.NOT_FOUND:
        details: dict[str, Any] = {"allowed_actions": []} | ({"phase": phase} if phase else {})
        return ApiError("invalid_transition", f"{what} is over: its workflow has closed", details)
    if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:
        return ApiError("unavailable", f"요청이 몰려 지금은 처리할 수 없습니다. {BUSY_RETRY_AFTER_S}초 뒤에 다시 보내십시오. "
                        f"— {what} is busy with other requests; nothing was applied, send it again in "
                        f"{BUSY_RETRY_AFTER_S} s", {"rule": RuleId.BUSY, "retry_after_seconds": BUSY_RETRY_AFTER_S},
                        503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})
    return ApiError("unavailable", f"workflow service error: {err.message}", None, 503,
                    headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)})


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else map(str, loc)
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": _field(tuple(e.get("loc", ()))), "rule": e.get("type"),
             "message": e.get("msg", "").removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        fields = ", ".join(sorted({d["field"] for d in details}))
        return JSONResponse(error_body("validation_error", f"invalid input: {fields}", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


def from_violation(violation: RuleViolation) -> ApiError:
    """A rule refused the request before any Update: the same code, message and rule the workflow's
    validator would give, with a bad field listed as every 422 lists them."""
    details = violation.details
    if violation.code == "validation_error" and "field" in details:
        return ApiError(violation.code, violation.message, [details | {"message": violation.message}])
    return ApiError(violation.code, violation.message, details)
