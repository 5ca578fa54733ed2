"""The web terminal in Chromium: the Console button opens a shell in xterm.js, typed text runs,
a second session opens in another tab, and the Sessions page replays the recording."""

import pytest
from playwright.sync_api import expect

from tests.integration.test_inventory import container_named
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e


def test_given_a_running_container_when_console_is_clicked_and_echo_typed_then_hello_shows_and_is_replayable(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    first, second = f"{host_name}-one", f"{host_name}-two"
    for name in (first, second):
        docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    container = wait_until(container_named(stack, local_host, first, state="running"), 10, what="running")
    wait_until(container_named(stack, local_host, second, state="running"), 10, what="the second running")
    page.goto(f"{stack.base_url}/containers/{container['id']}/")

    with page.context.expect_page() as opened:
        page.click("#console-button")
    console = opened.value
    terminal = console.locator(".berth-terminal:not([hidden]) .xterm-rows")
    expect(console.locator("#console-status-text")).to_have_text("Connected", timeout=15_000)
    expect(terminal).to_contain_text("#", timeout=10_000)  # the shell's prompt
    console.locator(".berth-terminal:not([hidden]) .xterm").click()
    console.keyboard.type("echo hel''lo\n")

    # The command line shows hel''lo; only the output shows hello.
    expect(terminal).to_contain_text("hello", timeout=10_000)

    # A second session, to another container, in a tab of its own; the first keeps its screen.
    console.click("#console-new-toggle")
    console.fill("#console-search", second)
    expect(console.locator("#console-container option", has_text=second)).to_have_count(1, timeout=10_000)
    option = console.locator("#console-container option", has_text=second)
    console.select_option("#console-container", value=option.get_attribute("value"))
    console.click("#console-open")
    expect(console.locator("#console-tabs .nav-link")).to_have_count(2)
    expect(console.locator("#console-tabs .nav-link.active")).to_contain_text(second)
    expect(console.locator("#console-status-text")).to_have_text("Connected", timeout=15_000)
    console.locator("#console-tabs .nav-link", has_text=first).click()
    expect(terminal).to_contain_text("hello")

    # The first session ends; the page says how, and its recording replays.
    console.locator(".berth-terminal:not([hidden]) .xterm").click()
    console.keyboard.type("exit 3\n")
    expect(console.locator("#console-status-text")).to_have_text("The process exited with code 3.", timeout=10_000)
    console.click("#console-recording")
    expect(console.locator("#session-exit")).to_have_text("3")
    expect(console.locator("#replay .ap-wrapper")).to_be_visible(timeout=10_000)


def test_given_an_open_console_when_the_page_is_reloaded_then_the_same_session_resumes_with_its_screen(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    name = f"{host_name}-reload"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    container = wait_until(container_named(stack, local_host, name, state="running"), 10, what="running")
    page.goto(f"{stack.base_url}/console/?container={container['id']}")
    terminal = page.locator(".berth-terminal:not([hidden]) .xterm-rows")
    expect(page.locator("#console-status-text")).to_have_text("Connected", timeout=15_000)
    expect(terminal).to_contain_text("#", timeout=10_000)
    page.locator(".berth-terminal:not([hidden]) .xterm").click()
    page.keyboard.type("export MARK=kept; echo before-$((6*7))\n")
    expect(terminal).to_contain_text("before-42", timeout=10_000)
    first = page.evaluate("JSON.parse(sessionStorage.getItem('berth.console')).tabs[0].session")

    page.reload()

    # The same session (the shell's variable is still set), its screen drawn again, one tab only.
    expect(page.locator("#console-status-text")).to_have_text("Reconnected", timeout=15_000)
    expect(page.locator("#console-tabs .nav-link")).to_have_count(1)
    expect(terminal).to_contain_text("before-42", timeout=10_000)
    page.locator(".berth-terminal:not([hidden]) .xterm").click()
    page.keyboard.type("echo after-$MARK\n")
    expect(terminal).to_contain_text("after-kept", timeout=10_000)
    assert page.evaluate("JSON.parse(sessionStorage.getItem('berth.console')).tabs[0].session") == first
    sessions = stack.get("/api/v1/sessions/", params={"container": container["id"]}).json()["results"]
    assert [s["id"] for s in sessions] == [first]
