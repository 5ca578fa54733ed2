"""A stack written in the editor: CodeMirror shows the YAML error with its line, the fixed file is
deployed and compose's progress followed per service, then a change is planned (only the changed
service recreated) and the stack taken down from its page."""

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_RUN

pytestmark = pytest.mark.e2e


def compose(command: str) -> str:
    service = (
        "    image: {image}\n    command: {command}\n    stop_signal: SIGKILL\n    labels: {{berth.test: '{run}'}}\n"
    )
    return (
        "services:\n  web:\n"
        + service.format(image=IMAGE, command=command, run=TEST_RUN)
        + "  db:\n"
        + service.format(image=IMAGE, command="sleep 300", run=TEST_RUN)
    )


def test_write_a_stack_see_its_error_deploy_it_plan_a_change_and_take_it_down(
    logged_in_page, stack, local_host, host_name
):
    page = logged_in_page
    name = host_name.lower()[:40]
    page.goto(f"{stack.base_url}/stacks/new/")
    form = page.locator("#stack-form")
    form.locator("select[name=host]").select_option(str(local_host["id"]))
    form.locator("[name=name]").fill(name)
    editor = page.locator("#stack-editor")
    expect(editor).to_be_visible()

    page.evaluate("(t) => window.BerthStackEditor.editor.setValue(t)", "services:\n  web:\n    image: [oops\n")
    expect(page.locator("#stack-compose-status")).to_contain_text("line", timeout=5_000)
    page.locator("#stack-deploy").click()
    expect(page.locator("#stack-error")).to_be_visible()

    page.evaluate("(t) => window.BerthStackEditor.editor.setValue(t)", compose("sleep 300"))
    expect(page.locator("#stack-compose-status")).to_have_text("The file reads as a compose file.", timeout=5_000)
    expect(editor.locator(".cm-atom", has_text="services")).to_be_visible()  # YAML highlighted
    page.locator("#stack-deploy").click()
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]").first).to_have_attribute(
        "data-state", "succeeded", timeout=30_000
    )
    for service in ("web", "db"):
        expect(page.locator(f'[data-layer="{service}"]')).to_have_attribute("data-phase", "done")

    page.goto(f"{stack.base_url}/stacks/?host={local_host['id']}")
    page.locator("#list-body a[href^='/stacks/']", has_text=name).click()
    expect(page.locator("#stack-services")).to_contain_text("running", timeout=10_000)
    expect(page.locator("#stack-versions")).to_contain_text("v1 (deployed)")

    expect(page.locator("#stack-editor")).to_contain_text("sleep 300")
    page.evaluate("(t) => window.BerthStackEditor.editor.setValue(t)", compose("sleep 600"))
    page.locator("#stack-plan-button").click()
    expect(page.locator("[data-role=plan-recreated]")).to_have_text("recreated: web", timeout=20_000)
    expect(page.locator("[data-role=plan-unchanged]")).to_have_text("unchanged: db")
    expect(page.locator("#stack-plan-diff")).to_contain_text('"600"')

    page.locator("#object-actions [data-action=down]").click()
    dialog = page.locator("dialog")
    dialog.locator("button[type=submit]").click()
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]").first).to_have_attribute(
        "data-state", "succeeded", timeout=30_000
    )
