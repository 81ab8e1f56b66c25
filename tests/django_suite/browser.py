"""Django's Selenium tests (the admin's JavaScript against the backend), run in Debian's Chromium.

runtests.py skips every Selenium test class ("No browsers specified.") unless it is given
`--selenium=chrome`, and then it runs only the Selenium-tagged tests. So a module with such tests
gets a second runtests.py pass in the browser, whose outcomes replace the skips of the first.

Chromium refuses to start as root without --no-sandbox, and on a machine without internet its
background services stall it, so the pass starts it through a small launcher with those flags;
Selenium finds the launcher and Debian's chromedriver through its SE_* variables, offline.
"""

import shutil
from pathlib import Path

from .source import REPO_ROOT

SKIPPED_WITHOUT_BROWSER = "No browsers specified."
RUNTESTS_ARGS = ("--selenium=chrome", "--headless")
LAUNCHER = REPO_ROOT / ".cache" / "browser" / "chromium"
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync")


def needs_browser(skip_reasons):
    """Whether a first pass skipped tests only because no browser was named."""
    return SKIPPED_WITHOUT_BROWSER in skip_reasons.values()


def environment():
    """Environment variables that point Selenium at Chromium, or None when it is not installed
    (`./dev setup` installs Debian's chromium and chromium-driver where it can)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        return None
    LAUNCHER.parent.mkdir(parents=True, exist_ok=True)
    LAUNCHER.write_text(f'#!/bin/sh\nexec {chromium} {" ".join(CHROMIUM_FLAGS)} "$@"\n')
    LAUNCHER.chmod(0o755)
    return {"SE_BROWSER_PATH": str(LAUNCHER), "SE_DRIVER_PATH": driver, "SE_OFFLINE": "true"}


def missing_message():
    return ("Selenium tests stay skipped: chromium and chromedriver are not both on PATH "
            "(./dev setup installs Debian's chromium and chromium-driver when run as root).")


def log_path(log: Path):
    return log.with_name(f"{log.stem}.browser.log")
