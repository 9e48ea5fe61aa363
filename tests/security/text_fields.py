"""Every text field a client can send the app: the JSON bodies' models (nested ones too) and the
pages' form fields, found by walking the FastAPI routes, with whether it refuses control and
format characters (domain/text.py's validators)."""

import re
import types
import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from domain.text import MULTI_LINE, SINGLE_LINE

# A pattern made only of positive character classes of letters, digits and punctuation leaves no
# room for a control character; one with a negated class, a dot or \s does.
LOOSE_PATTERN = re.compile(r"\[\^|(?<!\\)\.|\\s|\\S|\\W|\\D")
# Secrets are compared, never shown: a password may hold any character.
SECRETS = {"password", "current_password", "new_password", "new_password_again", "password_again"}


def _str_checked(annotation: Any, metadata: list[Any]) -> bool | None:
    """True: a str that refuses control characters; False: a str that does not; None: no str."""
    extras = list(metadata)
    while typing.get_origin(annotation) is typing.Annotated:
        extras += list(annotation.__metadata__)
        annotation = annotation.__origin__
    if annotation is not str:
        return None
    # A Field(...) inside Annotated (a list's item type, say) keeps its constraints in its own metadata.
    extras += [inner for extra in extras if isinstance(extra, FieldInfo) for inner in extra.metadata]
    if SINGLE_LINE in extras or MULTI_LINE in extras:
        return True
    patterns = [getattr(m, "pattern", None) for m in extras]
    return any(p and not LOOSE_PATTERN.search(p) for p in patterns)


def _walk(annotation: Any, metadata: list[Any], where: str, seen: set[Any]) -> Iterator[tuple[str, bool]]:
    checked = _str_checked(annotation, metadata)
    if checked is not None:
        yield where, checked
        return
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = annotation.__origin__
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, info in annotation.model_fields.items():
            yield from _walk(info.annotation, info.metadata, f"{annotation.__name__}.{name}", seen)
        return
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return
    if origin in (typing.Union, types.UnionType):  # an optional field: its constraints are the str's
        for arg in typing.get_args(annotation):
            yield from _walk(arg, metadata, where, seen)
    elif origin in (list, tuple, set, frozenset, dict):
        args = typing.get_args(annotation)
        for arg in args[1:] if origin is dict else args:
            yield from _walk(arg, [], where, seen)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, through the included routers (kept by FastAPI as their original routers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def text_fields(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(route, field, refuses control characters) for every str a request body or form carries."""
    for route in _api_routes(app.routes):
        for param in route.dependant.body_params:
            info = param.field_info
            for where, checked in _walk(info.annotation, list(info.metadata), param.name, set()):
                yield f"{route.endpoint.__module__}.{route.endpoint.__name__}", where, checked


def uncovered_fields(app: FastAPI) -> list[str]:
    return sorted({f"{route} {where}" for route, where, checked in text_fields(app)
                   if not checked and where.rsplit(".", 1)[-1] not in SECRETS})
