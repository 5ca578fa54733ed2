"""schemathesis over /api/schema/: every operation the schema lists, fuzzed as an admin and as a
viewer, answers no 500 and nothing the schema does not describe (status, content type, body).
A 503 or 504 is a refusal the schema declares (a host or the broker not answering), never a crash.

The requests go through Django's WSGI handler in this process (schemathesis's WSGI transport), so
no Stack is needed. What would leave the process is faked at its boundary: tasks for host queues
are collected (portal.operations.dispatch), no HTTP request reaches a socket (registries), and
Redis (streams to host workers, transfers, name claims) is unreachable, which the API answers with
its declared 503. Each example runs in a savepoint rolled back after it, so every example meets
the same world. Bounded: FUZZ_EXAMPLES examples per operation and role; the time and the
requests sent are printed.
"""

from __future__ import annotations

import os
import time

import pytest
import redis
import requests
import schemathesis
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.operations.models import Operation
from tests.portal.audit.factories import make_event
from tests.portal.factories import (
    make_binding,
    make_container,
    make_image,
    make_online_host,
    make_stack,
    make_superuser,
    make_team,
    make_token,
    make_user,
)
from tests.portal.registries.conftest import make_registry
from tests.portal.terminals.factories import make_terminal_session

pytestmark = [
    pytest.mark.django_db,
    # The logs download streams from an async iterator, which a WSGI transport reads synchronously.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous iterators"),
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# The same examples on every run (CI); FUZZ_EXPLORE=1 draws new ones, to look for more.
EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
WSGI = get_wsgi_application()


def no_network(adapter, request, *args, **kwargs):
    raise requests.ConnectionError(f"faked: this test reaches no registry ({request.url})")


def no_redis(*args, **kwargs):
    raise redis.ConnectionError("faked: this test has no Redis")


@pytest.fixture
def boundaries(monkeypatch, settings, sent):
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", no_network)
    monkeypatch.setattr(redis.Redis, "execute_command", no_redis)
    monkeypatch.setattr("portal.ws.streams.StreamClient.open", no_redis)
    # The hosts stay online however long the run takes.
    settings.BERTH_HOST_OFFLINE_AFTER = 3600
    # Django's WSGI handler would close the test's connection at each request (and its transaction).
    request_started.disconnect(close_old_connections)
    yield sent
    request_started.connect(close_old_connections)


@pytest.fixture
def world(boundaries):
    """Host A (online) with a container, an image, an operation, a terminal session and an audit
    event; a team's registry; a viewer of A through that team; an admin. `ids` are what the path
    parameters name, so that examples reach real objects as well as missing ones."""
    host = make_online_host("host-a")
    admin = make_superuser("fuzz-admin")
    viewer = make_user("fuzz-viewer")
    team = make_team(viewer, name="fuzzers")
    binding = make_binding(team, "viewer", host)
    container = make_container(host, "app", inspect={"Config": {"Env": ["A=1"]}})
    image = make_image(host, ["busybox:latest"])
    operation = Operation.objects.create(host=host, kind="image.pull", state="running", user=admin)
    session = make_terminal_session(admin, container)
    event = make_event("host.change", host=host, user=admin)
    registry = make_registry("team-registry", url="http://127.0.0.1:9/", team=team)
    stack = make_stack(host, "shop", env="TOKEN=abc")
    make_container(host, "shop-web-1", labels={"com.docker.compose.project": "shop"})
    ids = {
        "stacks": stack.pk,
        "audit": event.pk,
        "containers": container.pk,
        "hosts": host.pk,
        "images": image.pk,
        "operations": operation.pk,
        "registries": registry.pk,
        "sessions": session.pk,
        "teams": team.pk,
        "tokens": None,
        "users": viewer.pk,
        "bindings": binding.pk,
    }
    return {"admin": admin, "viewer": viewer, "ids": ids, "team": team}


def known_objects(path: str, ids: dict) -> dict:
    """The path parameters that name the world's objects on this path."""
    parts = path.strip("/").split("/")
    known = {}
    if "{id}" in parts and (named := ids.get(parts[parts.index("{id}") - 1])) is not None:
        known["id"] = named
    if "{team_pk}" in parts:
        known["team_pk"] = ids["teams"]
    if "{user_id}" in parts:
        known["user_id"] = ids["users"]
    if "{repository}" in parts:
        known["repository"] = "team/app"
    return known


def fuzz_operation(operation, headers: dict, known: dict) -> int:
    """Fuzzes one operation; how many requests it sent."""
    sent = []
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES * len(strategies) // 2,
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        sent.append(response.status_code)
        assert response.status_code < 500 or response.status_code in (503, 504), case.as_curl_command(headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    fuzz()
    return len(sent)


_served: dict = {}


def served_schema(headers: dict):
    """/api/schema/ as the app serves it (the same to every role), read once per run."""
    if "raw" not in _served:
        _served["raw"] = schemathesis.openapi.from_wsgi("/api/schema/", WSGI, headers=headers).raw_schema
    schema = schemathesis.openapi.from_dict(_served["raw"])
    schema.app = WSGI
    return schema


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_no_answer_is_a_500_or_outside_the_schema(world, role):
    headers = {"Authorization": f"Token {make_token(world[role])}"}
    schema = served_schema(headers)
    failures, started, operations, sent = {}, time.monotonic(), 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            sent += fuzz_operation(operation, headers, known_objects(operation.path, world["ids"]))
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures reported
            failures[operation.label] = exc
    print(f"schemathesis as {role}: {operations} operations, {sent} requests, {time.monotonic() - started:.1f} s")
    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
