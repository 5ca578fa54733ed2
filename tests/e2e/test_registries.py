"""An admin adds the private registry from the pages, tests the connection, browses to a tag and
asks for it to be pulled to a host — against the real registry and a real host worker."""

import os
import re
import uuid

import pytest
from playwright.sync_api import expect

from portal.registries.client.session import RegistrySession
from tests.support.registry_images import ImagePusher

pytestmark = pytest.mark.e2e

REGISTRY = os.environ.get("BERTH_TEST_REGISTRY", "127.0.0.1:5000")
USER = os.environ.get("BERTH_TEST_REGISTRY_USER", "berth")
PASSWORD = os.environ.get("BERTH_TEST_REGISTRY_PASSWORD", "berth-registry-pass")


def test_an_admin_adds_a_registry_tests_it_and_browses_to_a_tag(logged_in_page, stack, local_host):
    page = logged_in_page
    namespace = f"berth-e2e-{uuid.uuid4().hex[:8]}"
    image = ImagePusher(RegistrySession(f"http://{REGISTRY}", USER, PASSWORD)).image(
        f"{namespace}/web", "2.1", created="2026-05-06T07:08:09Z"
    )
    name = f"private-{namespace}"

    # Adds the registry: the password is checked with the registry, saved, and never shown again.
    page.click("#main-nav >> text=Registries")
    page.click("#registry-add")
    page.fill("#id_name", name)
    page.fill("#id_url", f"http://{REGISTRY}")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click("#registry-form button[type=submit]")
    row = page.locator("#registries-table tr", has_text=name)
    expect(row).to_contain_text("(password saved)")
    assert PASSWORD not in page.content()

    # Test connection says plainly that the registry answered and took the credentials.
    row.get_by_role("button", name="Test connection").click()
    expect(row.locator(".connection-result")).to_have_text(
        f"The registry answered and accepted the credentials of {USER}."
    )

    # Browses: search the repositories, open one, read the tag's digest, size, created and arch.
    row.get_by_role("link", name=name).click()
    page.fill("#repository-search [name=q]", namespace)
    page.click("#repository-search button[type=submit]")
    page.click(f"#repositories-table >> text={namespace}/web")
    expect(page.locator("#repository-name")).to_have_text(f"{namespace}/web")
    tag = page.locator("#tags-table tr[data-tag='2.1']")
    expect(tag).to_contain_text(image.digest[:19])
    expect(tag).to_contain_text("2026-05-06T07:08:09Z")
    expect(tag).to_contain_text("linux/amd64")
    expect(tag).to_contain_text(f"{image.size} bytes")

    # Pull to host…: the dialog names the reference and posts it to the pull endpoint.
    reference = f"{REGISTRY}/{namespace}/web:2.1"
    expect(page.locator("#pull-dialog")).to_be_hidden()
    tag.get_by_role("button", name="Pull to host…").click()
    expect(page.locator("#pull-dialog")).to_be_visible()
    expect(page.locator("#pull-reference")).to_have_text(reference)
    page.select_option("#pull-host", label=local_host["name"])
    page.click("#pull-submit")
    expect(page.locator("#pull-result")).to_contain_text(re.compile(re.escape(reference) + "|operation"))
