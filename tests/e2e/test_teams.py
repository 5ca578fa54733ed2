"""An admin gives a team a role on one host from the pages; its member sees that host only,
and loses it, live, the moment the role is taken away."""

import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_given_a_team_with_a_viewer_role_on_one_host_then_its_member_sees_only_that_host_until_it_is_removed(
    browser, logged_in_page, stack, host_name
):
    admin = logged_in_page
    other = f"{host_name}-other"
    workers = [stack.host_worker(host_name), stack.host_worker(other)]
    stack.wait_for_host(host_name, "online", timeout=15)
    stack.wait_for_host(other, "online", timeout=15)
    username, password, team = f"ada-{uuid.uuid4().hex[:6]}", "a-Long-pass-phrase-9", f"team-{uuid.uuid4().hex[:6]}"

    # The admin creates the user, the team, adds the member and grants viewer on one host.
    admin.goto(f"{stack.base_url}/users/")
    admin.fill("#user-create [name=username]", username)
    admin.fill("#user-create [name=password1]", password)
    admin.fill("#user-create [name=password2]", password)
    admin.click("#user-create button[type=submit]")
    expect(admin.locator("#users-table")).to_contain_text(username)
    admin.goto(f"{stack.base_url}/teams/")
    admin.fill("#team-create [name=name]", team)
    admin.click("#team-create button[type=submit]")
    expect(admin.locator("#team-name")).to_have_text(team)
    admin.select_option("#member-add select[name=member-user]", label=username)
    admin.click("#member-add button[type=submit]")
    expect(admin.locator("#members")).to_contain_text(username)
    admin.select_option("#binding-add select[name=binding-role]", "viewer")
    admin.select_option("#binding-add select[name=binding-hosts]", label=host_name)
    admin.click("#binding-add button[type=submit]")
    expect(admin.locator("#bindings")).to_contain_text(host_name)

    # The member logs in: one host, no Teams or Audit in the menu.
    member = browser.new_context().new_page()
    member.goto(f"{stack.base_url}/login/")
    member.fill("#id_username", username)
    member.fill("#id_password", password)
    member.click("button[type=submit]")
    expect(member.locator("#live-indicator")).to_have_attribute("data-state", "live")
    expect(member.locator("#hosts-body tr", has_text=host_name).first).to_be_visible()
    expect(member.locator("#hosts-body tr", has_text=other)).to_have_count(0)
    expect(member.locator("#main-nav")).not_to_contain_text("Teams")
    assert member.goto(f"{stack.base_url}/teams/").status == 404
    member.goto(f"{stack.base_url}/")

    # The admin takes the role away: the member's open page loses the host without a reload.
    admin.click("#bindings button:has-text('Remove')")
    expect(member.locator("#hosts-body tr", has_text=host_name)).to_have_count(0, timeout=5_000)
    for worker in workers:
        worker.stop()
