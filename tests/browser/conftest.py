"""Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import ConsoleMessage, Page

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# database access from it. Only the test process is affected.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make check-system` (Debian: chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _restore_migration_data(migration_data):
    """Every browser test starts from the data the migrations load."""


@pytest.fixture
def login(live_server, page):
    """Log in through the real form, as a person would."""

    def _login(user, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


class ConsoleProblems(list):
    """What a person with the browser console open would see go wrong on the page."""

    def __init__(self, page: Page):
        super().__init__()
        self.page = page

    def seen(self) -> list[str]:
        """The problems so far, once the page's requests have finished and their events (which
        reach the test asynchronously) are in."""
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("() => new Promise(done => setTimeout(done, 100))")
        return list(self)


@pytest.fixture
def console_problems(page: Page) -> ConsoleProblems:
    """Console errors and warnings, uncaught exceptions and Content Security Policy violations.

    Violations are taken from the `securitypolicyviolation` event as well as the console: the
    console's wording changes between Chromium versions, the event does not."""
    problems = ConsoleProblems(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            where = message.location.get("url", "")
            problems.append(f"console {message.type}: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.expose_function(
        "reportPolicyViolation", lambda text: problems.append(f"policy violation: {text}")
    )
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) => {
            window.reportPolicyViolation(
                `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`
                + ` ${e.sample}`);
        });"""
    )
    return problems
