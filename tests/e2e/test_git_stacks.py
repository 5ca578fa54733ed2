"""A stack from a git repository the test serves on loopback: the form on /stacks/new/ deploys it,
the webhook's secret is shown once, and the stack's page shows where it comes from, the deployed
commit, and both services' logs in one view, each line marked with its service."""

import subprocess

import pytest
from playwright.sync_api import expect

from tests.support.docker_cli import IMAGE, TEST_RUN
from tests.support.git_server import GitServer, commit_file
from tests.support.operations import call, finished

pytestmark = pytest.mark.e2e


def service(word: str) -> str:
    return (
        f"    image: {IMAGE}\n    command: ['sh', '-c', 'echo {word}; sleep 300']\n"
        f"    stop_signal: SIGKILL\n    labels: {{berth.test: '{TEST_RUN}'}}\n"
    )


@pytest.fixture
def repo(tmp_path):
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    compose = "services:\n  app:\n" + service("hello-from-app") + "  jobs:\n" + service("hello-from-jobs")
    sha = commit_file(work, {"compose.yaml": compose}, "one")
    (tmp_path / "served").mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(tmp_path / "served" / "shop.git")], check=True)
    server = GitServer(tmp_path / "served").start()
    server.sha = sha
    yield server
    server.stop()


def test_deploy_a_stack_from_git_and_read_its_commit_and_merged_logs(
    logged_in_page, stack, local_host, host_name, repo
):
    page = logged_in_page
    name = ("git" + host_name.lower())[:40]
    page.goto(f"{stack.base_url}/stacks/new/")
    form = page.locator("#stack-git-form")
    form.locator("select[name=host]").select_option(str(local_host["id"]))
    form.locator("[name=name]").fill(name)
    form.locator("[name=url]").fill(repo.url("shop.git"))

    page.locator("#stack-git-deploy").click()

    dialog = page.locator("dialog")
    expect(dialog).to_contain_text("Secret (shown this once)", timeout=10_000)
    expect(dialog).to_contain_text("/webhook/")
    dialog.locator("button[type=submit]").click()
    page.wait_for_url("**/operations/*/")
    expect(page.locator("[data-role=operation-state]").first).to_have_attribute(
        "data-state", "succeeded", timeout=60_000
    )

    rows = call(stack, "GET", "/api/v1/stacks/", params={"host": local_host["id"], "q": name}).json()["results"]
    [row] = [r for r in rows if r["name"] == name]
    page.goto(f"{stack.base_url}/stacks/{row['id']}/")
    expect(page.locator("[data-role=stack-commit]")).to_have_text(repo.sha[:12], timeout=10_000)
    expect(page.locator("#detail-sections")).to_contain_text(repo.url("shop.git"))
    logs = page.locator("#stack-logs-view")
    expect(logs.locator("[data-service=app]", has_text="hello-from-app")).to_contain_text("app | ", timeout=15_000)
    expect(logs.locator("[data-service=jobs]", has_text="hello-from-jobs")).to_contain_text("jobs | ")
    page.locator("#stack-logs-service").select_option("jobs")
    expect(logs.locator("[data-service=app]")).to_have_count(0)

    down = call(stack, "DELETE", f"/api/v1/stacks/{row['id']}/?volumes=true").json()
    assert finished(stack, down, timeout=60)["state"] == "succeeded"
