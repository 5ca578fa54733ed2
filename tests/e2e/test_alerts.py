"""An alert appears live on the Alerts page and in the navbar badge when a container exits 1, and
is acknowledged from its page."""

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker

pytestmark = pytest.mark.e2e


def test_an_alert_appears_live_and_is_acknowledged(logged_in_page, stack, local_host, host_name):
    page = logged_in_page
    team = stack.post("/api/v1/teams/", {"name": f"{host_name}-team"}).json()
    stack.post(f"/api/v1/teams/{team['id']}/bindings/", {"role": "admin", "all_hosts": True})
    rule = {"name": "exits", "team": team["id"], "events": ["container.exited"], "match": {"names": [f"{host_name}-*"]}}
    assert stack.post("/api/v1/alert-rules/", rule).status_code == 201
    name = f"{host_name}-dies"
    page.goto(f"{stack.base_url}/alerts/")
    expect(page.locator("#alerts-firing")).to_contain_text("Nothing fires")

    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sh", "-c", "exit 1")

    row = page.locator("#alerts-firing a", has_text=name)
    expect(row).to_be_visible(timeout=15_000)
    expect(page.locator("#alerts-count")).not_to_have_text("0")
    row.click()
    page.locator("#alert-acknowledge").click()
    expect(page.locator("#alert-state")).to_have_attribute("data-state", "acknowledged", timeout=10_000)
    expect(page.locator("#alert-timeline")).to_contain_text("Acknowledged by admin")
