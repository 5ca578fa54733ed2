import os
import uuid

import pytest
import redis

from workers.identity import HostIdentity

# Not the integration tests' database (they flush theirs); every key here is unique and removed.
UNIT_REDIS_URL = os.environ.get("BERTH_UNIT_REDIS_URL", "redis://127.0.0.1:6379/10")


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(UNIT_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"These tests need Redis at {UNIT_REDIS_URL} (make test starts it): {exc}")
    yield client
    client.close()


def make_identity(slug: str | None = None, **overrides) -> HostIdentity:
    slug = slug or f"unit-{uuid.uuid4().hex[:10]}"
    return HostIdentity(name=overrides.pop("name", slug), slug=slug, **overrides)
