"""A person logs in, sees the local host online, and watches its status change without reloading."""

import re
import signal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_given_a_wrong_password_when_logging_in_then_the_page_says_so(page, stack):
    page.goto(f"{stack.base_url}/")

    page.fill("#id_username", "admin")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")

    expect(page.locator("#login-error")).to_contain_text("correct username and password")


def test_given_a_running_host_worker_when_the_admin_logs_in_then_the_dashboard_shows_it_online_live(
    logged_in_page, stack, host_name
):
    page = logged_in_page
    worker = stack.host_worker(host_name)
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    # The host joins while the page is open: it appears without a reload.
    row = page.locator("#hosts-body tr", has_text=host_name)
    expect(row.locator("[data-role=status]")).to_have_text("Online", timeout=15_000)
    host = stack.host(host_name)
    expect(row).to_contain_text(host["engine_version"])
    expect(row).to_contain_text(host["api_version"])
    expect(row).to_contain_text(host["os"])

    worker.stop(signal.SIGKILL)

    expect(row.locator("[data-role=status]")).to_have_text("Offline", timeout=15_000)


def test_given_a_host_when_its_page_is_opened_then_engine_and_worker_facts_are_shown(logged_in_page, stack, host_name):
    page = logged_in_page
    worker = stack.host_worker(host_name)
    host = stack.wait_for_host(host_name, "online", timeout=15)

    page.goto(f"{stack.base_url}/hosts/{host['id']}/")

    expect(page.locator("#host-status")).to_have_text("Online")
    expect(page.locator("#host-engine")).to_contain_text(host["engine_version"])
    expect(page.locator("#host-worker")).to_contain_text("unix:///var/run/docker.sock")
    worker.stop()
    expect(page.locator("#host-status")).to_have_text("Offline", timeout=5_000)


def test_given_a_logged_in_user_when_logging_out_then_the_dashboard_needs_a_login_again(logged_in_page, stack):
    page = logged_in_page

    page.click("text=admin")
    page.click("#logout-button")

    page.goto(f"{stack.base_url}/")
    expect(page).to_have_url(f"{stack.base_url}/login/?next=/")


def test_given_the_navigation_when_read_by_role_then_each_link_is_named_by_its_words_alone(logged_in_page, stack):
    """Icon glyphs are hidden from assistive technology: "Containers" is the link's whole name."""
    page = logged_in_page
    nav = page.locator("#main-nav")
    for name in ("Hosts", "Images", "Containers", "Sessions", "Operations", "Teams", "Audit"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.get_by_role("link", name="Containers", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(f"{stack.base_url}/containers/") + r"\??$"))
