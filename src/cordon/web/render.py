"""Server-rendered pages: one Jinja2 environment, autoescaping everything. Templates never
mark content safe: posts, names and bios are an adversary's text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cordon.cases.permissions import Permission, can

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
        # The templates ship with the package: no stat() of each one on every render.
        auto_reload=False,
    )
    env.filters["when"] = _when
    env.globals["Permission"] = Permission
    env.globals["can"] = can
    return env


templates = Jinja2Templates(env=_environment())


def page(request: Request, name: str, status_code: int = 200, **context: Any):
    context.setdefault("user", None)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
