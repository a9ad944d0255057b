"""`cordon serve`: the review console on the store (`cordon demo` fills the default one)."""

from __future__ import annotations

from typing import Annotated

import typer

from cordon.cli_support import err, out

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL, else the default SQLite store.")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Serve the review console. Each start gives the 'admin' user a fresh random password,
    printed once here and stored only as its argon2id hash; sign in with it and add the
    team's users on the Users page."""
    import uvicorn

    from cordon.config import get_settings
    from cordon.domain import Role
    from cordon.store import open_store
    from cordon.web import create_app
    from cordon.web.auth import hash_password, new_password
    from cordon.web.users import add_user

    settings = get_settings()
    store = open_store(store_url or settings.store_url)
    try:
        if store.get_user("admin") is None:
            _, password = add_user(store, "admin", Role.ADMIN)
        else:
            password = new_password()
            store.update_user("admin", password_hash=hash_password(password), role=Role.ADMIN, disabled=False)
        shown = f"[{host}]" if ":" in host else host
        out.print(f"cordon console on http://{shown}:{port}/", highlight=False)
        out.print(f"sign in as admin with the one-time password: {password}", highlight=False, markup=False)
        if host not in ("127.0.0.1", "localhost", "::1"):
            err.print("warning: serving beyond this machine over plain HTTP; put TLS in front of it", highlight=False)
        uvicorn.run(create_app(store, settings), host=host, port=port, log_level="info", proxy_headers=True)
    finally:
        store.close()
