"""The container page's Logs and Stats tabs when Redis goes away and comes back (issue 18): their
socket closes 4503, the tab says it is reconnecting, and it follows live again by itself, as the
events socket does. On a Berth of its own, with a Redis of its own: the shared one is never stopped."""

import pytest
from playwright.sync_api import expect

from tests.conftest import unique_name
from tests.e2e.conftest import watch_csp
from tests.support.docker_cli import remove_test_objects
from tests.support.faults import FaultStack, labelled_container
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.e2e

TICKS = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    redis_server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    stack = FaultStack(data_dir=tmp_path_factory.mktemp("berth-reconnect"), redis_url=redis_server.url).start()
    name = unique_name("reconnect")
    stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=20)
    yield stack, redis_server, host
    stack.stop()
    redis_server.stop()
    remove_test_objects()


@pytest.fixture
def private_page(browser, private, csp_violations):
    stack = private[0]
    context = browser.new_context()
    watch_csp(context, csp_violations)
    page = context.new_page()
    page.goto(f"{stack.base_url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", stack.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/")
    yield page
    context.close()


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
