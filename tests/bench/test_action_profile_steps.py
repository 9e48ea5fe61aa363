"""bench.action_profile puts a sampled stack in the step of its innermost frame: the middleware and
FastAPI wrap every request, so a sample in the response's send or in the Update's RPC must not be
charged to them."""

from bench.action_profile import step_of

MIDDLEWARE = "TextGuard.__call__ (api/text_guard.py:102);ExceptionMiddleware.__call__ (starlette/middleware/exceptions.py:63)"
ROUTE = "run_endpoint_function (fastapi/routing.py:381);take_action (api/routes/actions.py:64)"


def test_the_responses_send_is_the_http_servers() -> None:
    stack = f"{MIDDLEWARE};RequestResponseCycle.send (uvicorn/protocols/http/httptools_impl.py:524)"
    assert step_of(stack) == "HTTP server (uvicorn, h11, starlette)"


def test_the_updates_rpc_under_the_route_is_the_updates() -> None:
    stack = f"{MIDDLEWARE};{ROUTE};send_update (api/updates.py:40);Client.call (temporalio/bridge/client.py:155)"
    assert step_of(stack) == "the Update on the client side: command to payload, RPC, result to state"


def test_the_middlewares_own_code_is_the_middlewares() -> None:
    stack = f"{MIDDLEWARE};refusal (api/text_guard.py:46);loads (json/__init__.py:346)"
    assert step_of(stack) == "middleware: request id, log, metrics, tracing, protection, language, text guard"


def test_within_one_frame_the_first_step_listed_decides() -> None:
    stack = f"{MIDDLEWARE};serialize_response (fastapi/routing.py:250);dump_json (pydantic/type_adapter.py:651)"
    assert step_of(stack) == "the answer: the public state (for_caller) and FastAPI's response model"


def test_a_waiting_thread_is_no_step() -> None:
    assert step_of("_bootstrap (threading.py:1002);EpollSelector.select (selectors.py:468)") is None
