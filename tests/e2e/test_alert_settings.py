"""From the Alerts page a team admin opens the alert settings, makes a webhook channel (its secret
never shown back), sends it a test that a real receiver gets signed, and makes a rule telling it."""

import pytest
from playwright.sync_api import expect

from portal.alerts.senders.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


def test_a_channel_and_a_rule_made_from_the_page_and_a_test_sent(logged_in_page, stack, host_name, receiver):
    page = logged_in_page
    team = stack.post("/api/v1/teams/", {"name": f"{host_name}-team"}).json()
    secret = "Page-Made-Key-42"

    page.goto(f"{stack.base_url}/alerts/")
    page.locator("#alert-settings-link").click()
    page.locator("#alert-channel-add").click()
    form = page.locator("#alert-channel-form")
    form.get_by_label("Team", exact=True).select_option(str(team["id"]))
    form.get_by_label("Name", exact=True).fill(f"{host_name}-hook")
    form.get_by_label("Kind").select_option("webhook")
    form.get_by_label("Target").fill(receiver.url("/page-hook"))
    form.get_by_label("Secret").fill(secret)
    form.get_by_role("button", name="Save channel").click()

    row = page.locator("#alert-channels tr", has_text=f"{host_name}-hook")
    expect(row).to_contain_text("saved")
    assert secret not in page.content()
    row.get_by_role("button", name="Send a test").click()
    expect(row.locator("[data-test-outcome]")).to_have_text("Test sent.", timeout=10_000)
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert sent.path == "/page-hook" and b"[TEST]" in sent.body
    headers = {k.lower(): v for k, v in sent.headers.items()}
    timestamp, signature = headers[TIMESTAMP_HEADER.lower()], headers[SIGNATURE_HEADER.lower()]
    assert verify_signature(secret, timestamp, sent.body, signature)  # the receiver can tell it is Berth's

    page.locator("#alert-rule-add").click()
    form = page.locator("#alert-rule-form")
    form.get_by_label("Team", exact=True).select_option(str(team["id"]))
    form.get_by_label("Name", exact=True).fill(f"{host_name}-disk")
    form.get_by_label("Host's disk fuller than the rule's threshold").check()
    form.get_by_label(f"{host_name}-hook", exact=False).check()
    form.get_by_label("Disk and memory threshold (%)").fill("150")
    form.get_by_role("button", name="Save rule").click()
    expect(form).to_contain_text("percentage from 1 to 99")

    form.get_by_label("Disk and memory threshold (%)").fill("80")
    form.get_by_role("button", name="Save rule").click()
    rule_row = page.locator("#alert-rules tr", has_text=f"{host_name}-disk")
    expect(rule_row).to_contain_text("past 80 %")
    expect(rule_row).to_contain_text(f"{host_name}-hook")
    rules = stack.get("/api/v1/alert-rules/").json()
    made = [r for r in (rules.get("results", rules) if isinstance(rules, dict) else rules) if r["team"] == team["id"]]
    assert made and made[0]["events"] == ["host.disk"] and made[0]["threshold_percent"] == 80
