"""Whether the browser tests can run here: Debian's Chromium and the Playwright package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
_SHARED = Path(__file__).resolve().parents[1] / "conftest.py"


def _missing(reason: str) -> None:
    # tests/conftest.py's missing(): skip on a user's machine, fail in CI. Loaded by path,
    # since this folder's conftest.py shadows the name.
    spec = importlib.util.spec_from_file_location("cordon_tests_shared", _SHARED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.missing(reason)


def chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found: apt-get install -y --no-install-recommends chromium")
    if importlib.util.find_spec("playwright") is None:
        _missing("the playwright package is not installed: pip install -e '.[test]'")
