"""Issue 15, item 5 over the real stack: a git stack from a repository the test serves over smart
HTTP on loopback (tests/support/git_server.py), fetched by the real portal worker, deployed by a
real host worker with the real Compose v2; a new commit pushed and a correctly signed GitHub
webhook redeploy it with the new commit's sha, a replay of that webhook deploys nothing, and a
wrongly signed one is a 403 after which nothing happens."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import time

import pytest
import requests

from tests.conftest import unique_name
from tests.integration.test_dangerous_containers import token_of
from tests.support.docker_cli import IMAGE, TEST_RUN, remove_test_objects
from tests.support.git_server import GIT_USER, GitServer, commit_file
from tests.support.operations import call, finished
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration

COMPOSE_BIN = os.environ.get("BERTH_COMPOSE", "")


def compose_file(command: str) -> str:
    return f"""services:
  app:
    image: {IMAGE}
    command: {command}
    stop_signal: SIGKILL
    labels: {{berth.test: "{TEST_RUN}"}}
"""


@pytest.fixture(scope="module")
def host(stack, tmp_path_factory):
    if not COMPOSE_BIN:
        pytest.fail("BERTH_COMPOSE names Compose v2; `make test` installs it (scripts/test-services.sh).")
    name = unique_name("gitstacks")
    worker = stack.host_worker(name, env={"BERTH_STACKS_DIR": str(tmp_path_factory.mktemp("stacks"))})
    yield stack.wait_for_host(name, "online", timeout=20)
    worker.stop()
    remove_test_objects()


@pytest.fixture
def repo(tmp_path):
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    first = commit_file(work, {"deploy/compose.yaml": compose_file("sleep 300"), "deploy/.env": "GREETING=hi\n"}, "one")
    served = tmp_path / "served"
    served.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(served / "shop.git")], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(served / "shop.git")], cwd=work, check=True)
    server = GitServer(served).start()
    server.work, server.first = work, first
    yield server
    server.stop()


def push(repo, files: dict[str, str], message: str) -> str:
    sha = commit_file(repo.work, files, message)
    env = {**os.environ, **GIT_USER}
    subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.work, check=True, env=env)
    return sha


def stack_row(stack, pk: int) -> dict:
    return call(stack, "GET", f"/api/v1/stacks/{pk}/").json()


def webhook(stack, pk: int, secret: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": signature}
    return requests.post(f"{stack.base_url}/api/v1/stacks/{pk}/webhook/", data=raw, headers=headers, timeout=30)


def app_container(stack, row: dict) -> str:
    [service] = row["services"]
    return service["containers"][0]["engine_id"] if service["containers"] else ""


def test_a_git_stack_redeploys_on_a_signed_webhook_with_the_new_commit_and_not_on_a_wrong_one(stack, host, repo):
    assert host["compose_version"].startswith("2."), host  # what the host page shows
    developer = token_of(stack, "developer", host["id"])
    name = unique_name("gitshop").lower()
    headers = {"Authorization": f"Token {developer}"}
    git = {"url": repo.url("shop.git"), "ref": "main", "path": "deploy/compose.yaml"}

    created = requests.post(
        stack.base_url + "/api/v1/stacks/",
        json={"host": host["id"], "name": name, "git": git},
        headers=headers,
        timeout=30,
    )

    assert created.status_code == 202, created.text
    secret, pk = created.json()["webhook"]["secret"], created.json()["target_id"]
    deployed = finished(stack, created.json(), timeout=120)
    assert deployed["state"] == "succeeded", deployed["error"]
    row = wait_until(lambda: (r := stack_row(stack, pk))["state"] == "running" and r, 15, what="the stack running")
    assert (row["source"], row["version"], row["commit"]) == ("git", 1, repo.first)
    assert row["git"]["last_commit"] == repo.first and secret not in json.dumps(row)
    first_container = app_container(stack, row)

    # A new commit, and GitHub's push webhook, signed with the stack's secret.
    second = push(repo, {"deploy/compose.yaml": compose_file("sleep 301")}, "two")
    started = time.monotonic()
    answer = webhook(stack, pk, secret, {"ref": "refs/heads/main", "after": second})

    assert answer.status_code == 202, answer.text
    redeployed = finished(stack, answer.json(), timeout=120)
    assert redeployed["state"] == "succeeded", redeployed["error"]
    seconds = time.monotonic() - started

    def new_commit_running():
        r = stack_row(stack, pk)
        return r if r["commit"] == second and r["state"] == "running" and app_container(stack, r) else None

    row = wait_until(new_commit_running, 15, what="the second commit running")
    assert row["version"] == 2 and app_container(stack, row) != first_container
    versions = call(stack, "GET", f"/api/v1/stacks/{pk}/versions/").json()["results"]
    assert [(v["number"], v["commit"], v["username"].split(" ")[0]) for v in versions][:1] == [(2, second, "webhook")]
    print(f"\nwebhook to the new commit running: {seconds:.2f} s")

    # A replay of the same delivery: the commit is deployed already, nothing is.
    replay = webhook(stack, pk, secret, {"ref": "refs/heads/main", "after": second})
    assert replay.status_code == 202
    replayed = finished(stack, replay.json(), timeout=60)
    assert replayed["state"] == "succeeded" and replayed["result"]["unchanged"] is True

    # Wrongly signed, after a third commit: a 403, and nothing happens.
    push(repo, {"deploy/compose.yaml": compose_file("sleep 302")}, "three")
    operations_before = call(stack, "GET", "/api/v1/operations/", params={"host": host["id"]}).json()["count"]
    wrong = webhook(stack, pk, "not-the-secret", {"ref": "refs/heads/main"})

    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_signature", wrong.text
    time.sleep(1)
    assert call(stack, "GET", "/api/v1/operations/", params={"host": host["id"]}).json()["count"] == operations_before
    row = stack_row(stack, pk)
    assert (row["version"], row["commit"]) == (2, second)

    down = finished(stack, call(stack, "DELETE", f"/api/v1/stacks/{pk}/?volumes=true").json(), timeout=60)
    assert down["state"] == "succeeded", down["error"]


def test_a_repository_without_the_branch_fails_the_deploy_with_a_sentence_and_leaves_no_stack(stack, host, repo):
    developer = token_of(stack, "developer", host["id"])
    name = unique_name("nobranch").lower()
    git = {"url": repo.url("shop.git"), "ref": "release", "path": "deploy/compose.yaml"}

    created = requests.post(
        stack.base_url + "/api/v1/stacks/",
        json={"host": host["id"], "name": name, "git": git},
        headers={"Authorization": f"Token {developer}"},
        timeout=30,
    )

    assert created.status_code == 202, created.text
    failed = finished(stack, created.json(), timeout=60)
    assert failed["state"] == "failed" and "no branch or tag" in failed["error"]
    assert call(stack, "GET", f"/api/v1/stacks/{created.json()['target_id']}/").status_code == 404
