"""A host speaks only for itself, on a broker with ACLs (a private redis-server, the way
`make run` runs one): with one host's credentials a client cannot reach another host's queue or
the portal's; a task not signed by the portal is not run; a report in another host's name is
dropped and shown on that host's page; the broker never sees a registry password; rotating a
host's credentials cuts its worker off at once."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid

import pytest
import redis
import websockets

from tests.integration.test_terminal import run_container, terminal
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.operations import finished
from tests.support.processes import Stack, wait_until
from tests.support.redis_process import PrivateRedis
from tests.support.registry import AUTH, REGISTRY, build_layered_image, push_with_cli
from wire import streams as m
from wire.keys import HostKeys
from wire.layer import URGENT, BerthChannelLayer, channel_layer_config
from wire.names import (
    OPERATION_TASK,
    REPORT_TASK,
    host_broker_user,
    host_channel_owner,
    host_queue,
    operation_group,
    operation_progress_key,
)
from wire.progress import OperationProgress, ProgressSnapshot, signed_snapshot
from wire.signing import sign_report
from wire.stream_signing import new_stream_key
from workers.app import make_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker():
    private = PrivateRedis().start()
    yield private
    private.stop()


@pytest.fixture(scope="module")
def acl_stack(tmp_path_factory, broker):
    stack = Stack(data_dir=tmp_path_factory.mktemp("berth-acl"), redis_url=broker.url).start()
    yield stack
    stack.stop()
    remove_test_objects()


def refused(call) -> bool:
    try:
        call()
    except redis.exceptions.NoPermissionError:
        return True
    return False


def test_a_host_speaks_only_for_itself(acl_stack, broker):
    stack = acl_stack
    a, b = f"trust-a-{uuid.uuid4().hex[:4]}", f"trust-b-{uuid.uuid4().hex[:4]}"
    b_env = stack.enroll(b)
    worker = stack.host_worker(a)
    stack.wait_for_host(a, "online", timeout=20)
    a_env = stack.enrollments[a]
    assert a_env["REDIS_URL"].startswith(f"redis://{host_broker_user(a)}:")
    as_a = redis.Redis.from_url(a_env["REDIS_URL"], socket_timeout=5)

    # Least privilege: nothing of B's, nothing of the portal's, no key listing, no pub/sub.
    for call in (
        lambda: as_a.lrange(host_queue(b), 0, -1),
        lambda: as_a.brpop([host_queue(b)], timeout=0.1),
        lambda: as_a.lpush(host_queue(b), "x"),
        lambda: as_a.lrange("portal", 0, -1),
        lambda: as_a.brpop(["portal"], timeout=0.1),
        lambda: as_a.hgetall("unacked"),
        lambda: as_a.get(f"berth:host-claim:{b}"),
        lambda: as_a.zrange(f"berth:asgiberth.host.{b}.streams", 0, -1),
        lambda: as_a.keys("*"),
        lambda: as_a.scan(0),
        lambda: as_a.execute_command("SUBSCRIBE", "anything"),
        lambda: as_a.execute_command("ACL", "LIST"),
        lambda: as_a.execute_command("CLIENT", "LIST"),
    ):
        assert refused(call)
    assert not refused(lambda: as_a.lrange(host_queue(a), 0, -1))  # its own queue it may read

    # A task on A's own queue that the portal did not sign is refused, and nothing runs.
    rogue = make_app(a_env["REDIS_URL"], host_queue(a), a)
    marker = f"rogue-{uuid.uuid4().hex[:6]}"
    spec = {"image": "busybox", "name": marker}
    rogue.send_task(OPERATION_TASK, kwargs={"operation": {"id": 1, "kind": "container.run", "params": {"spec": spec}}})
    wait_until(lambda: "Refused a berth.host.operation task" in worker.log(), 10, what="the refusal in the log")
    assert not docker("ps", "-aq", "--filter", f"name={marker}", check=False)

    # A report in B's name, signed with A's key, is dropped and shown on B's page.
    forged = {"kind": "hello", "host": b, "name": b, "instance": "x" * 32, "seq": 1, "worker": {"machine": "evil"}}
    signature = sign_report(HostKeys.from_text(a_env["BERTH_HOST_KEY"]), forged)
    rogue.send_task(REPORT_TASK, kwargs={"report": forged, "signature": signature}, queue="portal", declare=[])
    host_b = wait_until(lambda: (stack.host(b) or {}).get("forged_report") and stack.host(b), 10, what="B's warning")
    assert host_b["status"] == "unknown"
    assert b_env["BERTH_HOST_KEY"] != a_env["BERTH_HOST_KEY"]

    # A pull with registry credentials: the broker sees no password, the pull works.
    reference = f"{REGISTRY}/berth-test/sealed-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=1, size_kb=8)
    push_with_cli(reference)
    docker("rmi", reference)
    registry = stack.post(
        "/api/v1/registries/",
        {
            "name": f"sealed-{uuid.uuid4().hex[:6]}",
            "url": f"http://{REGISTRY}",
            "username": AUTH["username"],
            "password": AUTH["password"],
            "check_connection": False,
        },
    )
    assert registry.status_code == 201, registry.text
    seen: list[str] = []
    monitor_ready = threading.Event()

    def monitor():
        with broker.client().monitor() as watching:
            monitor_ready.set()
            for command in watching.listen():
                seen.append(command["command"])
                if len(seen) > 50000 or stop_monitor.is_set():
                    return

    stop_monitor = threading.Event()
    watcher = threading.Thread(target=monitor, daemon=True)
    watcher.start()
    monitor_ready.wait(5)
    pull = stack.post(
        "/api/v1/images/pull/", {"host": stack.host(a)["id"], "reference": reference, "registry": registry.json()["id"]}
    )
    assert pull.status_code == 202, pull.text
    assert finished(stack, pull.json())["state"] == "succeeded"
    stop_monitor.set()
    broker.client().ping()  # one more command, so the monitor sees the stop
    watcher.join(5)
    assert any(OPERATION_TASK in line for line in seen), "the monitor saw the operation task"
    assert not any(AUTH["password"] in line for line in seen)
    docker("rmi", "-f", reference, check=False)

    # Rotation: the old worker's connections are closed at once, and its credentials refused.
    user = host_broker_user(a)
    admin = broker.client()
    assert any(c.get("user") == user for c in admin.client_list())
    started = time.monotonic()
    assert stack.post(f"/api/v1/hosts/{stack.host(a)['id']}/rotate/", {}).status_code == 201
    wait_until(lambda: not any(c.get("user") == user for c in admin.client_list()), 1, interval=0.02, what="cut off")
    cut_after = time.monotonic() - started
    assert cut_after < 1.0
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis.from_url(a_env["REDIS_URL"]).ping()
    worker.stop()


PORTAL_CHANNEL = re.compile(rb"specific\.portal\.[0-9a-f]{16}![0-9a-f]{32}")
HOST_CHANNEL_KEY = re.compile(rb"berth:asgi(specific\.host-[0-9a-f]{16}\.[0-9a-f]{16}!)")


def test_a_host_cannot_write_into_another_hosts_stream(acl_stack, broker):
    """Host A has learned the web side's channel of a terminal on host B (the worst case: here by
    MONITOR on the broker) and writes terminal output into it with its own broker user: unsigned,
    and signed with a key of its own. The browser never sees those bytes, the session goes on, and
    B's page says a stream message in its name was refused. The other way, A cannot write at all:
    the channel where B's session takes its input, resizes and close (learned the same way) is B's
    alone on the broker, urgent lane included, so control messages need no MAC of their own."""
    stack = acl_stack
    a, b = f"inject-a-{uuid.uuid4().hex[:4]}", f"inject-b-{uuid.uuid4().hex[:4]}"
    a_env = stack.enroll(a)
    worker = stack.host_worker(b)
    host_b = stack.wait_for_host(b, "online", timeout=20)
    box = run_container(stack, host_b)

    channels: list[bytes] = []
    b_channels: list[bytes] = []
    b_owner = host_channel_owner(b).encode()
    stop = threading.Event()

    def monitor():
        with broker.client().monitor() as watching:
            for command in watching.listen():
                line = command["command"].encode(errors="replace")
                channels.extend(PORTAL_CHANNEL.findall(line))
                b_channels.extend(c for c in HOST_CHANNEL_KEY.findall(line) if b_owner in c)
                if (channels and b_channels) or stop.is_set():
                    return

    spy = threading.Thread(target=monitor, daemon=True)
    spy.start()
    time.sleep(0.3)

    async def session():
        async with terminal(stack, box["id"], cmd="/bin/sh") as shell:
            await shell.ready()
            await shell.type("echo before-$((6*7))\r")
            await shell.read_until(b"before-42")
            for _ in range(50):
                if channels and b_channels:
                    break
                await shell.type("\r")
                await asyncio.sleep(0.1)
            reply_to = channels[0].decode()
            as_a = BerthChannelLayer(**channel_layer_config(a_env["REDIS_URL"]), owner=host_channel_owner(a))
            try:
                session_channel = b_channels[0].decode() + "0" * 32
                for message in (
                    {"type": m.INPUT, "data": b"echo INJECTED-INPUT\r", URGENT: True},
                    {"type": m.INPUT, "data": b"echo INJECTED-INPUT\r"},
                    {"type": m.RESIZE, "cols": 3, "rows": 3},
                    {"type": m.CLOSE},
                ):
                    with pytest.raises(redis.exceptions.NoPermissionError):
                        await as_a.send(session_channel, message)
                for seq in range(1, 40):
                    forged = {"type": m.DATA, "seq": seq, "data": b"INJECTED-BY-A\r\n", URGENT: True}
                    await as_a.send(reply_to, forged)
                    await as_a.send(reply_to, new_stream_key().sign(forged))
                await as_a.send(reply_to, {"type": m.END, "code": 0, "reason": "A ended it."})
            finally:
                await as_a.close_pools()
            await asyncio.sleep(0.5)
            await shell.type("echo after-$((6*8))\r")
            await shell.read_until(b"after-48")
            return shell.output, shell.controls

    output, controls = run_async(session())
    stop.set()
    broker.client().ping()
    spy.join(5)

    assert b"INJECTED" not in output
    assert not [c for c in controls if c.get("type") in ("exit", "error")], controls
    warned = wait_until(lambda: (stack.host(b) or {}).get("forged_report"), 10, what="B's warning")
    assert "terminal stream message in this host's name was refused" in warned
    web = next(p for p in stack.processes if p.name == "web")
    assert "Refused a message on a terminal stream of host" in web.log()
    worker.stop()


def test_a_host_cannot_forge_another_hosts_operation_progress(acl_stack, broker):
    """Host A knows the id of an operation running on host B (ids are counted) and, with its own
    broker user, writes into that operation's group — batches unsigned and signed with a key of
    its own, and a state that says it succeeded — and tries to overwrite and delete its snapshot,
    which the broker refuses (NOPERM). The browser following the operation never sees any of it, a
    viewer who joins late gets B's snapshot, B's genuine progress still arrives, and B's page says
    progress in its name was refused."""
    stack = acl_stack
    a, b = f"prog-a-{uuid.uuid4().hex[:4]}", f"prog-b-{uuid.uuid4().hex[:4]}"
    a_env = stack.enroll(a)
    worker = stack.host_worker(b)
    host_b = stack.wait_for_host(b, "online", timeout=20)
    dockerfile = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nRUN echo genuine-before && sleep 3 && echo genuine-after\n"
    build = stack.post("/api/v1/images/build/", {"host": host_b["id"], "dockerfile": dockerfile})
    assert build.status_code == 202, build.text
    operation_id = build.json()["id"]
    url = stack.base_url.replace("http://", "ws://") + f"/ws/operations/{operation_id}/?token={stack.token}"

    async def follow(until_snapshot: bool = False) -> list[dict]:
        seen = []
        async with websockets.connect(url, origin=stack.base_url, open_timeout=10) as socket:
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 60))
                seen.append(message)
                if until_snapshot and message["type"] == "snapshot":
                    return seen
                if message["type"] == "progress" and "genuine-before" in message["log"] and not forged_at:
                    forged_at.append(time.monotonic())
                    await forge()
                    late.extend(await follow(until_snapshot=True))
                if message["type"] == "operation" and message["operation"]["state"] in ("succeeded", "failed"):
                    return seen

    async def forge() -> None:
        as_a = BerthChannelLayer(**channel_layer_config(a_env["REDIS_URL"]), owner=host_channel_owner(a))
        group = operation_group(operation_id)
        try:
            for seq in range(2, 30):
                batch = OperationProgress(operation_id, seq, status="FORGED-BY-A", log=["FORGED-BY-A"]).to_wire()
                await as_a.group_send(group, batch)
                await as_a.group_send(group, new_stream_key().sign(batch))
            claimed = {"id": operation_id, "state": "succeeded", "result": {"image_id": "FORGED-BY-A"}}
            await as_a.group_send(group, {"type": "operation.state", "operation": claimed})
        finally:
            await as_a.close_pools()
        # B's operation keys are B's: A can neither overwrite its snapshot nor delete it.
        forged_snapshot = signed_snapshot(new_stream_key(), ProgressSnapshot(seq=99, log=["FORGED-BY-A"]))
        as_a_redis, b_key = (
            redis.Redis.from_url(a_env["REDIS_URL"]),
            operation_progress_key(host_b["slug"], operation_id),
        )
        for attempt in (lambda: as_a_redis.set(b_key, forged_snapshot), lambda: as_a_redis.delete(b_key)):
            with pytest.raises(redis.exceptions.NoPermissionError):
                attempt()

    forged_at: list[float] = []
    late: list[dict] = []
    seen = run_async(follow())

    assert forged_at, "the forgeries were sent while the build ran"
    assert "FORGED-BY-A" not in json.dumps(seen) and "FORGED-BY-A" not in json.dumps(late)
    lines = [line for m in seen if m["type"] == "progress" for line in m["log"]]
    assert "genuine-before" in lines and "genuine-after" in lines  # B's own, before and after
    states = [m["operation"]["state"] for m in seen if m["type"] == "operation"]
    assert states[-1] == "succeeded" and "succeeded" not in states[:-1], states  # A's claim was not believed
    late_snapshots = [m for m in late if m["type"] == "snapshot"]
    assert len(late_snapshots) == 1 and late_snapshots[0]["seq"] != 99  # B's own, not A's
    warned = wait_until(lambda: (stack.host(b) or {}).get("forged_report"), 10, what="B's warning")
    assert "progress stream message in this host's name was refused" in warned
    web = next(p for p in stack.processes if p.name == "web")
    assert web.log().count(f"Refused a message on operation {operation_id}'s progress") == 1
    worker.stop()
