"""A network made on its page, a running container connected from the network's page, and both
seen on the host's network map."""

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, free_subnet

pytestmark = pytest.mark.e2e


def test_given_a_running_container_when_a_network_is_created_and_it_is_connected_then_the_map_shows_it(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    host = local_host["id"]
    container, network = f"{host_name}-app", f"{host_name}-net"
    docker("run", "-d", "--name", container, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    subnet = free_subnet("unix:///var/run/docker.sock")

    page.goto(f"{stack.base_url}/networks/new/")
    form = page.locator("#network-create-form")
    form.locator("select[name=host]").select_option(str(host))
    form.locator("[name=name]").fill(network)
    form.locator("[name=subnet]").fill(f"{subnet}.0/24")
    form.locator("[name=labels]").fill(TEST_LABEL)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]").first).to_have_attribute(
        "data-state", "succeeded", timeout=15_000
    )

    page.goto(f"{stack.base_url}/networks/?host={host}")
    page.locator("#list-body a", has_text=network).click()
    expect(page.locator("#detail-title")).to_contain_text(network)
    page.locator("#object-actions [data-action=connect]").click()
    dialog = page.locator("dialog")
    dialog.locator("select[name=container]").select_option(label=f"{container} (running)")
    dialog.locator("button[type=submit]").click()
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]").first).to_have_attribute(
        "data-state", "succeeded", timeout=15_000
    )

    page.goto(f"{stack.base_url}/networks/map/?host={host}")
    joined = page.locator(f'#network-map-svg g[data-container="{container}"]')
    expect(page.locator(f'#network-map-svg g[data-network="{network}"]')).to_be_visible(timeout=10_000)
    expect(joined).to_contain_text(f"{subnet}.", timeout=10_000)
    expect(joined.locator("circle")).to_have_count(2)  # the default bridge, and the new network

    # The container's page links the network it is on.
    joined.locator("a").click()
    expect(page.locator("#detail-sections a", has_text=network)).to_have_attribute(
        "href", f"/networks/on/{host}/{network}/"
    )
