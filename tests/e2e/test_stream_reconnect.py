"""The container page's Logs and Stats tabs when Redis goes away and comes back (issue 18): their
socket closes 4503, the tab says it is reconnecting, and it follows live again by itself, as the
events socket does. On a Berth of its own, with a Redis of its own: the shared one is never stopped."""

import pytest
from playwright.sync_api import expect

from tests.conftest import unique_name
from tests.e2e.conftest import log_in
from tests.support.faults import labelled_container, private_fault_stack

pytestmark = pytest.mark.e2e

TICKS = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    with private_fault_stack(tmp_path_factory, "reconnect") as made:
        yield made


@pytest.fixture
def private_page(page, private):
    return log_in(page, private[0])


def outage(redis_server, status, state_live: str) -> None:
    """Redis stopped: the tab says it reconnects; started again: the tab is live by itself."""
    redis_server.stop()
    expect(status).to_have_attribute("data-state", "reconnecting", timeout=10_000)
    expect(status).to_contain_text("Reconnecting")
    redis_server.start()
    expect(status).to_have_attribute("data-state", state_live, timeout=30_000)


def test_given_the_logs_then_the_stats_tab_when_redis_stops_and_starts_then_each_reconnects_by_itself(
    private, private_page
):
    stack, redis_server, host = private
    page = private_page
    container = labelled_container(stack, host, unique_name("reconnect-ticks"), "sh", "-c", TICKS)
    page.goto(f"{stack.base_url}/containers/{container['id']}/#logs")
    logs = page.locator("#logs-status")
    expect(logs).to_have_attribute("data-state", "live", timeout=15_000)

    outage(redis_server, logs, "live")
    # Followed again from the tail: the lines written during and after the outage are there.
    last = int(page.locator("#logs-view").evaluate("v => v.textContent").split("tick ")[-1].split()[0])
    expect(page.locator("#logs-view")).to_contain_text(f"tick {last + 3}", timeout=10_000)

    page.click("[data-tab=stats]")
    stats = page.locator("#stats-status")
    expect(stats).to_have_attribute("data-state", "live", timeout=15_000)
    outage(redis_server, stats, "live")
    expect(page.locator("[data-stat=memory]")).not_to_have_text("—")
