"""Images and containers pages follow what happens on the engine without a reload."""

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker

pytestmark = pytest.mark.e2e


def test_given_the_containers_page_when_docker_runs_stops_and_removes_a_container_then_the_row_follows(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    name = f"{host_name}-page"
    page.goto(f"{stack.base_url}/containers/?host={local_host['id']}")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    docker("run", "-d", "--name", name, "--label", TEST_LABEL, "-e", "GREETING=hello", IMAGE, "sleep", "300")

    row = page.locator("#list-body tr", has_text=name)
    expect(row.locator("[data-role=state]")).to_have_text("running", timeout=10_000)
    expect(row.locator("[data-role=status]")).to_contain_text("Up")

    docker("stop", "-t", "0", name)
    expect(row.locator("[data-role=state]")).to_have_text("exited", timeout=10_000)
    expect(row.locator("[data-role=status]")).to_contain_text("Exited (137)")

    # Its page shows the inspect data in sections, and says so when it is removed meanwhile.
    row.locator("a", has_text=name).click()
    expect(page.locator("#detail-title")).to_have_text(name)
    expect(page.locator("#detail-sections")).to_contain_text("GREETING")
    expect(page.locator("#detail-sections")).to_contain_text("sleep 300")
    docker("rm", name)
    expect(page.locator("#detail-removed")).to_contain_text("was removed", timeout=10_000)


def test_given_the_containers_page_when_filtering_by_state_and_searching_then_only_matches_show(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    docker("run", "-d", "--name", f"{host_name}-up", "--label", TEST_LABEL, IMAGE, "sleep", "300")
    docker("create", "--name", f"{host_name}-new", "--label", TEST_LABEL, IMAGE, "true")
    page.goto(f"{stack.base_url}/containers/?host={local_host['id']}")
    expect(page.locator("#list-body tr", has_text=f"{host_name}-new")).to_be_visible(timeout=10_000)

    page.select_option("select[name=state]", "running")

    expect(page.locator("#list-body tr", has_text=f"{host_name}-up")).to_be_visible()
    expect(page.locator("#list-body tr", has_text=f"{host_name}-new")).to_have_count(0)
    page.select_option("select[name=state]", "")
    page.fill("input[name=q]", f"{host_name}-new")
    expect(page.locator("#list-body tr")).to_have_count(1)
    expect(page.locator("#list-body tr")).to_contain_text(f"{host_name}-new")


def test_given_the_images_page_when_docker_tags_an_image_then_the_tag_appears_and_its_layers_show(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    tag = f"berth-test/{host_name}:page"
    page.goto(f"{stack.base_url}/images/?host={local_host['id']}")
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    docker("tag", IMAGE, tag)

    link = page.locator("#list-body a", has_text=tag)
    expect(link).to_be_visible(timeout=10_000)
    link.click()
    expect(page.locator("#image-tags")).to_contain_text(tag)
    expect(page.locator("#image-layers")).to_contain_text("Imported from")
    docker("rmi", tag)
    expect(page.locator("#image-tags")).not_to_contain_text(tag, timeout=10_000)
