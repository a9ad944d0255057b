"""Whether the browser tests can run here: Debian's Chromium and the Playwright package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from service_checks import missing

CHROMIUM = Path("/usr/bin/chromium")


def chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found: apt-get install -y --no-install-recommends chromium")
    if importlib.util.find_spec("playwright") is None:
        missing("the playwright package is not installed: pip install -e '.[test]'")
