"""Small factories for portal tests: each makes one row with sensible defaults."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from engine.reference import parse_reference
from portal.accounts.models import PersonalToken
from portal.containers.models import Container
from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from portal.images.models import Image, Tag
from portal.networks.models import Network
from portal.stacks.models import Stack, StackVersion
from portal.teams.models import RoleBinding, Team, TeamMembership
from portal.volumes.models import Volume
from tests.support.stream_keys import TEST_SEAL_KEY

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(username: str | None = None, **fields):
    User = get_user_model()
    username = username or f"user{next(_numbers)}"
    return User.objects.create_user(username=username, password=fields.pop("password", PASSWORD), **fields)


def make_superuser(username: str | None = None, **fields):
    return make_user(username or f"admin{next(_numbers)}", is_staff=True, is_superuser=True, **fields)


def make_token(user, name: str = "test token") -> str:
    _, key = PersonalToken.issue(user, name)
    return key


def make_host(name: str | None = None, **fields) -> Host:
    name = name or f"host-{next(_numbers)}"
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    # Its streams' keys are sealed to the scripted worker's key (tests.support.stream_keys).
    fields.setdefault("seal_key", TEST_SEAL_KEY)
    return Host.objects.create(name=name, **fields)


def make_online_host(name: str | None = None, seen_ago: float = 0.0, **fields) -> Host:
    return make_host(
        name,
        status=HostStatus.ONLINE,
        last_seen=timezone.now() - timedelta(seconds=seen_ago),
        worker_instance=fields.pop("worker_instance", uuid.uuid4().hex),
        engine_reachable=fields.pop("engine_reachable", True),
        **fields,
    )


def make_offline_host(name: str | None = None, **fields) -> Host:
    return make_host(name, status=HostStatus.OFFLINE, last_seen=timezone.now() - timedelta(hours=1), **fields)


def make_container(host: Host, name: str | None = None, **fields):
    name = name or f"container-{next(_numbers)}"
    fields.setdefault("engine_id", uuid.uuid4().hex * 2)
    fields.setdefault("image", "busybox:latest")
    fields.setdefault("image_id", "sha256:" + "b" * 64)
    fields.setdefault("state", "running")
    fields.setdefault("version", 1)
    return Container.objects.create(host=host, name=name, **fields)


def make_image(host: Host, tags: list[str] | tuple[str, ...] = (), **fields):
    """An image with `tags` (`repository:tag`) pointing at it."""
    fields.setdefault("engine_id", f"sha256:{uuid.uuid4().hex * 2}")
    fields.setdefault("version", 1)
    image = Image.objects.create(host=host, **fields)
    for text in tags:
        reference = parse_reference(text)
        Tag.objects.create(image=image, host=host, repository=reference.repository, tag=reference.tag_or_default)
    return image


def make_network(host: Host, name: str | None = None, on=(), subnet: str = "", **fields):
    """A network with the containers `on` it (running ones with an address in `subnet`)."""
    fields.setdefault("engine_id", uuid.uuid4().hex * 2)
    fields.setdefault("driver", "bridge")
    fields.setdefault("scope", "local")
    fields.setdefault("version", 1)
    if subnet:
        fields.setdefault("ipam", [{"subnet": subnet, "gateway": "", "ip_range": ""}])
    base = subnet.split("/")[0].rsplit(".", 1)[0] if subnet else "172.17.0"
    containers = [
        {
            "engine_id": c.engine_id,
            "name": c.name,
            "ipv4_address": f"{base}.{10 + i}/24" if c.state == "running" else "",
            "ipv6_address": "",
            "mac_address": "",
        }
        for i, c in enumerate(on)
    ]
    return Network.objects.create(
        host=host,
        name=name or f"net-{next(_numbers)}",
        containers=containers,
        container_count=len(containers),
        **fields,
    )


def make_volume(host: Host, name: str | None = None, used_by=(), **fields):
    """A volume mounted by the containers `used_by` (at /data)."""
    fields.setdefault("driver", "local")
    fields.setdefault("mountpoint", f"/var/lib/docker/volumes/{name}/_data")
    fields.setdefault("version", 1)
    containers = [{"engine_id": c.engine_id, "name": c.name, "destination": "/data", "rw": True} for c in used_by]
    return Volume.objects.create(
        host=host,
        engine_id=name or f"vol-{next(_numbers)}",
        containers=containers,
        container_count=len(containers),
        **fields,
    )


def make_team(*members, name: str | None = None) -> Team:
    team = Team.objects.create(name=name or f"team-{next(_numbers)}")
    for user in members:
        TeamMembership.objects.create(team=team, user=user)
    return team


def make_binding(team: Team, role: str, *hosts: Host, all_hosts: bool = False) -> RoleBinding:
    """A team's `role` on all hosts, or on the hosts given (none is a binding that grants nothing yet)."""
    binding = RoleBinding.objects.create(team=team, role=role, all_hosts=all_hosts)
    if hosts:
        binding.hosts.add(*hosts)
    return binding


def developer_on(api, host):
    """Logs `api` in as a new user who is developer on `host`."""
    user = make_user()
    make_binding(make_team(user), "developer", host)
    api.force_authenticate(user)
    return user


def make_stack(host: Host, name: str, source: str = "berth", compose: str = "", env: str = ""):
    """A stack; one Berth manages has a deployed version 1 of `compose`."""
    stack = Stack.objects.create(host=host, name=name, source=source)
    if source != "external":
        version = StackVersion(stack=stack, number=1, compose=compose or "services:\n  web:\n    image: x\n")
        version.env = env
        version.state = "deployed"
        version.save()
    return stack
