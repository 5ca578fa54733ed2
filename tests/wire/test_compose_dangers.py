"""The dangerous-option rule read on a compose file: compose's normalized form (long syntax, the
keys compose writes) and the file as written (short syntax) give the same words, per service."""

from __future__ import annotations

import pytest

from wire.dangers import compose_dangers
from wire.stacks import StackTask

NORMALIZED = {
    "name": "demo",
    "services": {
        "web": {
            "image": "x",
            "network_mode": "host",
            "pid": "host",
            "ipc": "container:db",
            "privileged": True,
            "cap_add": ["NET_ADMIN"],
            "devices": [{"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"}],
            "security_opt": ["apparmor=unconfined"],
            "userns_mode": "host",
            "volumes": [
                {"type": "bind", "source": "/var/run/docker.sock", "target": "/s"},
                {"type": "volume", "source": "data", "target": "/d"},
            ],
        },
        "db": {"image": "y", "network_mode": "service:web", "volumes": [{"type": "volume", "source": "data"}]},
    },
    "volumes": {
        "data": {"name": "demo_data"},
        "hostdir": {"name": "demo_hostdir", "driver": "local", "driver_opts": {"o": "bind", "device": "/srv"}},
        "tmp": {"driver_opts": {"type": "tmpfs", "device": "tmpfs"}},
    },
}


def test_every_dangerous_option_of_the_normalized_form_is_named_with_its_service():
    assert compose_dangers(NORMALIZED) == [
        "privileged mode (service web)",
        "host network (service web)",
        "host PID namespace (service web)",
        "IPC namespace of container db (service web)",
        "bind mount of host path /var/run/docker.sock (service web)",
        "added capabilities (NET_ADMIN) (service web)",
        "host devices (service web)",
        "security options (service web)",
        "host user namespace (service web)",
        "volume hostdir (binds host path /srv)",
    ]


@pytest.mark.parametrize(
    ("service", "named"),
    [
        ({"volumes": ["/etc:/etc:ro"]}, ["bind mount of host path /etc (service s)"]),
        ({"volumes": ["./data:/data"]}, ["bind mount of host path ./data (service s)"]),
        ({"volumes": ["data:/data"]}, []),
        ({"network_mode": "HOST"}, ["host network (service s)"]),
        ({"privileged": "false"}, []),
        ({"privileged": False, "pid": None}, []),
    ],
)
def test_the_file_as_written_is_judged_in_the_same_words(service, named):
    assert compose_dangers({"services": {"s": {"image": "x", **service}}}) == named


@pytest.mark.parametrize("hostile", [None, [], "services", {"services": ["a"]}, {"services": {"a": "b"}}])
def test_what_is_not_a_compose_mapping_has_no_dangers_and_no_crash(hostile):
    assert compose_dangers(hostile) == []


def test_a_stack_task_leaves_out_what_it_does_not_carry():
    task = StackTask(project="demo", compose="services: {}", pull=True)
    assert task.to_wire() == {"project": "demo", "compose": "services: {}", "pull": True}
    assert StackTask.from_wire({**task.to_wire(), "unknown": 1}) == task


def test_files_compose_would_read_outside_the_project_folder_are_dangerous():
    config = {
        "services": {
            "web": {
                "image": "x",
                "env_file": [{"path": "/srv/p/.env"}, {"path": "/etc/shadow"}],
                "build": {"context": "/"},
                "extends": {"file": "../other/compose.yaml", "service": "a"},
            },
            "ok": {"image": "x", "env_file": "app.env", "build": "https://example.invalid/repo.git"},
        },
        "configs": {"c": {"file": "/root/.ssh/id_rsa"}, "mine": {"file": "/srv/p/conf"}},
        "secrets": {"s": {"file": "../../etc/passwd"}},
        "include": ["/etc/compose.yaml", {"path": ["sub/compose.yaml"]}],
    }
    assert compose_dangers(config, "/srv/p") == [
        "host file /etc/shadow (service web)",
        "host file / (service web)",
        "host file ../other/compose.yaml (service web)",
        "host file /root/.ssh/id_rsa (config c)",
        "host file ../../etc/passwd (secret s)",
        "host file /etc/compose.yaml (include)",
    ]
