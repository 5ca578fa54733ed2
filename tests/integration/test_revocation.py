"""Revocation over the real stack: a change committed by another process (here `manage.py shell`,
as an admin's request in another web worker would) reaches an open socket through Redis."""

import asyncio
import json
import subprocess
import time
import uuid

import pytest
import websockets

from tests.support.aio import run_async
from tests.support.processes import PYTHON, REPO, Stack

pytestmark = pytest.mark.integration

# "Within a second" of the change being committed.
WITHIN = 1.0

VIEWER_ON_A_HOST = """
import json
from django.contrib.auth import get_user_model
from portal.accounts.models import PersonalToken
from portal.hosts.models import Host
from portal.teams.models import RoleBinding, Team, TeamMembership

user = get_user_model().objects.create_user(username="{name}", password="not-used-here-1")
host = Host.objects.create(slug="{name}", name="{name}")
team = Team.objects.create(name="{name}")
TeamMembership.objects.create(team=team, user=user)
RoleBinding.objects.create(team=team, role="viewer").hosts.add(host)
_, key = PersonalToken.issue(user, "integration")
print("RESULT", json.dumps({{"key": key, "host": host.pk}}))
"""

# Times the change from just before the save: the commit, and the message to open sockets
# (sent on commit), both happen inside save().
CHANGE = """
import json, time
from django.contrib.auth import get_user_model
from portal.teams.models import RoleBinding

{change}
started = time.time()
{commit}
print("RESULT", json.dumps({{"started": started, "saved": time.time()}}))
"""

DEACTIVATE = {
    "change": 'user = get_user_model().objects.get(username="{name}")\nuser.is_active = False',
    "commit": "user.save()",
}
UNBIND = {
    "change": 'binding = RoleBinding.objects.get(team__name="{name}")',
    "commit": "binding.delete()",
}


def result_of(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def viewer_on_a_host(stack: Stack) -> tuple[str, dict]:
    name = f"revoked-{uuid.uuid4().hex[:6]}"
    return name, result_of(stack.manage("shell", "-c", VIEWER_ON_A_HOST.format(name=name)))


async def change_while_connected(stack: Stack, token: str, script: str):
    """Opens /ws/events/ with the token, runs `script` in another process once the hello came,
    and returns (hello, what came next, when it came, the script's timings)."""
    url = f"ws://127.0.0.1:{stack.port}/ws/events/?token={token}"
    async with websockets.connect(url, origin=f"http://127.0.0.1:{stack.port}") as socket:
        hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
        change = await asyncio.create_subprocess_exec(
            PYTHON, "manage.py", "shell", "-c", script, cwd=REPO, env=stack.env(), stdout=subprocess.PIPE
        )
        try:
            following = json.loads(await asyncio.wait_for(socket.recv(), 30))
        except websockets.ConnectionClosed as closed:
            following = closed.rcvd
        arrived = time.time()
        output, _ = await change.communicate()
        assert change.returncode == 0
        return hello, following, arrived, result_of(output.decode())


def test_given_a_viewers_token_socket_when_the_user_is_deactivated_then_it_closes_with_4401_within_a_second(stack):
    name, viewer = viewer_on_a_host(stack)
    script = CHANGE.format(**{k: v.format(name=name) for k, v in DEACTIVATE.items()})

    hello, close, closed_at, change = run_async(change_while_connected(stack, viewer["key"], script))

    assert hello == {"type": "hello", "hosts": [viewer["host"]]}
    assert (close.code, close.reason) == (4401, "Your account was deactivated.")
    latency = closed_at - change["started"]
    print(
        f"\ndeactivation -> 4401 close: {latency * 1000:.0f} ms after save() began"
        f" (save() with its on-commit send took {(change['saved'] - change['started']) * 1000:.0f} ms)"
    )
    assert latency <= WITHIN, f"closed {latency:.3f} s after the change"


def test_given_a_viewers_token_socket_when_the_binding_is_deleted_then_a_hello_without_the_host_follows(stack):
    name, viewer = viewer_on_a_host(stack)
    script = CHANGE.format(**{k: v.format(name=name) for k, v in UNBIND.items()})

    hello, following, arrived, change = run_async(change_while_connected(stack, viewer["key"], script))

    assert hello == {"type": "hello", "hosts": [viewer["host"]]}
    assert following == {"type": "hello", "hosts": []}
    latency = arrived - change["started"]
    print(f"\nbinding deleted -> new hello: {latency * 1000:.0f} ms after delete() began")
    assert latency <= WITHIN, f"the new hello came {latency:.3f} s after the change"
