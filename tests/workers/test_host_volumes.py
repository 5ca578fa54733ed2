"""Issue 12, item 1: a named volume whose driver options bind a host path is judged on the host,
which alone sees it, before anything is created."""

import pytest

from engine.errors import OperationFailed
from engine.volumes import host_path_of
from wire.run_spec import RunSpec
from workers.operations import kinds


@pytest.mark.parametrize(
    ("driver", "options", "path"),
    [
        ("local", {"type": "none", "o": "bind", "device": "/etc"}, "/etc"),
        ("local", {"type": "none", "o": "rbind,ro", "device": "/srv"}, "/srv"),
        ("local", {"type": "none", "o": "ro,bind", "device": "/srv"}, "/srv"),
        ("local", {"type": "ext4", "device": "/dev/sda1"}, "/dev/sda1"),
        ("local", {"type": "tmpfs", "device": "tmpfs", "o": "size=100m"}, None),
        ("local", {"type": "nfs", "o": "addr=10.0.0.1,rw", "device": ":/export"}, None),
        ("local", None, None),
        ("", {}, None),
        ("some-plugin", {"device": "/etc", "o": "bind"}, None),
    ],
)
def test_the_host_path_a_volumes_options_bind(driver, options, path):
    assert host_path_of(driver, options) == path


def run_spec(*volumes):
    return RunSpec.from_wire(
        {"image": "busybox", "volumes": [{"type": "volume", "source": v, "target": "/d"} for v in volumes]}
    )


def test_a_run_that_may_not_mounting_a_bind_volume_fails_naming_it(monkeypatch):
    paths = {"hostetc": "/etc", "data": None}
    monkeypatch.setattr(kinds, "volume_host_path", lambda engine, name: paths[name])

    with pytest.raises(OperationFailed) as failed:
        kinds.refuse_host_volumes(object(), run_spec("data", "hostetc"))

    assert failed.value.code == "dangerous_option"
    assert "volume hostetc (binds host path /etc)" in failed.value.message
    assert "data" not in failed.value.message.replace("hostetc", "")


def test_ordinary_volumes_pass(monkeypatch):
    monkeypatch.setattr(kinds, "volume_host_path", lambda engine, name: None)

    kinds.refuse_host_volumes(object(), run_spec("data", "cache"))
