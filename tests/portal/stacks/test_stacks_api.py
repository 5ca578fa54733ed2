"""Stacks (issue 15) in the portal: a deploy is checked (name, YAML, shape, .env, dangerous options)
before anything is recorded, records version n with its sealed .env and sends one operation; its
end marks the version; viewers see env values masked; projects started with the CLI appear from
their containers' labels and go with them; rollback, plan and adopt send what the worker needs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.containers.models import Container
from portal.operations.models import Operation
from portal.operations.reports import apply_operation_report
from portal.stacks.mirror import sync_stacks
from portal.stacks.models import Stack, StackSource, StackVersion
from tests.portal.clock import T0
from tests.portal.factories import (
    developer_on,
    make_binding,
    make_container,
    make_online_host,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def commit_at_once(monkeypatch):
    """What waits for the commit (the task to the host) happens at once: each test is one
    transaction rolled back after, far cheaper than a flushed database per test."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda callback, *args, **kwargs: callback())


COMPOSE = """services:
  web:
    image: berth/busybox:latest
    command: sleep 300
  db:
    image: berth/busybox:latest
"""


def role_on(api, host, role):
    user = make_user()
    make_binding(make_team(user), role, host)
    api.force_authenticate(user)
    return user


def create(api, host, compose=COMPOSE, env="", name="shop"):
    return api.post("/api/v1/stacks/", {"host": host.pk, "name": name, "compose": compose, "env": env}, format="json")


def end(operation, state="succeeded", result=None, error=""):
    report = {
        "host": operation.host.slug,
        "instance": operation.host.worker_instance,
        "operation": {"id": operation.pk, "state": state, "result": result or {}, "error": error},
    }
    apply_operation_report(report, T0 + timedelta(seconds=5))


def test_a_developer_deploys_a_stack_as_version_1_with_its_env_sealed(api, host, sent):
    developer_on(api, host)
    answer = create(api, host, env="PASSWORD=hunter2\n")

    assert answer.status_code == 202, answer.json()
    operation = Operation.objects.get(pk=answer.json()["id"])
    assert operation.kind == "stack.deploy" and operation.target_type == "stack"
    assert "hunter2" not in str(operation.params)
    stack = Stack.objects.get()
    version = StackVersion.objects.get()
    assert (stack.name, stack.source, version.number, version.state) == ("shop", "berth", 1, "pending")
    assert "hunter2" not in version.env_sealed and version.env == "PASSWORD=hunter2\n"
    [(_slug, message, _auth)] = sent
    assert message["params"]["project"] == "shop" and message["params"]["env"] == "PASSWORD=hunter2\n"
    assert "dangerous_allowed" not in message["params"]

    end(operation, result={"config": {"services": {"web": {"image": "x"}}}, "project": "shop"})
    version.refresh_from_db()
    operation.refresh_from_db()
    assert version.state == "deployed" and version.config == {"services": {"web": {"image": "x"}}}
    assert operation.result == {"project": "shop"}  # the normalized form holds the .env's values
    detail = api.get(f"/api/v1/stacks/{stack.pk}/").json()
    assert detail["version"] == 1 and detail["env"] == "PASSWORD=hunter2\n" and detail["state"] == "down"


@pytest.mark.parametrize(
    ("compose", "code", "words"),
    [
        ("services:\n  web:\n    image: [oops\n", "invalid_compose", "line 4"),
        ("- just\n- a list\n", "invalid_compose", "mapping"),
        ("services: {}\n", "invalid_compose", "no services"),
        ("services:\n  web:\n    command: sleep 1\n", "invalid_compose", "has no image"),
        ("servics:\n  web: {image: x}\n", "invalid_compose", "unknown top-level keys: servics"),
        (
            "x: &a [1]\n" + "y: [" + ",".join(["*a"] * 300) + "]\nservices: {w: {image: x}}\n",
            "invalid_compose",
            "aliases",
        ),
    ],
)
def test_a_file_compose_would_refuse_is_a_400_with_its_sentence_and_nothing_recorded(
    api, host, sent, compose, code, words
):
    developer_on(api, host)
    answer = create(api, host, compose=compose)

    assert answer.status_code == 400
    assert answer.json()["code"] == code and words in answer.json()["detail"]
    assert not Stack.objects.exists() and not Operation.objects.exists() and not sent


@pytest.mark.parametrize("name", ["Shop", "-x", "a b", "x" * 64, "ä"])
def test_a_name_compose_would_not_take_is_refused(api, host, sent, name):
    developer_on(api, host)
    answer = create(api, host, name=name)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_name"


def test_an_env_that_is_not_key_value_is_refused(api, host, sent):
    developer_on(api, host)
    answer = create(api, host, env="OK=1\nnot a line\n")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_env" and "Line 2" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("service", "named"),
    [
        ("privileged: true", "privileged mode (service web)"),
        ("network_mode: host", "host network (service web)"),
        ("pid: host", "host PID namespace (service web)"),
        ("ipc: 'container:other'", "IPC namespace of container other (service web)"),
        ("volumes: ['/etc:/host-etc:ro']", "bind mount of host path /etc (service web)"),
        (
            "volumes: [{type: bind, source: /var/run/docker.sock, target: /s}]",
            "bind mount of host path /var/run/docker.sock",
        ),
        ("cap_add: [SYS_ADMIN]", "added capabilities (SYS_ADMIN) (service web)"),
        ("devices: ['/dev/sda:/dev/sda']", "host devices (service web)"),
        ("security_opt: ['seccomp:unconfined']", "security options (service web)"),
        ("env_file: /etc/shadow", "host file /etc/shadow (service web)"),
        ("build: {context: /}", "host file / (service web)"),
    ],
)
def test_a_developers_dangerous_service_is_refused_naming_the_option(api, host, sent, service, named):
    developer_on(api, host)
    compose = f"services:\n  web:\n    image: berth/busybox:latest\n    {service}\n"
    answer = create(api, host, compose=compose)

    assert answer.status_code == 403, answer.json()
    assert answer.json()["code"] == "dangerous_option" and named in answer.json()["detail"]
    assert not Stack.objects.exists() and not sent


def test_a_volume_binding_a_host_path_by_driver_options_is_refused_to_a_developer(api, host, sent):
    developer_on(api, host)
    compose = COMPOSE + "volumes:\n  data:\n    driver_opts: {type: none, o: bind, device: /etc}\n"
    answer = create(api, host, compose=compose)
    assert answer.status_code == 403 and "volume data (binds host path /etc)" in answer.json()["detail"]


def test_an_admin_may_deploy_dangerous_options_and_the_worker_is_told(as_admin, host, sent):
    answer = create(as_admin, host, compose="services:\n  web:\n    image: x\n    network_mode: host\n")
    assert answer.status_code == 202
    assert sent[0][1]["params"]["dangerous_allowed"] is True


def test_a_viewer_sees_the_stack_but_env_values_masked_and_may_not_deploy(api, host, sent):
    developer_on(api, host)
    stack_id = Operation.objects.get(
        pk=create(api, host, env="PASSWORD=hunter2\n# note\nUSER=bob\n").json()["id"]
    ).target_id
    role_on(api, host, "viewer")

    detail = api.get(f"/api/v1/stacks/{stack_id}/").json()
    versions = api.get(f"/api/v1/stacks/{stack_id}/versions/").json()["results"]
    assert detail["env"] == "PASSWORD=••••\n# note\nUSER=••••"
    assert versions[0]["env"] == detail["env"] and "hunter2" not in str(versions)
    assert api.post(f"/api/v1/stacks/{stack_id}/redeploy/").status_code == 403
    assert api.patch(f"/api/v1/stacks/{stack_id}/", {"env": "A=1"}, format="json").status_code == 403
    assert api.post(f"/api/v1/stacks/{stack_id}/stop/").status_code == 403


def test_an_operator_may_stop_but_not_redeploy(api, host, sent):
    developer_on(api, host)
    stack_id = Operation.objects.get(pk=create(api, host).json()["id"]).target_id
    end(Operation.objects.get())
    make_container(
        host, "shop-web-1", labels={"com.docker.compose.project": "shop", "com.docker.compose.service": "web"}
    )
    role_on(api, host, "operator")

    answer = api.post(f"/api/v1/stacks/{stack_id}/stop/")
    assert answer.status_code == 202 and answer.json()["kind"] == "stack.stop"
    assert api.post(f"/api/v1/stacks/{stack_id}/redeploy/").status_code == 403


def test_one_change_at_a_time(api, host, sent):
    developer_on(api, host)
    stack_id = Operation.objects.get(pk=create(api, host).json()["id"]).target_id
    answer = api.patch(f"/api/v1/stacks/{stack_id}/", {"compose": COMPOSE + "\n"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "stack_busy"


def test_edit_then_rollback_deploys_the_earlier_file_as_a_new_version(api, host, sent):
    developer_on(api, host)
    stack_id = Operation.objects.get(pk=create(api, host, env="A=1").json()["id"]).target_id
    end(Operation.objects.get())
    changed = COMPOSE.replace("sleep 300", "sleep 600")
    answer = api.patch(f"/api/v1/stacks/{stack_id}/", {"compose": changed}, format="json")
    assert answer.status_code == 202
    end(Operation.objects.get(pk=answer.json()["id"]), "failed", error="Service web failed")

    answer = api.post(f"/api/v1/stacks/{stack_id}/versions/1/rollback/")
    assert answer.status_code == 202
    versions = api.get(f"/api/v1/stacks/{stack_id}/versions/").json()["results"]
    assert [(v["number"], v["state"], v["note"]) for v in versions] == [
        (3, "pending", "rollback to v1"),
        (2, "failed", "edited"),
        (1, "deployed", "written in Berth"),
    ]
    assert versions[0]["compose"] == COMPOSE and sent[-1][1]["params"]["env"] == "A=1"
    assert api.post(f"/api/v1/stacks/{stack_id}/versions/9/rollback/").status_code == 404
    assert api.get(f"/api/v1/stacks/{stack_id}/versions/2/").json()["compose"] == changed


def test_a_plan_sends_the_deployed_normalized_form_for_the_diff(api, host, sent):
    developer_on(api, host)
    stack_id = Operation.objects.get(pk=create(api, host).json()["id"]).target_id
    end(Operation.objects.get(), result={"config": {"services": {"web": {"image": "a"}}}})

    answer = api.post(f"/api/v1/stacks/{stack_id}/plan/", {"compose": COMPOSE}, format="json")
    assert answer.status_code == 202 and answer.json()["kind"] == "stack.plan"
    assert sent[-1][1]["params"]["deployed"] == {"services": {"web": {"image": "a"}}}
    bad = api.post(f"/api/v1/stacks/{stack_id}/plan/", {"compose": "services: ["}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_compose"


def cli_container(host, project="legacy", service="web", **fields):
    labels = {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "com.docker.compose.project.config_files": f"/srv/{project}/compose.yaml",
        "com.docker.compose.project.working_dir": f"/srv/{project}",
    }
    return make_container(host, f"{project}-{service}-1", labels=labels, **fields)


def test_a_cli_project_is_an_external_stack_with_its_services_and_goes_with_its_containers(api, host):
    web = cli_container(host)
    cli_container(host, service="db", state="exited")
    make_container(host, "loner")

    created, removed = sync_stacks(host)
    stack = Stack.objects.get()
    assert created == [stack.pk] and removed == []
    assert (stack.source, stack.config_files, stack.working_dir) == (
        "external",
        ["/srv/legacy/compose.yaml"],
        "/srv/legacy",
    )
    role_on(api, host, "viewer")
    [row] = api.get("/api/v1/stacks/", {"host": host.pk}).json()["results"]
    assert row["state"] == "partly" and row["managed"] is False
    assert [(s["name"], s["state"], [c["id"] for c in s["containers"]]) for s in row["services"]] == [
        ("db", "stopped", [Container.objects.get(host=host, name="legacy-db-1").pk]),
        ("web", "running", [web.pk]),
    ]

    Container.objects.filter(host=host).update(removed_at=T0)
    assert sync_stacks(host) == ([], [stack.pk]) and not Stack.objects.exists()


def test_an_external_stack_is_not_redeployed_before_an_admin_adopts_it(api, host, sent):
    cli_container(host)
    sync_stacks(host)
    stack = Stack.objects.get()
    developer_on(api, host)
    assert api.post(f"/api/v1/stacks/{stack.pk}/redeploy/").json()["code"] == "not_managed"
    assert api.post(f"/api/v1/stacks/{stack.pk}/adopt/").status_code == 403

    admin = make_user()
    make_binding(make_team(admin), "admin", host)
    api.force_authenticate(admin)
    answer = api.post(f"/api/v1/stacks/{stack.pk}/adopt/")
    assert answer.status_code == 202
    assert sent[-1][1]["params"]["config_files"] == ["/srv/legacy/compose.yaml"]
    operation = Operation.objects.get(pk=answer.json()["id"])
    end(operation, result={"compose": COMPOSE, "env": "TOKEN=abc", "source_path": "/srv/legacy/compose.yaml"})

    operation.refresh_from_db()
    stack.refresh_from_db()
    version = stack.versions.get()
    assert "abc" not in str(operation.result) and "compose" not in operation.result
    assert stack.source == StackSource.BERTH and version.env == "TOKEN=abc" and version.state == "deployed"
    assert api.post(f"/api/v1/stacks/{stack.pk}/adopt/").json()["code"] == "already_managed"


def test_a_stack_on_another_host_is_a_404(api, host, sent):
    other = make_online_host("web-2")
    developer_on(api, other)
    assert create(api, host).status_code == 404  # a host the user may not see
    cli_container(host)
    sync_stacks(host)
    assert api.get(f"/api/v1/stacks/{Stack.objects.get().pk}/").status_code == 404
    assert api.get("/api/v1/stacks/").json()["count"] == 0


def test_a_viewer_reads_the_compose_file_with_environment_values_masked(api, host, sent):
    developer_on(api, host)
    compose = (
        "services:\n  web:\n    image: x\n    environment:\n      DB_PASSWORD: hunter2\n      'QUOTED': \"s3\"\n"
        "    command: sleep 1\n  db:\n    image: y\n    environment:\n      - ROOT_PASSWORD=topsecret\n"
        "  cache:\n    image: z\n    environment: {TOKEN: inline-secret}\n"
    )
    stack_id = Operation.objects.get(pk=create(api, host, compose=compose).json()["id"]).target_id
    assert api.get(f"/api/v1/stacks/{stack_id}/").json()["compose"] == compose  # a developer sees it all
    role_on(api, host, "viewer")

    shown = api.get(f"/api/v1/stacks/{stack_id}/").json()["compose"]
    versions = api.get(f"/api/v1/stacks/{stack_id}/versions/").json()["results"]
    for secret in ("hunter2", "s3", "topsecret", "inline-secret"):
        assert secret not in shown and secret not in str(versions)
    assert "DB_PASSWORD: ••••" in shown and "- ROOT_PASSWORD=••••" in shown and "command: sleep 1" in shown
