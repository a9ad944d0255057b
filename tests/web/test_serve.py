"""`cordon serve` prints the address and a one-time admin password that signs in."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_the_address_and_a_password_that_signs_in(tmp_path):
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    code = ("import typer, sys; from cordon.cli_serve import serve_command; "
            "app = typer.Typer(); app.command()(serve_command); app()")
    proc = subprocess.Popen([sys.executable, "-c", code, "--port", str(port), "--store", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[0].strip() == f"cordon console on http://127.0.0.1:{port}/"
        password = re.search(r"one-time password: (\S+)", lines[1]).group(1)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                login = httpx.get(f"{base}/login")
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        with httpx.Client(base_url=base) as client:
            client.get("/login")
            answer = client.post("/login", data={"username": "admin", "password": password,
                                                 "csrf": client.cookies["cordon_login"]})
            assert answer.status_code == 303 and answer.headers["location"] == "/queue"
            assert login.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
    from cordon.store import open_store

    with open_store(url) as store:
        assert store.get_user("admin").password_hash.startswith("$argon2id$")
        assert password not in store.get_user("admin").password_hash
