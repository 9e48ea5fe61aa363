"""What a projection carries of the state: the top-level fields that changed since the run's
previous projection, as compact JSON (fields at their defaults left out), instead of the whole
state each time. Pure: the workflow computes the changes, the projection activity and the trail
(axflow/history.py) put the whole state together again from them.

The workflow keeps one fingerprint per top-level field of the state it last projected (its JSON
text), which is all it needs to tell what changed. Its Updates answer the same compact JSON."""

from typing import Any

from pydantic_core import to_json, to_jsonable_python

from domain.state import StartupState

# What the lifecycle's Updates answer (compact_json): validated as a StartupState by the caller.
StateAnswer = dict[str, Any]


def compact_json(state: StartupState) -> dict[str, Any]:
    """The state as JSON, fields at their defaults left out (nested too): validating it gives the
    same state back."""
    return state.model_dump(mode="json", exclude_defaults=True)


def fingerprints(fields: dict[str, Any]) -> dict[str, bytes]:
    """One JSON text per top-level field: equal when the field's value is (a mapping whose keys
    came in another order differs, and is then carried though unchanged: never the reverse)."""
    return {name: to_json(value) for name, value in fields.items()}


def _default_json(name: str) -> Any:
    return to_jsonable_python(StartupState.model_fields[name].get_default(call_default_factory=True))


def changed_fields(fields: dict[str, Any], marks: dict[str, bytes], before: dict[str, bytes]) -> dict[str, Any]:
    """The fields (of `compact_json`, fingerprinted as `marks`) that differ from the state
    fingerprinted as `before`; a field that went back to its default is given it explicitly."""
    changed = {name: fields[name] for name, mark in marks.items() if before.get(name) != mark}
    for name in before.keys() - marks.keys():
        changed[name] = _default_json(name)
    return changed


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> StartupState:
    """The state `base` (JSON, whole or compact) with the top-level fields `changes` replaced."""
    return StartupState.model_validate(base | changes)
