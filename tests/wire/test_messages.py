"""Each message on the wire survives its trip (to_wire, JSON, from_wire) unchanged, and a report that
is not shaped like one is refused with a sentence that says what is wrong."""

import json

import pytest

from wire import stream_messages as sm
from wire import streams as m
from wire.inventory import InvalidInventory, InventoryBatch, Snapshot
from wire.progress import OperationProgress, ProgressSnapshot
from wire.records import ContainerRecord, ImageRecord
from wire.reports import EngineFacts, InvalidReport, OperationReport, Report, WorkerFacts, parse_report
from wire.run_spec import PortMapping, RestartPolicy, RunSpec, VolumeMount
from wire.tasks import OperationRequest, OperationTask


def over_the_wire(message: dict) -> dict:
    """What the other side reads: the broker carries JSON."""
    return json.loads(json.dumps(message))


def envelope(kind: str = "heartbeat", **parts) -> Report:
    return Report(
        kind=kind,
        host="web-1",
        name="Web 1",
        instance="i-1",
        seq=7,
        sent_at="2030-01-01T00:00:00+00:00",
        worker=WorkerFacts(machine="box-a", pid=12, version="0.1.0", docker_host="unix:///var/run/docker.sock"),
        **parts,
    )


def container() -> ContainerRecord:
    return ContainerRecord(
        engine_id="c" * 64,
        name="web",
        image="busybox:latest",
        image_id="sha256:" + "b" * 64,
        command="sleep 3600",
        state="running",
        created="2030-01-01T11:00:00Z",
        ports=[{"private_port": 80, "public_port": 8080, "ip": "0.0.0.0", "type": "tcp"}],
        labels={"a": "b"},
        inspect={"Id": "c" * 64},
    )


def image() -> ImageRecord:
    return ImageRecord(engine_id="sha256:" + "b" * 64, tags=["busybox:latest"], digests=[], size=10, created=None)


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report",
    [
        envelope("hello", engine=EngineFacts(reachable=True, info={"engine_id": "E:1", "cpus": 4})),
        envelope("heartbeat", engine=EngineFacts(reachable=False, error="connection refused")),
        envelope(
            "heartbeat",
            engine=EngineFacts(
                reachable=True,
                info={"engine_id": "E:1", "memory": 8 << 30, "docker_root_dir": "/var/lib/docker"},
                usage={"memory_available": 3 << 30, "disk_total": 100 << 30, "disk_used": 42 << 30},
            ),
        ),
        envelope("goodbye", engine=EngineFacts(reachable=True)),
        envelope("refused", reason="name in use"),
        envelope(
            "inventory",
            inventory=InventoryBatch(
                observed_seq=6,
                containers=[container().to_wire()],
                images=[image().to_wire()],
                removed_containers=["d" * 64],
                removed_images=[],
                snapshot=Snapshot(frozenset({"c" * 64}), frozenset({"sha256:" + "b" * 64})),
            ),
        ),
        envelope("operation", operation=OperationReport(3, "running")),
        envelope(
            "operation",
            operation=OperationReport(
                3,
                "failed",
                result={},
                error="No such image.",
                error_code="image_not_found",
                progress={"layers": [], "status": "", "step": ""},
                log=["Pulling"],
                sent_events=2,
            ),
        ),
    ],
    ids=lambda report: report.kind,
)
def test_every_report_kind_reads_back_as_it_was_sent(report):
    assert parse_report(over_the_wire(report.to_wire())) == report


def test_a_running_operation_report_carries_only_its_id_and_state():
    assert OperationReport(3, "running").to_wire() == {"id": 3, "state": "running"}


def test_records_and_batches_keep_every_field():
    record = container()
    batch = InventoryBatch(1, [record.to_wire()], [image().to_wire()], [], ["x"])

    assert ContainerRecord(**over_the_wire(record.to_wire())) == record
    assert ImageRecord(**over_the_wire(image().to_wire())) == image()
    assert InventoryBatch.from_wire(over_the_wire(batch.to_wire()), seq=1) == batch


def test_the_operation_task_round_trips_and_its_printable_form_hides_the_credentials():
    task = OperationTask(
        OperationRequest(5, "image.pull", {"reference": "busybox"}), {"password": "s3cret"}, "berth-sealed-1:k"
    )

    assert OperationTask.from_wire(**over_the_wire(task.to_wire())) == task
    assert "s3cret" not in repr(task.shown()) and "sealed" not in repr(task.shown())
    assert task.shown() == {"operation": {"id": 5, "kind": "image.pull"}, "auth_config": "***", "key": "***"}


def test_a_run_spec_round_trips_and_leaves_out_its_empty_options():
    spec = RunSpec(
        image="busybox:latest",
        name="web",
        command=["sleep", "60"],
        env={"A": "1"},
        ports=[PortMapping(80, 8080), PortMapping(53, None, "udp", "127.0.0.1")],
        volumes=[VolumeMount("volume", "data", "/data"), VolumeMount("anonymous", "", "/cache", read_only=True)],
        restart_policy=RestartPolicy("on-failure", 3),
        memory=64 * 1024**2,
        cpus=0.5,
    )

    wire = spec.to_wire()

    assert RunSpec.from_wire(over_the_wire(wire)) == spec
    assert "entrypoint" not in wire and "user" not in wire  # empty: not sent
    assert wire["tty"] is False and wire["stdin_open"] is False  # always sent
    assert wire["ports"][0] == {"container_port": 80, "host_port": 8080, "protocol": "tcp", "host_ip": ""}


@pytest.mark.parametrize(
    "message",
    [
        sm.Ready("abc", "specific.x!y", {"tty": True, "command": ["/bin/sh"]}),
        sm.Data(3, b"\x00bytes\xff"),
        sm.Data(4, [{"stream": "stdout", "data": "a line\n"}]),
        sm.End(0, "The process exited with code 0."),
        sm.End(None, "The container was removed."),
        sm.Error("The container is not running."),
        sm.Ack(8),
        sm.Input(b"ls\r"),
        sm.Resize(120, 40),
        sm.Pause(),
        sm.Resume(),
        sm.Close(),
        sm.KeepAlive(),
    ],
    ids=lambda message: message.type,
)
def test_every_stream_message_reads_back_as_it_was_sent(message):
    wire = message.to_wire()

    assert wire["type"] == message.type
    assert sm.parse_message(wire) == message


def test_an_open_request_carries_its_kinds_parameters_and_a_deadline():
    wire = m.open_request("terminal", "abc", "specific.x!y", "c" * 64, cmd=["/bin/sh"], cols=100)

    opened = m.OpenRequest.from_wire(wire)

    assert wire["type"] == "terminal.open"
    assert (opened.kind, opened.session, opened.reply_to, opened.container) == (
        "terminal",
        "abc",
        "specific.x!y",
        "c" * 64,
    )
    assert opened.params == {"cmd": ["/bin/sh"], "cols": 100}
    assert opened.deadline > 0
    assert opened.to_wire() == wire


def test_a_stream_message_of_an_unknown_type_is_ignored():
    assert sm.parse_message({"type": "stream.gossip"}) is None


def test_progress_batches_and_snapshots_round_trip():
    layer = {"id": "a1", "status": "Downloading", "current": 5, "total": 10}
    batch = OperationProgress(operation=4, seq=2, layers=[layer], status="Pulling", log=["Pulling busybox"])
    snapshot = ProgressSnapshot(seq=2, layers=[layer], status="Pulling", step="Step 1/2", log=["a", "b"])

    assert batch.to_wire()["type"] == "operation.progress"
    assert OperationProgress.from_wire(over_the_wire(batch.to_wire())) == batch
    assert ProgressSnapshot.from_wire(over_the_wire(snapshot.to_wire())) == snapshot


# -- refusals --------------------------------------------------------------------------------


def good(kind: str = "heartbeat", **changes) -> dict:
    return {**envelope(kind, engine=EngineFacts(reachable=True)).to_wire(), **changes}


@pytest.mark.parametrize(
    ("report", "sentence"),
    [
        (["not", "a", "dict"], "report is a list, not an object"),
        ({**good(), "seq": 0, "instance": ""}, "report lacks instance, seq"),
        (good(kind="gossip"), "unknown report kind 'gossip'"),
        ({**good(), "seq": "7"}, "report seq is not an integer"),
        ({**good(), "name": 5}, "report host, name and instance must be text"),
        ({**good(), "host": "Web 1"}, "report host 'Web 1' is not a host slug"),
        ({**good(), "worker": "box-a"}, "report worker is not an object"),
        ({**good(), "engine": {"reachable": True, "info": ["x"]}}, "report engine info is not an object"),
        ({**good(), "engine": {"info": {"cpus": "4"}}}, "report engine info has a count that is not an integer"),
        (good("inventory", inventory=[]), "report inventory: inventory is not an object"),
        (
            good("inventory", inventory={"observed_seq": 8}),
            "report inventory: observed_seq 8 is not between 0 and the report's seq 7",
        ),
        (good("operation", operation={"state": "running"}), "operation report lacks the operation's id"),
        (good("operation", operation={"id": 1, "state": "dozing"}), "operation report has an unknown state 'dozing'"),
        (good("operation", operation={"id": 1, "state": "failed", "log": "x"}), "operation report log is not a list"),
    ],
)
def test_a_malformed_report_is_refused_with_its_sentence(report, sentence):
    with pytest.raises(InvalidReport) as refused:
        parse_report(report)

    assert str(refused.value) == sentence


def test_an_inventory_of_the_wrong_shape_is_refused_whole():
    with pytest.raises(InvalidInventory, match="containers is not a list of objects"):
        InventoryBatch.from_wire({"observed_seq": 1, "containers": ["c1"]}, seq=1)
