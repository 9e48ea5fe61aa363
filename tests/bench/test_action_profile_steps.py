"""bench.action_profile puts a sampled stack in the step of its innermost frame: the middleware and
FastAPI wrap every request, so a sample in the response's send or in the Update's RPC must not be
charged to them."""

import pytest

from bench.action_profile import step_of

MIDDLEWARE = "TextGuard.__call__ (api/text_guard.py:102);ExceptionMiddleware.__call__ (starlette/middleware/exceptions.py:63)"
ROUTE = "run_endpoint_function (fastapi/routing.py:381);take_action (api/routes/actions.py:64)"


@pytest.mark.parametrize(("stack", "step"), [
    pytest.param(f"{MIDDLEWARE};RequestResponseCycle.send (uvicorn/protocols/http/httptools_impl.py:524)",
                 "HTTP server (uvicorn, h11, starlette)", id="the response's send is the HTTP server's"),
    pytest.param(f"{MIDDLEWARE};{ROUTE};send_update (api/updates.py:40);Client.call (temporalio/bridge/client.py:155)",
                 "the Update on the client side: command to payload, RPC, result to state",
                 id="the Update's RPC under the route is the Update's"),
    pytest.param(f"{MIDDLEWARE};refusal (api/text_guard.py:46);loads (json/__init__.py:346)",
                 "middleware: request id, log, metrics, tracing, protection, language, text guard",
                 id="the middleware's own code is the middleware's"),
    pytest.param(f"{MIDDLEWARE};serialize_response (fastapi/routing.py:250);dump_json (pydantic/type_adapter.py:651)",
                 "the answer: the public state (for_caller) and FastAPI's response model",
                 id="within one frame the first step listed decides"),
    pytest.param("_bootstrap (threading.py:1002);EpollSelector.select (selectors.py:468)", None,
                 id="a waiting thread is no step"),
])
def test_a_sample_is_the_step_of_its_innermost_named_frame(stack: str, step: str | None) -> None:
    assert step_of(stack) == step
