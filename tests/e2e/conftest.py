"""Real Chromium (Debian's), driven by Playwright; never a browser Playwright downloads."""

import os
import time

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("BERTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the network is closed: do not reach for it
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), f"Chromium is not at {CHROMIUM}; `make test` installs Debian's chromium."
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every Content-Security-Policy violation a page reports (script, style, connection, eval…):
# the DOM's own event, handed to the test through a binding (neither is subject to the policy).
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => window.__berthCspViolation(
  `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
  `(${event.sourceFile || "the page"}:${event.lineNumber}) ${event.sample || ""}`.trim()));
"""


def watch_csp(context, violations: list[str]) -> None:
    """Adds every CSP violation in `context`'s pages, and Chromium's console line for one, to `violations`."""
    context.expose_binding(
        "__berthCspViolation", lambda source, text: violations.append(f"{source['page'].url}: {text}")
    )
    context.add_init_script(CSP_WATCH)
    context.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(f"console: {message.text}"),
    )


@pytest.fixture
def csp_violations():
    """The CSP violations of the test's pages: any at all fails the test (the policy broke a page)."""
    violations: list[str] = []
    yield violations
    assert violations == [], "The Content-Security-Policy refused something on a page:\n" + "\n".join(violations)


class BrowserLog:
    """What the browser did in a test's context: each request with its answer or failure, and the
    pages' errors and console errors. A failed test shows it (below), so a page whose script never
    ran says whether the script was never asked for, never answered, or failed."""

    def __init__(self, context):
        self.started = time.monotonic()
        self.lines: list[str] = []
        self.pending: dict[int, str] = {}
        context.on("request", self._request)
        context.on("requestfinished", lambda request: self._ended(request, "answered"))
        context.on("requestfailed", lambda request: self._ended(request, f"failed: {request.failure}"))
        context.on("console", lambda message: message.type == "error" and self._add(f"console error: {message.text}"))
        context.on("page", lambda page: page.on("pageerror", lambda error: self._add(f"page error: {error}")))

    def _add(self, line: str) -> None:
        self.lines.append(f"{time.monotonic() - self.started:7.2f}s {line}")

    def _request(self, request) -> None:
        self.pending[id(request)] = f"{request.method} {request.url}"
        self._add(f"asked {request.method} {request.url}")

    def _ended(self, request, how: str) -> None:
        self.pending.pop(id(request), None)
        self._add(f"{how} {request.method} {request.url}")

    def report(self) -> str:
        unanswered = [f"never answered: {line}" for line in self.pending.values()]
        return "\n".join(self.lines[-80:] + unanswered)


@pytest.fixture
def page(request, browser, csp_violations):
    context = browser.new_context()
    watch_csp(context, csp_violations)
    request.node.browser_log = BrowserLog(context)
    page = context.new_page()
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows what its browser asked for and what came back."""
    outcome = yield
    report = outcome.get_result()
    log = getattr(item, "browser_log", None)
    if report.when == "call" and report.failed and log is not None:
        report.sections.append(("browser requests and errors (last 80)", log.report()))


def log_in(page, stack, username: str = "admin", password: str | None = None):
    """`page`, logged in to `stack` as `username` (its admin unless said)."""
    page.goto(f"{stack.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or stack.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/")
    return page


@pytest.fixture
def logged_in_page(page, stack):
    return log_in(page, stack)
