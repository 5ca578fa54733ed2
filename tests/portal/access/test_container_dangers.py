"""Issue 12, item 2: a container's danger is read from its stored inspect, in the words of the run
refusal, and the policy keeps anyone below admin out of a dangerous container."""

import pytest

from portal.access.dangerous import container_dangers, dangerous_options, inside_refusal
from portal.access.policy import AccessScope, Role, can
from portal.containers.models import Container


def host_config(**config):
    return {"HostConfig": {"NetworkMode": "bridge", "PidMode": "", "IpcMode": "private", **config}}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"Privileged": True}, "privileged mode"),
        ({"NetworkMode": "host"}, "host network"),
        ({"NetworkMode": "container:0123abcd"}, "network namespace of container 0123abcd"),
        ({"PidMode": "host"}, "host PID namespace"),
        ({"PidMode": "container:web"}, "PID namespace of container web"),
        ({"IpcMode": "host"}, "host IPC namespace"),
        ({"IpcMode": "container:web"}, "IPC namespace of container web"),
        ({"UsernsMode": "host"}, "host user namespace"),
        (
            {"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]},
            "bind mount of host path /var/run/docker.sock",
        ),
        ({"Binds": ["/etc:/host-etc:ro"]}, "bind mount of host path /etc"),
        ({"Mounts": [{"Type": "bind", "Source": "/srv", "Target": "/srv"}]}, "bind mount of host path /srv"),
        ({"CapAdd": ["NET_ADMIN"]}, "added capabilities (NET_ADMIN)"),
        ({"Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse"}]}, "host devices"),
        ({"SecurityOpt": ["apparmor=unconfined"]}, "security options"),
    ],
)
def test_each_danger_of_an_inspect_is_named(config, named):
    assert named in container_dangers(host_config(**config))


def test_an_ordinary_container_has_no_danger():
    inspect = host_config(
        Binds=["data:/data"],
        Mounts=[{"Type": "volume", "Source": "cache", "Target": "/c"}],
        CapAdd=None,
        Devices=[],
        SecurityOpt=None,
        UsernsMode="",
    )

    assert container_dangers(inspect) == []
    assert container_dangers(None) == []
    assert container_dangers({}) == []


def test_the_inspect_reader_and_the_run_check_use_the_same_words():
    spec = {"pid_mode": "host", "volumes": ["/var/run/docker.sock:/var/run/docker.sock"], "cap_add": ["SYS_ADMIN"]}
    inspect = host_config(PidMode="host", Binds=["/var/run/docker.sock:/var/run/docker.sock"], CapAdd=["SYS_ADMIN"])

    assert container_dangers(inspect) == dangerous_options(spec)


def dangerous_container(host_id=7, **config):
    return Container(host_id=host_id, name="c", engine_id="x", inspect=host_config(**config))


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.DEVELOPER])
def test_below_admin_no_one_gets_inside_a_dangerous_container(role):
    scope = AccessScope(user_id=1, host_roles={7: role})

    assert not can(scope, "container.exec", dangerous_container(PidMode="host"))
    assert can(scope, "container.exec", dangerous_container())
    # Viewing it and operating it are not being inside it.
    assert can(scope, "container.view", dangerous_container(PidMode="host"))
    assert can(scope, "container.operate", dangerous_container(PidMode="host"))


def test_an_admin_of_its_host_gets_inside_but_not_an_admin_of_another_host():
    scope = AccessScope(user_id=1, host_roles={7: Role.ADMIN, 8: Role.OPERATOR})

    assert can(scope, "container.exec", dangerous_container(7, Binds=["/var/run/docker.sock:/var/run/docker.sock"]))
    assert not can(scope, "container.exec", dangerous_container(8, Binds=["/var/run/docker.sock:/var/run/docker.sock"]))


def test_the_refusal_names_the_danger_within_a_close_reason():
    refusal = inside_refusal(dangerous_container(Binds=["/var/run/docker.sock:/var/run/docker.sock"]))

    assert refusal.status == 403 and refusal.code == "dangerous_option"
    assert "bind mount of host path /var/run/docker.sock" in refusal.close_reason
