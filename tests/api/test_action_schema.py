"""Every action's body is in the OpenAPI schema (a route per action, with field descriptions and an
example), and the routes keep the behaviour of the one generic route they replace."""

import json
from typing import Any

import pytest

from api.main import create_app
from axflow.config import Settings
from domain.action_info import ACTION_BODIES
from domain.phases import Action, Role
from tests.conftest import Stack
from tests.flows import EV, PO, drive


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


@pytest.mark.parametrize("action", list(Action), ids=[a.value for a in Action])
def test_every_action_has_its_request_body_schema_and_a_valid_example(openapi: dict[str, Any],
                                                                     action: Action) -> None:
    operation = openapi["paths"].get(f"/startups/{{startup_id}}/actions/{action.value}", {}).get("post")
    assert operation is not None, f"no route for {action.value} in /openapi.json"
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = media.get("schema", {}).get("$ref", "")
    model = ACTION_BODIES[action]
    assert ref == f"#/components/schemas/{model.__name__}", f"{action.value}: no request body schema"
    components = openapi["components"]["schemas"]
    body = components[model.__name__]
    assert set(body["properties"]) == set(model.model_fields), f"{action.value}: schema and model differ"
    undocumented = [name for name, field in body["properties"].items() if not field.get("description")]
    assert not undocumented, f"{action.value}: fields without a description: {undocumented}"
    for nested in _refs(body):
        assert nested.removeprefix("#/components/schemas/") in components, f"{action.value}: dangling {nested}"
    examples = media.get("examples", {})
    assert examples, f"{action.value}: no example (domain/action_info.py)"
    for example in examples.values():
        # The example is a body the API would accept, parsed exactly as the handler parses it.
        model.model_validate_json(json.dumps(example["value"]))
    assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}


def test_the_revision_date_can_be_found(openapi: dict[str, Any]) -> None:
    review = openapi["components"]["schemas"]["ReviewMilestoneBody"]["properties"]
    assert "revise_due_on" in review and "KST" in review["revise_due_on"]["description"]


def test_no_generic_action_route_without_a_body_is_published(openapi: dict[str, Any]) -> None:
    assert "/startups/{startup_id}/actions/{action}" not in openapi["paths"]


async def test_an_unknown_action_is_404_listing_the_actions(stack: Stack) -> None:
    startup = await drive(stack, "under_review")
    error = await stack.act(startup.id, "fly", stack.as_role(PO), {}, expect=404)
    assert error["error"]["code"] == "not_found" and "score" in error["error"]["details"]["actions"]
    # Still authenticated first: a caller without a token learns nothing.
    response = await stack.http.post(f"/startups/{startup.id}/actions/fly", json={})
    assert response.status_code == 401


async def test_the_action_routes_keep_their_answers(stack: Stack) -> None:
    startup = await drive(stack, "under_review")
    bad = await stack.act(startup.id, "score", stack.as_role(EV), {"round": "document", "score": 101}, expect=422)
    assert [d["field"] for d in bad["error"]["details"]] == ["score"]
    # A body with only a reason may be left out entirely, as before.
    response = await stack.http.post(f"/startups/{startup.id}/actions/suspend", headers=stack.as_role(PO))
    assert response.status_code == 409, response.text
    refused = response.json()["error"]
    assert refused["code"] == "invalid_transition" and refused["details"]["phase"] == "under_review"
    forbidden = await stack.act(startup.id, "score", stack.as_role(Role.FINANCE_OFFICER), {}, expect=403)
    assert forbidden["error"]["details"]["rule"] == "role"
    scored = await stack.act(startup.id, "score", stack.as_role(EV), {"round": "document", "score": 77})
    assert scored["phase"] == "under_review" and scored["scores"][0]["score"] == 77
