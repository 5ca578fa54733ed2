"""Issue 15 over the real stack, the real engine and the real Compose v2 (scripts/test-services.sh
installs it; BERTH_COMPOSE names it): a two-service stack with a network and a volume is deployed
with per-service progress, changed so that only the changed service is recreated (as its plan
said), rolled back and taken down; a developer's dangerous service is refused — also when only
compose's normalized form shows it — and an admin's is deployed; a project started with the CLI
appears at once and is taken over by an admin, then redeployed by a developer.

One host worker serves the whole module, to keep the added CI time small."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import requests

from tests.conftest import unique_name
from tests.integration.test_dangerous_containers import token_of
from tests.support.docker_cli import IMAGE, TEST_RUN, docker, remove_test_objects
from tests.support.operations import call, finished
from tests.support.processes import free_port, wait_until

pytestmark = pytest.mark.integration

ENGINE = "unix:///var/run/docker.sock"
COMPOSE_BIN = os.environ.get("BERTH_COMPOSE", "")


def compose_file(web_command: str = "sleep 300", extra: str = "") -> str:
    return f"""services:
  web:
    image: {IMAGE}
    command: {web_command}
    stop_signal: SIGKILL
    labels: {{berth.test: "{TEST_RUN}"}}
    volumes: [data:/data]
    networks: [back]
  db:
    image: {IMAGE}
    command: sleep 300
    stop_signal: SIGKILL
    labels: {{berth.test: "{TEST_RUN}"}}
    networks: [back]
{extra}volumes:
  data:
    labels: {{berth.test: "{TEST_RUN}"}}
networks:
  back:
    labels: {{berth.test: "{TEST_RUN}"}}
"""


@pytest.fixture(scope="module")
def host(stack, tmp_path_factory):
    if not COMPOSE_BIN:
        pytest.fail("BERTH_COMPOSE names Compose v2; `make test` installs it (scripts/test-services.sh).")
    name = unique_name("stacks")
    worker = stack.host_worker(name, env={"BERTH_STACKS_DIR": str(tmp_path_factory.mktemp("stacks"))})
    host_id = stack.wait_for_host(name, "online", timeout=20)["id"]
    yield host_id
    worker.stop()
    for project in docker("ps", "-a", "--filter", f"label=berth.test={TEST_RUN}", "--format",
                          '{{.Label "com.docker.compose.project"}}', host=ENGINE).split():  # fmt: skip
        subprocess.run([COMPOSE_BIN, "-p", project, "down", "-v", "-t", "0"], env={**os.environ, "DOCKER_HOST": ENGINE},
                       capture_output=True, timeout=60)  # fmt: skip
    remove_test_objects(ENGINE)


@pytest.fixture(scope="module")
def tokens(stack, host):
    """A token per role on the module's host, made once (each is a `manage.py shell`)."""
    made = {}

    def of(role: str) -> str:
        if role not in made:
            made[role] = token_of(stack, role, host)
        return made[role]

    return of


def as_user(stack, token: str, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Token {token}"}
    return requests.request(method, stack.base_url + path, headers=headers, timeout=30, **kwargs)


def create(stack, token: str, host: int, name: str, compose: str, env: str = "") -> requests.Response:
    body = {"host": host, "name": name, "compose": compose, "env": env}
    return as_user(stack, token, "POST", "/api/v1/stacks/", json=body)


def stack_of(stack, host: int, name: str, check=None, timeout: float = 15) -> dict:
    def look():
        rows = call(stack, "GET", "/api/v1/stacks/", params={"host": host, "q": name}).json()["results"]
        row = next((r for r in rows if r["name"] == name), None)
        return row if row is not None and (check is None or check(row)) else None

    return wait_until(look, timeout, interval=0.05, what=f"stack {name}")


def container_ids(row: dict) -> dict[str, list[str]]:
    return {s["name"]: [c["engine_id"] for c in s["containers"]] for s in row["services"]}


def running(row: dict) -> bool:
    return row["state"] == "running" and all(s["containers"] for s in row["services"])


def test_deploy_change_only_the_changed_service_roll_back_and_take_down(stack, host, tokens):
    developer = tokens("developer")
    name = unique_name("shop").lower()

    answer = create(stack, developer, host, name, compose_file(), "A=1")
    assert answer.status_code == 202, answer.text
    deployed = finished(stack, answer.json())
    assert deployed["state"] == "succeeded", deployed["error"]
    statuses = {layer["id"]: layer["status"] for layer in deployed["progress"]["layers"]}
    assert statuses["web"] in ("Started", "Healthy", "Running") and statuses["db"] in ("Started", "Healthy", "Running")
    first = stack_of(stack, host, name, running)
    assert first["version"] == 1 and first["source"] == "berth" and sorted(container_ids(first)) == ["db", "web"]

    # The plan names only web as recreated, with the diff of the normalized file.
    changed = compose_file("sleep 600")
    plan = finished(stack, as_user(stack, developer, "POST", f"/api/v1/stacks/{first['id']}/plan/",
                                   json={"compose": changed}).json())  # fmt: skip
    assert plan["state"] == "succeeded", plan["error"]
    assert plan["result"]["recreate"] == ["web"] and plan["result"]["unchanged"] == ["db"]
    assert '"600"' in plan["result"]["diff"] and plan["result"]["dangers"] == []

    edit = as_user(stack, developer, "PATCH", f"/api/v1/stacks/{first['id']}/", json={"compose": changed})
    assert finished(stack, edit.json())["state"] == "succeeded"
    second = stack_of(stack, host, name, lambda r: r["version"] == 2 and running(r)
                      and container_ids(r)["web"] != container_ids(first)["web"])  # fmt: skip
    assert container_ids(second)["db"] == container_ids(first)["db"]

    rollback = as_user(stack, developer, "POST", f"/api/v1/stacks/{first['id']}/versions/1/rollback/")
    assert finished(stack, rollback.json())["state"] == "succeeded"
    third = stack_of(stack, host, name, lambda r: r["version"] == 3 and running(r))
    assert container_ids(third)["db"] == container_ids(first)["db"]
    web = docker("inspect", "--format", "{{json .Config.Cmd}}", container_ids(third)["web"][0], host=ENGINE)
    assert "300" in web
    versions = call(stack, "GET", f"/api/v1/stacks/{first['id']}/versions/").json()["results"]
    assert [(v["number"], v["state"]) for v in versions] == [(3, "deployed"), (2, "deployed"), (1, "deployed")]

    # An operator stops and starts it; a developer takes it down with its volumes.
    operator = tokens("operator")
    stop = as_user(stack, operator, "POST", f"/api/v1/stacks/{first['id']}/stop/")
    assert finished(stack, stop.json())["state"] == "succeeded"
    stack_of(stack, host, name, lambda r: r["state"] == "stopped")
    assert as_user(stack, operator, "DELETE", f"/api/v1/stacks/{first['id']}/").status_code == 403
    down = as_user(stack, developer, "DELETE", f"/api/v1/stacks/{first['id']}/?volumes=true")
    assert finished(stack, down.json())["state"] == "succeeded"
    stack_of(stack, host, name, lambda r: r["state"] == "down")
    assert docker("volume", "ls", "-q", "--filter", f"name={name}_data", host=ENGINE).strip() == ""


def test_a_broken_change_fails_naming_compose_and_leaves_the_running_version(stack, host, tokens):
    developer = tokens("developer")
    name = unique_name("keep").lower()
    first = create(stack, developer, host, name, compose_file())
    assert finished(stack, first.json())["state"] == "succeeded"
    row = stack_of(stack, host, name, running)

    # Valid YAML the portal takes, that compose refuses (an unknown key of a service).
    bad = compose_file().replace("    command: sleep 300\n", "    command: sleep 300\n    restart_policy: never\n", 1)
    failed = finished(stack, as_user(stack, developer, "PATCH", f"/api/v1/stacks/{row['id']}/",
                                     json={"compose": bad}).json())  # fmt: skip
    assert failed["state"] == "failed" and failed["error_code"] == "invalid_compose"
    assert "restart_policy" in failed["error"]
    after = stack_of(stack, host, name, running)
    assert container_ids(after) == container_ids(row) and after["version"] == 1

    # An image nobody has: compose fails the service, named.
    missing = compose_file().replace(f"image: {IMAGE}", "image: 127.0.0.1:5000/berth-none/nothing:1", 1)
    failed = finished(stack, as_user(stack, developer, "PATCH", f"/api/v1/stacks/{row['id']}/",
                                     json={"compose": missing}).json())  # fmt: skip
    assert failed["state"] == "failed" and "web" in failed["error"], failed["error"]
    assert container_ids(stack_of(stack, host, name, running))["db"] == container_ids(row)["db"]
    versions = call(stack, "GET", f"/api/v1/stacks/{row['id']}/versions/").json()["results"]
    assert [(v["number"], v["state"]) for v in versions] == [(3, "failed"), (2, "failed"), (1, "deployed")]


def test_dangerous_services_need_an_admin_even_when_only_the_normalized_form_shows_them(stack, host, tokens):
    developer, admin = tokens("developer"), tokens("admin")
    name = unique_name("pidhost").lower()
    pid_host = compose_file(extra="").replace("    command: sleep 300\n", "    command: sleep 300\n    pid: host\n", 1)

    refused = create(stack, developer, host, name, pid_host)
    assert refused.status_code == 403 and "host PID namespace (service web)" in refused.json()["detail"]

    # Spelled through the .env, the option is seen only in compose's normalized form: the host refuses.
    hidden = pid_host.replace("pid: host", "pid: ${MODE}")
    answer = create(stack, developer, host, name, hidden, "MODE=host")
    assert answer.status_code == 202
    failed = finished(stack, answer.json())
    assert failed["state"] == "failed" and failed["error_code"] == "dangerous_option"
    assert "host PID namespace (service web)" in failed["error"]
    assert not docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}", host=ENGINE).strip()

    allowed = as_user(stack, admin, "POST", f"/api/v1/stacks/{answer.json()['target_id']}/redeploy/")
    assert finished(stack, allowed.json())["state"] == "succeeded"
    stack_of(stack, host, name, running)


def test_a_cli_project_appears_at_once_and_is_taken_over_by_an_admin(stack, host, tokens, tmp_path):
    name = unique_name("cli").lower()
    (tmp_path / "compose.yaml").write_text(compose_file())
    (tmp_path / ".env").write_text("SECRET_VALUE=s3cret\n")
    started = time.monotonic()
    subprocess.run([COMPOSE_BIN, "-p", name, "up", "-d"], cwd=tmp_path, env={**os.environ, "DOCKER_HOST": ENGINE},
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    up = time.monotonic()
    found = stack_of(stack, host, name, running)
    lag = time.monotonic() - up
    assert found["source"] == "external" and found["managed"] is False and found["version"] is None
    assert found["config_files"] == [str(tmp_path / "compose.yaml")]
    assert lag < 2.0, f"the stack showed {lag:.2f}s after `compose up` returned ({up - started:.2f}s)"

    developer, admin = tokens("developer"), tokens("admin")
    assert as_user(stack, developer, "POST", f"/api/v1/stacks/{found['id']}/adopt/").status_code == 403
    adopted = finished(stack, as_user(stack, admin, "POST", f"/api/v1/stacks/{found['id']}/adopt/").json())
    assert adopted["state"] == "succeeded", adopted["error"]
    assert "s3cret" not in str(adopted)
    viewer = tokens("viewer")
    shown = as_user(stack, viewer, "GET", f"/api/v1/stacks/{found['id']}/").json()
    assert shown["source"] == "berth" and shown["version"] == 1 and shown["env"] == "SECRET_VALUE=••••"
    assert "s3cret" not in str(shown) and shown["compose"] == compose_file()

    redeploy = finished(stack, as_user(stack, developer, "POST", f"/api/v1/stacks/{found['id']}/redeploy/").json())
    assert redeploy["state"] == "succeeded", redeploy["error"]
    assert stack_of(stack, host, name, lambda r: r["version"] == 2 and running(r))["source"] == "berth"


def test_a_port_in_use_and_a_failing_healthcheck_are_each_a_sentence_naming_the_service(stack, host, tokens):
    developer = tokens("developer")
    port = free_port()
    holder = unique_name("port-holder")
    docker("run", "-d", "--name", holder, "--label", f"berth.test={TEST_RUN}", "-p", f"127.0.0.1:{port}:80",
           IMAGE, "sleep", "300")  # fmt: skip

    taken = compose_file().replace(
        "    networks: [back]\n", f'    networks: [back]\n    ports: ["127.0.0.1:{port}:80"]\n', 1
    )
    failed = finished(stack, create(stack, developer, host, unique_name("port").lower(), taken).json(), 90)
    assert failed["state"] == "failed" and "web" in failed["error"], failed["error"]
    assert "already allocated" in failed["error"] or "address already in use" in failed["error"], failed["error"]

    sick = compose_file().replace(
        "    networks: [back]\n",
        '    networks: [back]\n    healthcheck: {test: ["CMD", "false"], interval: 1s, timeout: 1s, retries: 1}\n',
        1,
    )
    started = time.monotonic()
    failed = finished(stack, create(stack, developer, host, unique_name("sick").lower(), sick).json(), 120)
    assert failed["state"] == "failed" and "web" in failed["error"], failed["error"]
    assert "unhealthy" in failed["error"], failed["error"]
    assert time.monotonic() - started < 90  # told when it turned unhealthy, not at the wait's end
