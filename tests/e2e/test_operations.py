"""Operations from the browser: run from the form and follow it live, act on a container from
its page, watch a build's log and its failed step, see the changes tree, and a viewer's buttons
disabled with the reason."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_LABEL, TEST_RUN, docker

pytestmark = pytest.mark.e2e


def test_run_from_the_form_then_stop_it_from_its_page(logged_in_page, stack, local_host, host_name):
    page = logged_in_page
    name = f"{host_name}-form"
    page.goto(f"{stack.base_url}/containers/run/")
    page.select_option("#run-host", str(local_host["id"]))
    page.fill("#run-image", IMAGE)
    page.fill("#run-name", name)
    page.fill("#run-command", "sh -c 'echo hi > /made.txt; sleep 300'")
    page.fill("#run-env", "GREETING=hello")
    page.fill("#run-labels", f"berth.test={TEST_RUN}")

    page.click("#run-submit")

    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]")).to_have_text("Succeeded", timeout=20_000)
    expect(page.locator("#operations-indicator")).to_be_visible()
    page.click("#operation-container", timeout=10_000)
    expect(page.locator("#detail-title")).to_have_text(name)
    expect(page.locator("#detail-sections")).to_contain_text("GREETING")

    # The toolbar is drawn by the script that also wires "Show changes": once it is there, a click
    # is heard (the page's own fetch may draw the sections before the last script has run).
    expect(page.locator("#object-actions [data-action=stop]")).to_be_visible()
    # One load of the container draws the whole page: its sections and its toolbar.
    loads = []
    page.on("request", lambda r: loads.append(r.url) if re.search(r"/api/v1/containers/\d+/$", r.url) else None)
    page.reload()
    expect(page.locator("#object-actions [data-action=stop]")).to_be_visible()
    page.wait_for_timeout(500)
    assert len(loads) == 1, loads
    page.click("#container-changes-load")
    expect(page.locator("#container-changes [data-path='/made.txt']")).to_have_attribute(
        "data-kind", "added", timeout=15_000
    )

    page.click("#object-actions [data-action=stop]")
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]")).to_have_text("Succeeded", timeout=20_000)
    page.go_back()
    expect(page.locator("#container-state")).to_contain_text("exited", timeout=10_000)
    expect(page.locator("#object-actions [data-action=start]")).to_be_enabled()


def test_a_build_streams_its_log_and_shows_the_failed_step(logged_in_page, stack, local_host):
    page = logged_in_page
    page.goto(f"{stack.base_url}/images/new/")
    form = page.locator("#build-form")
    form.locator("select[name=host]").select_option(str(local_host["id"]))
    form.locator("#build-dockerfile").fill(f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nRUN echo building now\nRUN exit 7\n")

    page.click("#build-submit")

    page.wait_for_url("**/operations/*/")
    expect(page.locator("#operation-log")).to_contain_text("building now", timeout=20_000)
    expect(page.locator("[data-role=operation-state]")).to_have_text("Failed", timeout=20_000)
    expect(page.locator("#operation-error")).to_contain_text("Step 4/4 : RUN exit 7 failed")


def test_a_refused_run_shows_the_sentence(logged_in_page, stack, local_host):
    page = logged_in_page
    page.goto(f"{stack.base_url}/containers/run/")
    page.select_option("#run-host", str(local_host["id"]))
    page.fill("#run-image", IMAGE)
    page.fill("#run-ports", "80:eighty")

    page.click("#run-submit")

    expect(page.locator("#run-error")).to_contain_text("is not a port mapping")


def test_a_viewer_sees_the_buttons_disabled_with_the_reason(browser, stack, local_host, host_name):
    name = f"{host_name}-viewed"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    username, password = f"viewer-{host_name}"[:30], "Viewer-password-1"
    assert stack.post("/api/v1/users/", {"username": username, "password": password}).status_code == 201
    team = stack.post("/api/v1/teams/", {"name": f"viewers {host_name}"}).json()
    users = stack.get("/api/v1/users/", params={"q": username}).json()["results"]
    user_id = next(u["id"] for u in users if u["username"] == username)
    stack.post(f"/api/v1/teams/{team['id']}/members/", {"user": user_id})
    stack.post(
        f"/api/v1/teams/{team['id']}/bindings/", {"role": "viewer", "all_hosts": False, "hosts": [local_host["id"]]}
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/")

    page.goto(f"{stack.base_url}/containers/?host={local_host['id']}&q={name}")
    row = page.locator("#list-body tr", has_text=name)
    page.wait_for_timeout(200)
    row.locator("a", has_text=name).click()

    stop = page.locator("#object-actions [data-action=stop]")
    expect(stop).to_be_disabled(timeout=10_000)
    assert "viewer" in stop.get_attribute("data-disabled-reason")
    assert "needs operator" in stop.get_attribute("data-disabled-reason")
    page.goto(f"{stack.base_url}/containers/run/")
    expect(page.locator("#run-not-allowed")).to_be_visible()
    context.close()


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory):
    from tests.support.registry import OpenRegistry

    registry = OpenRegistry(str(tmp_path_factory.mktemp("registry"))).start()
    yield registry
    registry.stop()


def test_pull_from_the_page_shows_each_layer_then_export_offers_the_download(
    logged_in_page, stack, local_host, open_registry
):
    import uuid

    from tests.support.registry import build_layered_image

    reference = f"{open_registry.address}/berth-test/page-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=2, size_kb=1024)
    docker("push", reference)
    docker("rmi", reference)
    page = logged_in_page
    page.goto(f"{stack.base_url}/images/new/")
    form = page.locator("#pull-form")
    form.locator("select[name=host]").select_option(str(local_host["id"]))
    form.locator("#pull-reference").fill(reference)

    page.click("#pull-submit")

    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]")).to_have_text("Succeeded", timeout=30_000)
    expect(page.locator("#operation-layers tr[data-phase=done]")).to_have_count(3)  # busybox + two
    page.click("#operation-image", timeout=10_000)
    expect(page.locator("#image-tags")).to_contain_text(reference)
    page.click("#object-actions [data-action=export]")
    page.wait_for_url("**/operations/*/")
    expect(page.locator("#operation-download")).to_be_visible(timeout=30_000)
    docker("rmi", "-f", reference, check=False)


def test_given_a_container_page_when_renaming_and_removing_then_berths_own_dialogs_ask_and_cancel_does_nothing(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    name = f"{host_name}-dlg"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    page.goto(f"{stack.base_url}/containers/?host={local_host['id']}&q={name}")
    page.locator("#list-body tr", has_text=name).locator("a", has_text=name).click()
    # The browser's own prompt() would be auto-dismissed by Playwright: a real dialog must show instead.
    page.on("dialog", lambda d: pytest.fail(f"a browser {d.type}() was used: {d.message}"))

    page.click("#object-actions [data-action=rename]")
    dialog = page.get_by_role("dialog", name=f"Rename {name}")
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("New name")
    expect(field).to_be_focused()
    expect(field).to_have_value(name)
    field.fill(f"{name}-new")
    dialog.get_by_role("button", name="Rename").click()
    page.wait_for_url(f"{stack.base_url}/operations/*/")
    expect(page.locator("[data-role=operation-state]")).to_have_text("Succeeded", timeout=15_000)
    assert docker("inspect", "-f", "{{.Name}}", f"{name}-new") == f"/{name}-new"

    page.goto(f"{stack.base_url}/containers/?host={local_host['id']}&q={name}-new")
    page.locator("#list-body tr", has_text=f"{name}-new").locator("a", has_text=f"{name}-new").click()
    page.click("#object-actions [data-action=remove]")
    dialog = page.get_by_role("dialog", name=f"Remove container {name}-new?")
    expect(dialog).to_contain_text("it will be killed")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert docker("inspect", "-f", "{{.State.Running}}", f"{name}-new") == "true"  # cancelled: nothing done

    page.click("#object-actions [data-action=remove]")
    dialog = page.get_by_role("dialog", name=f"Remove container {name}-new?")
    dialog.get_by_role("button", name="Remove").click()
    page.wait_for_url(f"{stack.base_url}/operations/*/")
    expect(page.locator("[data-role=operation-state]")).to_have_text("Succeeded", timeout=15_000)
    assert docker("ps", "-aq", "--filter", f"name=^{name}-new$") == ""
