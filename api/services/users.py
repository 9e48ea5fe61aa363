"""The user directory's shapes and answers, for the API's /users routes and the console's admin
pages alike: what a new user, a role change and a token request hold, a user as answered, and a
directory refusal as an ApiError (the directory itself: store/users.py)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from api.errors import ApiError
from domain.phases import Role
from domain.text import SINGLE_LINE
from store.db import as_utc
from store.user_tables import User
from store.users import DirectoryError

Name = Annotated[str, Field(min_length=1, max_length=100), SINGLE_LINE]
# Roles and desks are plain strings here so that an unknown one is answered by name (422).
RoleName = Annotated[str, Field(min_length=1, max_length=32), SINGLE_LINE]


class UserBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_id: Annotated[str, Field(min_length=3, max_length=64), SINGLE_LINE]
    display_name: Name
    kind: Literal["staff", "startup", "service"] = "staff"
    email: Annotated[str, Field(max_length=254), SINGLE_LINE] | None = None
    phone: Annotated[str, Field(max_length=32), SINGLE_LINE] | None = None
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=6)]
    desks: Annotated[list[RoleName], Field(max_length=4)] = []
    brn: Annotated[str, Field(max_length=12), SINGLE_LINE] | None = None


class UserCreate(UserBase):
    password: Annotated[SecretStr, Field(max_length=128)] | None = None


class UserPublic(UserBase):
    id: str
    active: bool
    created_at: datetime
    disabled_at: datetime | None


class RolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: Annotated[list[RoleName], Field(min_length=1, max_length=6)]
    desks: Annotated[list[RoleName], Field(max_length=4)] | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    name: Name | None = None
    expires_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenCreated(BaseModel):
    token: str
    user_id: str
    role: str | None


def public(user: User) -> UserPublic:
    view = UserPublic.model_validate(user, from_attributes=True)
    # SQLite hands datetimes back without their zone; they are UTC.
    return view.model_copy(update={"created_at": as_utc(view.created_at), "disabled_at": as_utc(view.disabled_at)})


def refused(err: DirectoryError) -> ApiError:
    if err.code == "conflict":
        return ApiError("conflict", err.message, {"field": err.field})
    return ApiError("validation_error", err.message, [{"field": err.field, "rule": "directory", "message": err.message}])
