"""Options that give root on the host need admin on that host, and the refusal names them."""

import pytest

from portal.access.dangerous import DangerousOption, dangerous_options, refuse_dangerous_options
from portal.access.policy import AccessScope, Role


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"privileged": True}, "privileged mode"),
        ({"network_mode": "host"}, "host network"),
        ({"network": "host"}, "host network"),
        ({"pid_mode": "host"}, "host PID namespace"),
        ({"ipc_mode": "host"}, "host IPC namespace"),
        ({"volumes": ["/etc:/host-etc:ro"]}, "bind mount of host path /etc"),
        (
            {"volumes": [{"type": "bind", "source": "/var/run/docker.sock", "target": "/s"}]},
            "bind mount of host path /var/run/docker.sock",
        ),
        ({"cap_add": ["SYS_ADMIN"]}, "added capabilities (SYS_ADMIN)"),
        ({"devices": ["/dev/fuse"]}, "host devices"),
        ({"security_opt": ["seccomp=unconfined"]}, "security options"),
        ({"userns_mode": "host"}, "host user namespace"),
    ],
)
def test_each_dangerous_option_is_named(spec, named):
    assert named in dangerous_options(spec)


def test_ordinary_options_are_not_dangerous():
    spec = {
        "image": "nginx",
        "volumes": ["data:/data", {"type": "volume", "source": "cache", "target": "/c"}],
        "network": "bridge",
        "ports": {"80/tcp": 8080},
        "env": {"A": "b"},
    }

    assert dangerous_options(spec) == []


@pytest.mark.parametrize("role", [None, Role.VIEWER, Role.OPERATOR, Role.DEVELOPER])
def test_below_admin_a_dangerous_spec_is_refused_with_the_option_named(role):
    scope = AccessScope(user_id=1, host_roles={7: role} if role else {})

    with pytest.raises(DangerousOption) as refused:
        refuse_dangerous_options(scope, 7, {"privileged": True, "volumes": ["/:/host"]})

    assert "privileged mode" in str(refused.value)
    assert "bind mount of host path /" in str(refused.value)


def test_an_admin_of_the_host_may_but_not_an_admin_of_another_host():
    scope = AccessScope(user_id=1, host_roles={7: Role.ADMIN, 8: Role.DEVELOPER})

    refuse_dangerous_options(scope, 7, {"privileged": True})
    with pytest.raises(DangerousOption):
        refuse_dangerous_options(scope, 8, {"privileged": True})


def test_a_safe_spec_passes_for_a_developer():
    refuse_dangerous_options(AccessScope(user_id=1, host_roles={7: Role.DEVELOPER}), 7, {"image": "nginx"})
