"""Operations through the real stack: the API answers 202 with the operation, the host worker
runs it on the engine, progress streams on /ws/operations/{id}/, the inventory follows, and
every mistake a user can make is a 4xx sentence or a failed operation that says why."""

import io
import json
import signal
import tarfile
import time
import uuid

import pytest
import websockets.sync.client

from tests.conftest import unique_name
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.operations import LABELS, call, collect_socket, container_named, finished
from tests.support.processes import free_port, wait_until
from tests.support.registry import OpenRegistry, build_layered_image

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory):
    registry = OpenRegistry(str(tmp_path_factory.mktemp("registry"))).start()
    yield registry
    registry.stop()


def run(stack, host, **spec):
    return call(stack, "POST", "/api/v1/containers/", json={"host": host, "labels": LABELS, **spec})


def test_run_then_every_life_cycle_action_shows_in_the_api(stack, local_host):
    host = local_host["id"]
    name = unique_name("ops-run")

    answer = run(stack, host, image=IMAGE, name=name, command="sleep 300", env=["A=1"], restart_policy="no")

    assert answer.status_code == 202, answer.text
    operation = finished(stack, answer.json())
    assert operation["state"] == "succeeded", operation["error"]
    container = container_named(stack, host, name, "running")
    assert operation["result"]["container_id"] == container["engine_id"]
    assert finished(stack, operation["id"])["container"] == container["id"]
    cid = container["id"]

    for verb, body, state in (
        ("stop", {"timeout": 1}, "exited"),
        ("start", None, "running"),
        ("pause", None, "paused"),
        ("unpause", None, "running"),
        ("restart", {"timeout": 1}, "running"),
        ("kill", {"signal": "SIGKILL"}, "exited"),
    ):
        answer = call(stack, "POST", f"/api/v1/containers/{cid}/{verb}/", json=body)
        assert answer.status_code == 202, (verb, answer.text)
        assert finished(stack, answer.json())["state"] == "succeeded", verb
        container_named(stack, host, name, state)

    renamed = name + "-2"
    answer = call(stack, "PATCH", f"/api/v1/containers/{cid}/", json={"name": renamed})
    assert finished(stack, answer.json())["state"] == "succeeded"
    container_named(stack, host, renamed)

    answer = call(stack, "DELETE", f"/api/v1/containers/{cid}/", params={"volumes": "true"})
    assert finished(stack, answer.json())["state"] == "succeeded"
    assert docker("ps", "-aq", "--filter", f"name=^{renamed}$") == ""


def test_run_refusals_are_sentences(stack, local_host):
    host = local_host["id"]
    name, port = unique_name("ops-busy"), free_port()
    first = finished(stack, run(stack, host, image=IMAGE, name=name, command="sleep 300", ports=[f"{port}:80"]).json())
    assert first["state"] == "succeeded", first["error"]
    container_named(stack, host, name, "running")

    cases = [
        (dict(image="Not A Reference!"), 400, "is not a valid image reference"),
        (dict(image=IMAGE, name=name), 409, "already in use"),
        (dict(image=IMAGE, ports=[f"{port}:80"]), 409, "already allocated"),
        (dict(image=IMAGE, ports=["99999:80"]), 400, "between 1 and 65535"),
        (dict(image=IMAGE, ports=["80:eighty"]), 400, "is not a port mapping"),
        (dict(image=IMAGE, env=["NO_EQUALS"]), 400, "is not an environment variable"),
        (dict(image=IMAGE, volumes=["data:relative"]), 400, "must be absolute"),
        (dict(image=IMAGE, volumes=["/etc:/host-etc"]), 201, ""),  # admin may bind-mount: allowed
        (dict(image=IMAGE, memory="lots"), 400, "is not an amount of memory"),
        (dict(image=IMAGE, restart_policy="sometimes"), 400, "is not a restart policy"),
    ]
    for spec, status, words in cases:
        answer = run(stack, host, **spec)
        if status == 201:
            assert answer.status_code == 202, answer.text
            finished(stack, answer.json())
            continue
        assert answer.status_code == status, (spec, answer.text)
        assert words in answer.json()["detail"], (spec, answer.json())


def test_a_port_taken_outside_berth_fails_the_run_and_leaves_nothing_behind(stack, local_host):
    host = local_host["id"]
    port = free_port()
    docker("run", "-d", "--label", TEST_LABEL, "-p", f"{port}:80", IMAGE, "sleep", "300")
    name = unique_name("ops-port")

    # The inventory may not know yet: the engine refuses, and the half-made container goes.
    operation = None
    answer = run(stack, host, image=IMAGE, name=name, command="sleep 300", ports=[f"{port}:80"])
    if answer.status_code == 409:
        assert "already allocated" in answer.json()["detail"]
        return
    operation = finished(stack, answer.json())
    assert operation["state"] == "failed"
    assert operation["error_code"] == "port_allocated"
    assert "already allocated" in operation["error"]
    assert docker("ps", "-aq", "--filter", f"name=^{name}$") == ""


def test_actions_that_need_a_running_container_refuse_a_stopped_one(stack, local_host):
    host = local_host["id"]
    name = unique_name("ops-stopped")
    finished(stack, run(stack, host, image=IMAGE, name=name, command="true").json())
    cid = container_named(stack, host, name, "exited")["id"]

    for verb in ("stop", "kill", "pause", "unpause"):
        answer = call(stack, "POST", f"/api/v1/containers/{cid}/{verb}/")
        assert answer.status_code == 409, verb
        assert "is not" in answer.json()["detail"]


def test_pull_streams_per_layer_progress_then_the_image_shows(stack, local_host, open_registry):
    host = local_host["id"]
    reference = f"{open_registry.address}/berth-test/pull-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=3, size_kb=2048)
    docker("push", reference)
    docker("rmi", reference)

    answer = call(stack, "POST", "/api/v1/images/pull/", json={"host": host, "reference": reference})
    assert answer.status_code == 202, answer.text
    messages = [m for _, m in collect_socket(stack, answer.json()["id"])]

    assert messages[0]["type"] == "operation"
    assert messages[1]["type"] == "snapshot"
    # What happened before the socket opened came in the snapshot; the rest as progress batches.
    layers = [layer for m in messages if m["type"] in ("snapshot", "progress") for layer in m["layers"]]
    last = {layer["id"]: layer for layer in layers}
    pulled = [layer for layer in last.values() if layer["status"] != "Already exists"]
    assert len(pulled) == 3  # the three layers of random bytes (busybox's is on the host already)
    # Each counted its bytes (batches carry each layer's latest state: a fast one may skip phases).
    assert all(layer["phase"] == "done" and layer["total"] > 0 for layer in pulled), pulled
    assert messages[-1]["operation"]["state"] == "succeeded"
    operation = finished(stack, answer.json())
    assert operation["image"] is not None

    # A viewer who connects after the end gets the whole picture at once.
    late = [m for _, m in collect_socket(stack, operation["id"], timeout=5, until=lambda m: m["type"] == "snapshot")]
    assert {layer["id"] for layer in late[-1]["layers"]} == {layer["id"] for layer in layers}


def test_run_pulls_a_missing_image_first(stack, local_host, open_registry):
    host = local_host["id"]
    reference = f"{open_registry.address}/berth-test/run-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=1, size_kb=64)
    docker("push", reference)
    docker("rmi", reference)
    name = unique_name("ops-pulled")

    operation = finished(stack, run(stack, host, image=reference, name=name, command="sleep 300").json())

    assert operation["state"] == "succeeded", operation["error"]
    assert operation["result"]["pulled"]["image_id"].startswith("sha256:")
    assert container_named(stack, host, name, "running")["image"] == reference


def test_pull_errors_end_the_operation_with_a_sentence(stack, local_host, open_registry):
    host = local_host["id"]
    cases = [
        (f"{open_registry.address}/berth-test/none:nope", "image_not_found"),
        ("127.0.0.1:5000/berth-test/private:1", "auth_required"),
        ("127.0.0.1:5999/berth-test/nowhere:1", "registry_unreachable"),
    ]
    for reference, code in cases:
        answer = call(stack, "POST", "/api/v1/images/pull/", json={"host": host, "reference": reference})
        operation = finished(stack, answer.json())
        assert (operation["state"], operation["error_code"]) == ("failed", code), operation
    invalid = call(stack, "POST", "/api/v1/images/pull/", json={"host": host, "reference": "UPPER/Case"})
    assert invalid.status_code == 400
    unknown_registry = {"host": host, "reference": "a:1", "registry": 999999}
    assert call(stack, "POST", "/api/v1/images/pull/", json=unknown_registry).status_code == 404
    elsewhere = {"host": host, "reference": "127.0.0.1:5999/a:1", "registry": 1}  # 1: Docker Hub
    answer = call(stack, "POST", "/api/v1/images/pull/", json=elsewhere)
    assert (answer.status_code, answer.json()["code"]) == (400, "registry_mismatch")


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_build_streams_its_log_and_a_failed_step_says_which(stack, local_host):
    host = local_host["id"]
    tag = f"berth-test/build-{uuid.uuid4().hex[:6]}:1"
    dockerfile = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n"
    context = _tar({"Dockerfile": dockerfile.encode(), "hello.txt": b"hello from the context\n"})

    answer = call(
        stack, "POST", "/api/v1/images/build/", data={"host": host, "tag": tag}, files={"context": ("c.tgz", context)}
    )
    assert answer.status_code == 202, answer.text
    messages = [m for _, m in collect_socket(stack, answer.json()["id"])]

    lines = [line for m in messages if m["type"] == "progress" for line in m["log"]]
    assert any(line.startswith("Step 3/4 : COPY") for line in lines)
    assert "hello from the context" in lines
    assert messages[-1]["operation"]["state"] == "succeeded"
    assert tag in docker("images", "--format", "{{.Repository}}:{{.Tag}}")

    failing = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nRUN echo before\nRUN exit 3\n"
    answer = call(stack, "POST", "/api/v1/images/build/", data={"host": host, "dockerfile": failing})
    operation = finished(stack, answer.json())
    assert operation["state"] == "failed"
    assert operation["error"].startswith("Step 4/4 : RUN exit 3 failed")
    assert "non-zero code: 3" in operation["error"]

    answer = call(stack, "POST", "/api/v1/images/build/", data={"host": host, "dockerfile": "FROMM nothing\n"})
    operation = finished(stack, answer.json())
    assert (operation["state"], operation["error_code"]) == ("failed", "dockerfile_error"), operation


def test_a_builds_history_keeps_no_build_arg_value(stack, local_host):
    # Docker writes the build args a RUN step saw into its history ("|1 PASSWORD=… /bin/sh -c …").
    host = local_host["id"]
    secret = f"s3cret-{uuid.uuid4().hex[:8]}"
    tag = f"berth-test/build-args-{uuid.uuid4().hex[:6]}:1"
    dockerfile = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nARG PASSWORD\nRUN echo built >/built\n"

    answer = call(
        stack,
        "POST",
        "/api/v1/images/build/",
        data={"host": host, "tag": tag, "dockerfile": dockerfile, "buildargs": f"PASSWORD={secret}"},
    )
    assert finished(stack, answer.json())["state"] == "succeeded"
    engine_history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)
    assert f"PASSWORD={secret}" in engine_history  # what Docker keeps, and Berth must not

    def history():
        rows = call(stack, "GET", "/api/v1/images/", params={"host": host, "q": tag}).json()["results"]
        if not rows:
            return None
        layers = call(stack, "GET", f"/api/v1/images/{rows[0]['id']}/history/").json()
        return layers if any("|1 PASSWORD=" in layer["created_by"] for layer in layers) else None

    layers = wait_until(history, 30, what="the built image's history")
    assert secret not in json.dumps(layers)
    assert any(layer["created_by"].startswith("|1 PASSWORD=•••• ") for layer in layers)
    docker("rmi", "-f", tag, check=False)


def test_build_refuses_a_context_that_is_not_a_tar_or_has_no_dockerfile(stack, local_host):
    host = local_host["id"]

    not_tar = call(
        stack, "POST", "/api/v1/images/build/", data={"host": host}, files={"context": ("c.tar", b"x" * 2000)}
    )
    no_dockerfile = call(
        stack, "POST", "/api/v1/images/build/", data={"host": host}, files={"context": ("c.tgz", _tar({"a": b"1"}))}
    )
    nothing = call(stack, "POST", "/api/v1/images/build/", data={"host": host})

    assert not_tar.status_code == 400 and "not a tar" in not_tar.json()["detail"]
    assert no_dockerfile.status_code == 400 and "has no Dockerfile" in no_dockerfile.json()["detail"]
    assert nothing.status_code == 400 and "Type a Dockerfile" in nothing.json()["detail"]


def test_tag_push_export_import_remove_and_prune(stack, local_host, open_registry):
    host = local_host["id"]
    source = f"berth-test/source-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(source, layers=1, size_kb=16)

    def image_with(tag):
        rows = call(stack, "GET", "/api/v1/images/", params={"host": host, "q": tag}).json()["results"]
        return next((r for r in rows if tag in r["tags"]), None)

    from tests.support.processes import wait_until

    image = wait_until(lambda: image_with(source), 15, what="the built image")
    target = f"{open_registry.address}/berth-test/pushed-{uuid.uuid4().hex[:6]}:2"

    tagged = finished(
        stack,
        call(
            stack,
            "POST",
            f"/api/v1/images/{image['id']}/tag/",
            json={"repository": target.rsplit(":", 1)[0], "tag": "2"},
        ).json(),
    )
    assert tagged["state"] == "succeeded", tagged["error"]
    wait_until(lambda: image_with(target), 15, what="the new tag")

    pushed = finished(
        stack, call(stack, "POST", f"/api/v1/images/{image['id']}/push/", json={"reference": target}).json()
    )
    assert pushed["state"] == "succeeded", pushed["error"]
    assert pushed["result"]["digest"].startswith("sha256:")

    exported = finished(stack, call(stack, "POST", f"/api/v1/images/{image['id']}/export/").json())
    assert exported["state"] == "succeeded", exported["error"]
    download = call(stack, "GET", f"/api/v1/operations/{exported['id']}/download/")
    assert download.status_code == 200
    assert download.content[257:262] == b"ustar"

    untag = call(stack, "DELETE", f"/api/v1/images/{image['id']}/", params={"tag": target})
    assert finished(stack, untag.json())["state"] == "succeeded"
    removed = finished(stack, call(stack, "DELETE", f"/api/v1/images/{image['id']}/", params={"force": "true"}).json())
    assert removed["state"] == "succeeded", removed["error"]
    assert docker("images", "-q", source) == ""

    imported = call(
        stack, "POST", "/api/v1/images/import/", data={"host": host}, files={"archive": ("a.tar", download.content)}
    )
    assert imported.status_code == 202, imported.text
    loaded = finished(stack, imported.json())
    assert loaded["state"] == "succeeded", loaded["error"]
    assert loaded["result"]["loaded"] == [exported["result"]["name"]]
    not_tar = call(
        stack, "POST", "/api/v1/images/import/", data={"host": host}, files={"archive": ("a.tar", b"x" * 600)}
    )
    assert not_tar.status_code == 400

    pruned = finished(stack, call(stack, "POST", "/api/v1/images/prune/", json={"host": host}).json())
    assert pruned["state"] == "succeeded", pruned["error"]
    docker("rmi", "-f", source, exported["result"]["name"], check=False)


def test_changes_and_commit(stack, local_host):
    host = local_host["id"]
    name = unique_name("ops-diff")
    finished(
        stack,
        run(
            stack, host, image=IMAGE, name=name, command=["sh", "-c", "echo x > /made.txt; rm /bin/vi; sleep 300"]
        ).json(),
    )
    cid = container_named(stack, host, name, "running")["id"]

    from tests.support.processes import wait_until

    def changes():
        answer = call(stack, "GET", f"/api/v1/containers/{cid}/diff/")
        assert answer.status_code == 200, answer.text
        found = {c["path"]: c["kind"] for c in answer.json()["changes"]}
        return found if "/made.txt" in found else None

    # With a websocket open on the web process (as a browser page has), whose consumer is reading
    # the process's own channel-layer channel meanwhile.
    url = stack.base_url.replace("http", "ws") + f"/ws/events/?token={stack.token}"
    with websockets.sync.client.connect(url, origin=stack.base_url) as socket:
        assert json.loads(socket.recv(10))["type"] == "hello"
        found = wait_until(changes, 10, interval=0.3, what="the container's changes")
    assert found["/made.txt"] == "added"
    assert found["/bin/vi"] == "deleted"

    repository = f"berth-test/committed-{uuid.uuid4().hex[:6]}"
    committed = finished(
        stack,
        call(
            stack,
            "POST",
            f"/api/v1/containers/{cid}/commit/",
            json={"repository": repository, "tag": "snap", "message": "with made.txt", "author": "tester"},
        ).json(),
    )
    assert committed["state"] == "succeeded", committed["error"]
    assert docker("image", "inspect", "-f", "{{.Comment}}|{{.Author}}", f"{repository}:snap") == "with made.txt|tester"
    docker("rmi", "-f", f"{repository}:snap", check=False)


def test_slow_stops_leave_the_host_worker_free_for_other_operations(stack, local_host):
    # `sleep` as a container's PID 1 ignores SIGTERM: each stop waits its whole timeout. As many
    # of them as the worker has threads (4) once held every thread; now they hold the lifecycle
    # lane's, and a run sent after them is done at once.
    host = local_host["id"]
    names = [unique_name("ops-slow-stop") for _ in range(4)]
    for name in names:
        assert (
            finished(stack, run(stack, host, image=IMAGE, name=name, command="sleep 300").json())["state"]
            == "succeeded"
        )
    ids = [container_named(stack, host, name, "running")["id"] for name in names]

    stops = [call(stack, "POST", f"/api/v1/containers/{cid}/stop/", json={"timeout": 8}) for cid in ids]
    assert all(answer.status_code == 202 for answer in stops)
    wait_until(
        lambda: all(
            call(stack, "GET", f"/api/v1/operations/{a.json()['id']}/").json()["state"] == "running" for a in stops
        ),
        10,
        what="the stops to run",
    )
    sent = time.monotonic()
    quick = run(stack, host, image=IMAGE, name=unique_name("ops-quick"), command="true")
    operation = finished(stack, quick.json(), timeout=30)
    took = time.monotonic() - sent

    assert operation["state"] == "succeeded", operation["error"]
    assert took < 5, f"a run behind four slow stops took {took:.1f} s"
    assert all(finished(stack, answer.json(), timeout=30)["state"] == "succeeded" for answer in stops)


def test_an_offline_host_refuses_at_once_and_a_lost_one_fails_its_running_operation(stack, host_name):
    worker = stack.host_worker(host_name)
    host = stack.wait_for_host(host_name, "online", timeout=15)["id"]
    name = unique_name("ops-lost")
    build = call(
        stack,
        "POST",
        "/api/v1/images/build/",
        data={"host": host, "dockerfile": f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nRUN sleep 60\n"},
    )
    assert build.status_code == 202
    wait_until(
        lambda: call(stack, "GET", f"/api/v1/operations/{build.json()['id']}/").json()["state"] == "running",
        15,
        what="the build to run",
    )

    worker.stop(signal.SIGKILL)
    operation = finished(stack, build.json(), timeout=30)

    assert operation["state"] == "failed"
    assert operation["error_code"] == "host_lost"
    assert operation["error"].startswith("Host lost")
    stack.wait_for_host(host_name, "offline", timeout=20)
    refused = run(stack, host, image=IMAGE, name=name)
    assert refused.status_code == 503
    assert "offline" in refused.json()["detail"]
    assert call(stack, "GET", "/api/v1/operations/", params={"host": host}).json()["count"] == 1
