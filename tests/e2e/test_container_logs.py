"""The container page's Logs and Stats tabs in Chromium, against a real host worker and engine."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.integration.test_container_streams import run_container
from tests.support.docker_cli import docker, remove_test_objects

pytestmark = pytest.mark.e2e

# Writes "line N" to stdout (and "warn N" to stderr every tenth) each time /go appears.
ON_DEMAND = (
    "i=0; echo started; while true; do if [ -f /go ]; then rm /go; i=$((i+1)); echo line $i; "
    'if [ $((i % 10)) -eq 0 ]; then echo "warn $i" >&2; fi; fi; sleep 0.05; done'
)


def line(text: str) -> re.Pattern:
    """A whole line of the log view's text."""
    return re.compile(f"(^|\n){re.escape(text)}\n")


def shown_lines(page) -> list[str]:
    return page.locator("#logs-view").evaluate("view => view.textContent").splitlines()


@pytest.fixture(autouse=True)
def clean_engine():
    yield
    remove_test_objects()


def test_given_the_logs_tab_when_the_container_writes_then_the_line_appears_live_with_stderr_told_apart(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    container = run_container(stack, local_host, f"{host_name}-live", ON_DEMAND)
    page.goto(f"{stack.base_url}/containers/{container['id']}/#logs")
    expect(page.locator("#logs-status")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(page.locator("#logs-view")).to_contain_text("started")

    for _ in range(10):
        docker("exec", container["name"], "touch", "/go")
        time.sleep(0.12)

    view = page.locator("#logs-view")
    expect(view).to_contain_text(line("line 10"), timeout=10_000)
    # (stdout and stderr are two pipes: the engine orders each, not one against the other)
    assert [text for text in shown_lines(page) if not text.startswith("warn")] == [
        "started",
        *(f"line {i}" for i in range(1, 11)),
    ]
    expect(page.locator("#logs-view .log-stderr")).to_contain_text("warn 10")
    expect(page.locator("#logs-view .log-stdout", has_text="warn")).to_have_count(0)

    # Search within the page keeps only the matching lines, marked.
    page.fill("#logs-search", "line 1")
    expect(page.locator("#logs-view .log-line")).to_have_text(["line 1", "line 10"])
    expect(page.locator("#logs-view mark").first).to_have_text("line 1")
    page.fill("#logs-search", "")

    # Paused, new lines wait on the host; following again, they arrive.
    page.click("#logs-pause")
    expect(page.locator("#logs-status")).to_have_attribute("data-state", "paused")
    docker("exec", container["name"], "touch", "/go")
    page.wait_for_timeout(1000)
    expect(view).not_to_contain_text(line("line 11"))
    page.click("#logs-pause")
    expect(view).to_contain_text(line("line 11"), timeout=10_000)

    # When the container stops, the page says so after its last line.
    docker("stop", "-t", "0", container["name"])
    expect(page.locator("#logs-status")).to_have_attribute("data-state", "ended", timeout=10_000)
    expect(page.locator("#logs-status")).to_have_text("The container stopped (exit code 137).")


def test_given_a_container_writing_fast_then_the_page_keeps_up_and_keeps_a_bounded_number_of_lines(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    count = 200_000
    container = run_container(stack, local_host, f"{host_name}-flood", f"seq 1 {count}; sleep 300")
    page.goto(f"{stack.base_url}/containers/{container['id']}/#logs")
    page.select_option("#logs-tail", "all")

    # The page stays responsive while the lines pour in: a 100 ms timer never waits a whole second
    # (a frozen page would hold it for as long as it took to take in everything).
    page.evaluate(
        """() => { window.lateTicks = 0; let last = performance.now();
        window.ticker = setInterval(() => { const now = performance.now(); if (now - last > 1000) window.lateTicks++;
        last = now; }, 100); }"""
    )
    expect(page.locator("#logs-count")).to_have_text(re.compile(f"^{count:,} lines "), timeout=60_000)

    assert page.evaluate("window.lateTicks") == 0
    shown = shown_lines(page)
    assert 2000 <= len(shown) <= 2200  # whole chunks of up to 200 lines
    assert shown == [str(n) for n in range(count - len(shown) + 1, count + 1)]


def test_given_the_stats_tab_then_live_figures_and_charts_show_and_a_stopped_container_says_so(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    container = run_container(stack, local_host, f"{host_name}-stats", "while true; do :; done")
    page.goto(f"{stack.base_url}/containers/{container['id']}/")

    page.click("[data-tab=stats]")

    expect(page.locator("#stats-status")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(page.locator("[data-stat=cpu]")).to_contain_text("%", timeout=10_000)
    expect(page.locator("[data-stat-detail=memory]")).to_contain_text("of ")
    docker("stop", "-t", "0", container["name"])
    expect(page.locator("#stats-status")).to_have_text("The container stopped (exit code 137).", timeout=10_000)
