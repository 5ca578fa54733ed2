"""The web terminal in Chromium: the Console button opens a shell in xterm.js, typed text runs,
a second session opens in another tab, and the Sessions page replays the recording; someone
invited watches a live one from the Sessions page, and a dropped connection resumes by itself
for as long as the server's grace says, no longer."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.integration.test_inventory import container_named
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.processes import wait_until
from tests.support.roles import ROLE_USER_PASSWORD, user_with_role
from tests.support.socket_proxy import TcpProxy

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


def running_container(stack, host, name: str) -> dict:
    """A container `name` of the test image, sleeping, as Berth lists it once it runs."""
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    return wait_until(container_named(stack, host, name, state="running"), 10, what="running")


def open_console(page, base_url: str, container_id: int):
    """The console page on `container_id`, connected, the shell's prompt shown: its terminal."""
    page.goto(f"{base_url}/console/?container={container_id}")
    terminal = page.locator(".berth-terminal:not([hidden]) .xterm-rows")
    expect(page.locator("#console-status-text")).to_have_text("Connected", timeout=15_000)
    expect(terminal).to_contain_text("#", timeout=10_000)
    page.locator(".berth-terminal:not([hidden]) .xterm").click()
    return terminal


def type_and_see(page, keys: str, terminal, text: str) -> None:
    """Types `keys` on `page`, then waits for `text` on `terminal` (which may be another page's)."""
    page.keyboard.type(keys)
    expect(terminal).to_contain_text(text, timeout=10_000)


def console_session(page) -> int:
    """The session of the console page's first tab, as the page keeps it to resume."""
    return page.evaluate("JSON.parse(sessionStorage.getItem('berth.console')).tabs[0].session")


def test_given_an_open_console_when_the_page_is_reloaded_then_the_same_session_resumes_with_its_screen(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    container = running_container(stack, local_host, f"{host_name}-reload")
    terminal = open_console(page, stack.base_url, container["id"])
    type_and_see(page, "export MARK=kept; echo before-$((6*7))\n", terminal, "before-42")
    first = console_session(page)

    page.reload()

    # The same session (the shell's variable is still set), its screen drawn again, one tab only.
    expect(page.locator("#console-status-text")).to_have_text("Reconnected", timeout=15_000)
    expect(page.locator("#console-tabs .nav-link")).to_have_count(1)
    expect(terminal).to_contain_text("before-42", timeout=10_000)
    page.locator(".berth-terminal:not([hidden]) .xterm").click()
    type_and_see(page, "echo after-$MARK\n", terminal, "after-kept")
    assert console_session(page) == first
    sessions = stack.get("/api/v1/sessions/", params={"container": container["id"]}).json()["results"]
    assert [s["id"] for s in sessions] == [first]


def test_given_a_live_console_when_someone_invited_watches_from_the_sessions_page_then_both_see_it_live_till_it_ends(
    logged_in_page, browser, stack, local_host, host_name
):
    owner = logged_in_page
    container = running_container(stack, local_host, f"{host_name}-watched")
    terminal = open_console(owner, stack.base_url, container["id"])
    type_and_see(owner, "echo before-$((6*7))\n", terminal, "before-42")
    session = console_session(owner)
    watcher_name, _ = user_with_role(stack, "viewer", local_host["id"])

    # The owner invites them on the Sessions page (another tab of theirs).
    sessions = owner.context.new_page()
    sessions.goto(f"{stack.base_url}/sessions/")
    row = sessions.locator(f"tr[data-session='{session}']")
    row.locator("[data-role=session-invite] input[name=user]").fill(watcher_name)
    row.locator("[data-role=session-invite] button[type=submit]").click()
    expect(row.locator("[data-role=session-said]")).to_have_text(f"{watcher_name} may watch this session.")

    # They find it on their Sessions page and watch: the screen as it is, then what comes after.
    # (Through a proxy, which restarts in the middle: the watch page reconnects by itself.)
    context = browser.new_context()
    proxy = TcpProxy(stack.port)
    proxy.start()
    try:
        watcher = log_in(context.new_page(), stack, watcher_name, ROLE_USER_PASSWORD)
        watcher.goto(f"http://127.0.0.1:{proxy.port}/sessions/")
        watcher.locator(f"tr[data-session='{session}'] [data-role=session-watch]").click()
        watched = watcher.locator("#watch-terminal .xterm-rows")
        expect(watcher.locator("#watch-status")).to_have_text("Watching (read-only)", timeout=15_000)
        expect(watched).to_contain_text("before-42", timeout=10_000)
        expect(owner.locator("#console-status-text")).to_have_text(
            f"Connected · watched by {watcher_name}", timeout=10_000
        )
        type_and_see(owner, "echo after-$((7*8))\n", watched, "after-56")
        proxy.cut()
        expect(watcher.locator("#watch-status")).to_contain_text("reconnecting", timeout=10_000)
        expect(watcher.locator("#watch-status")).to_have_text("Watching (read-only)", timeout=15_000)
        expect(watched).to_contain_text("after-56", timeout=10_000)
        type_and_see(owner, "echo again-$((8*9))\n", watched, "again-72")
        # What the watcher types goes nowhere.
        watcher.locator("#watch-terminal .xterm").click()
        watcher.keyboard.type("echo from-the-watcher\n")

        # The admin ends it from the Sessions page: the owner's page says so, the watcher's too.
        row.locator("[data-role=session-end]").click()
        sessions.locator("dialog").locator("button[type=submit]", has_text="End session").click()
        expect(row.locator("[data-role=session-said]")).to_have_text("Ended.")
        expect(owner.locator("#console-status-text")).to_have_text("admin ended this session.", timeout=10_000)
        expect(watcher.locator("#watch-status")).to_have_text("The session is over.", timeout=10_000)
        assert "from-the-watcher" not in terminal.text_content()
    finally:
        context.close()
        proxy.stop()


def test_given_an_open_console_when_the_connection_drops_then_the_page_reconnects_by_itself_and_loses_nothing(
    logged_in_page, stack, local_host, host_name
):
    """A proxy between the browser and Berth restarts: every connection through it drops."""
    page = logged_in_page
    container = running_container(stack, local_host, f"{host_name}-dropped")
    proxy = TcpProxy(stack.port)
    proxy.start()
    try:
        terminal = open_console(page, f"http://127.0.0.1:{proxy.port}", container["id"])
        ticks = "export MARK=kept; for i in 1 2 3 4 5 6 7 8; do echo tick-$i-of-8; sleep 0.4; done\n"
        type_and_see(page, ticks, terminal, "tick-2-of-8")

        proxy.cut()

        expect(page.locator("#console-status-text")).to_contain_text("reconnecting", timeout=10_000)
        expect(page.locator("#console-status-text")).to_have_text("Reconnected", timeout=15_000)
        expect(terminal).to_contain_text("tick-8-of-8", timeout=10_000)
        page.locator(".berth-terminal:not([hidden]) .xterm").click()
        type_and_see(page, "echo after-$MARK\n", terminal, "after-kept")
        screen = terminal.text_content()
    finally:
        proxy.stop()

    # Every tick once: the output while the page was away came after it, none twice, none lost.
    assert [screen.count(f"tick-{i}-of-8") for i in range(1, 9)] == [1] * 8, screen


def test_given_a_dropped_console_when_the_servers_grace_is_over_then_the_page_stops_reconnecting_and_says_so(
    logged_in_page, stack, local_host, host_name
):
    """The terminal socket is played by the test: it says a grace of 2 s, drops, and refuses every
    reconnect. The page must give up once those 2 s are over, not go on for its default minute."""
    page = logged_in_page
    container = running_container(stack, local_host, f"{host_name}-grace")
    attempts = []

    def server(socket):
        attempts.append(socket.url)
        if len(attempts) == 1:
            socket.send('{"type": "ready", "session": 999999, "grace": 2}')
            socket.send(b"played-prompt# ")
        socket.close(code=1001)  # going away: the page's kind of drop to resume

    page.context.route_web_socket("**/terminal/**", server)
    page.goto(f"{stack.base_url}/console/?container={container['id']}")

    expect(page.locator(".berth-terminal:not([hidden]) .xterm-rows")).to_contain_text("played-prompt#", timeout=10_000)
    expect(page.locator("#console-status-text")).to_contain_text("The session closed.", timeout=15_000)
    page.wait_for_timeout(1_000)
    assert 2 <= len(attempts) <= 6, attempts
    assert all("session=999999" in url for url in attempts[1:]), attempts
