"""Fixtures shared by the integration and browser tests: one real Berth stack per session."""

import os
import uuid

# Imported here, at collection, while the process has one thread: its pytest plugin imports it at
# the end of the run otherwise, when tests have left threads behind, and CPython 3.11's ast.parse
# (pytest rewrites the plugin's asserts) is not safe beside another thread's (cpython#106905:
# "SystemError: AST constructor recursion depth mismatch", which ended a lane that had passed).
import hypothesis  # noqa: F401
import psycopg
import pytest
import redis

from tests.support.docker_cli import remove_test_objects
from tests.support.processes import Stack

TEST_REDIS_URL = os.environ.get("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def redis_url():
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"The tests need Redis at {TEST_REDIS_URL} (make test starts it): {exc}")
    client.flushdb()
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def database_url():
    """ "" for SQLite in the stack's data directory; with BERTH_TEST_DATABASE=postgres, a fresh
    PostgreSQL database on the server `make test` starts (BERTH_TEST_POSTGRES_URL), dropped after."""
    if os.environ.get("BERTH_TEST_DATABASE", "sqlite") != "postgres":
        yield ""
        return
    server = os.environ.get("BERTH_TEST_POSTGRES_URL")
    assert server, "BERTH_TEST_POSTGRES_URL names the PostgreSQL server; `make test` starts it."
    name = f"berth_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{server.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def stack(tmp_path_factory, redis_url, database_url):
    """web + portal worker against a fresh database (SQLite, or PostgreSQL: see database_url);
    host workers are started per test."""
    stack = Stack(data_dir=tmp_path_factory.mktemp("berth"), redis_url=redis_url, database_url=database_url).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def docker_host_2():
    url = os.environ.get("DOCKER_HOST_2")
    assert url, "DOCKER_HOST_2 names the second Docker engine; `make test` starts it (scripts/test-services.sh)."
    return url


@pytest.fixture
def host_name(request):
    return unique_name(request.node.name.replace("_", "-")[:20].strip("-"))


@pytest.fixture
def local_host(stack, host_name):
    """A host served by a worker on the local engine; what the test made there is removed after."""
    worker = stack.host_worker(host_name)
    yield stack.wait_for_host(host_name, "online", timeout=15)
    worker.stop()
    remove_test_objects()


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API holds the main thread's event loop while its
    browser lives, which would break any later test that runs a loop of its own."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


LOG_TAIL = 40


def _stacks_in(value, depth: int = 0) -> list[Stack]:
    """The stacks a test's fixture value is or holds (a stack, a tuple with one, a world with `.stack`)."""
    if isinstance(value, Stack):
        return [value]
    if depth >= 2:
        return []
    if isinstance(value, tuple | list):
        return [s for item in value for s in _stacks_in(item, depth + 1)]
    inner = getattr(value, "stack", None)
    return _stacks_in(inner, depth + 1) if inner is not None else []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that drove a stack of Berth processes shows the end of each process's log,
    so a failure in CI says what the web, the portal worker and the host workers were doing."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    seen: set[int] = set()
    for value in getattr(item, "funcargs", {}).values():
        for stack in _stacks_in(value):
            if id(stack) in seen:
                continue
            seen.add(id(stack))
            for process in stack.processes:
                tail = process.log().splitlines()[-LOG_TAIL:]
                report.sections.append((f"log of {process.name} (last {LOG_TAIL} lines)", "\n".join(tail)))
