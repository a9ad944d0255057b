"""The admin's users page: add a user (with a one-time password), change a role, disable,
reset a password. Passwords are shown once and stored only as argon2id hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request

from cordon.cases.permissions import Permission
from cordon.domain import Role
from cordon.store import Store
from cordon.store.base import User
from cordon.web.auth import hash_password, new_password
from cordon.web.deps import StoreDep, allow
from cordon.web.render import page

router = APIRouter()


def add_user(store: Store, name: str, role: Role) -> tuple[User, str]:
    """A new user with a random password; returns the user and the password (shown once)."""
    password = new_password()
    user = store.create_user(User(name, Role(role), hash_password(password), datetime.now(UTC)))
    return user, password


def _render(request: Request, user, store: Store, **more):
    more.setdefault("shown_password", None)
    return page(request, "users.html", user=user, users=store.users(), roles=list(Role), **more)


@router.get("/users")
def users_page(request: Request, user: allow(Permission.MANAGE_USERS), store: StoreDep):
    return _render(request, user, store)


@router.post("/users")
def create(request: Request, user: allow(Permission.MANAGE_USERS), store: StoreDep,
           name: Annotated[str, Form(max_length=64)], role: Annotated[Role, Form()]):
    created, password = add_user(store, name.strip().lower(), role)
    return _render(request, user, store, shown_password=(created.name, password))


@router.post("/users/{name}")
def change(
    request: Request, name: str, user: allow(Permission.MANAGE_USERS), store: StoreDep,
    role: Annotated[Role | None, Form()] = None, disabled: Annotated[bool | None, Form()] = None,
    reset_password: Annotated[bool, Form()] = False,
):
    password = new_password() if reset_password else None
    store.update_user(name, role=role, disabled=disabled,
                      password_hash=hash_password(password) if password else None)
    shown = (name, password) if password else None
    return _render(request, user, store, shown_password=shown)
