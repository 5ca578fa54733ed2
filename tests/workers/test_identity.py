"""NameClaim against the real Redis: one host name, one running worker."""

import time
import uuid

import pytest

from tests.workers.conftest import make_identity
from workers.identity import NameClaim, NameTaken


@pytest.fixture
def claims(redis_client):
    """Makes claims on one fresh host name and removes the name's key afterwards."""
    slug = f"unit-{uuid.uuid4().hex[:10]}"
    made = []

    def make(machine: str = "box-a", ttl: float = 6.0) -> NameClaim:
        claim = NameClaim(redis_client, make_identity(slug, machine=machine), ttl=ttl)
        made.append(claim)
        return claim

    yield make
    if made:
        redis_client.delete(made[0].key)


def test_a_free_name_is_claimed(claims, redis_client):
    claim = claims()

    claim.acquire("engine-1")

    holder = claim.holder()
    assert holder["instance"] == claim.identity.instance
    assert holder["machine"] == "box-a"
    assert holder["engine_id"] == "engine-1"
    assert 0 < redis_client.ttl(claim.key) <= 6


def test_a_second_worker_on_another_engine_is_refused_with_advice(claims):
    # Given a worker on machine box-a serving the name
    first = claims(machine="box-a")
    first.acquire("engine-1")

    # When a worker for another engine asks for the same name
    second = claims(machine="box-b")
    started = time.monotonic()
    with pytest.raises(NameTaken) as raised:
        second.acquire("engine-2", patience=5)

    # Then it is refused at once, told who holds the name and how to fix it
    assert time.monotonic() - started < 1
    message = str(raised.value)
    assert "box-a" in message
    assert "engine-1" in message
    assert "Give this worker another --name, or stop the other worker first." in message
    # and the first worker keeps the name
    assert first.holder()["instance"] == first.identity.instance


def test_a_worker_without_an_engine_id_is_refused_too(claims):
    claims().acquire("engine-1")

    with pytest.raises(NameTaken):
        claims(machine="box-b").acquire(None, patience=5)


def test_same_engine_waits_for_a_lapsed_claim_and_takes_it(claims):
    # Given a predecessor on the same engine that died without letting go (1 s claim)
    predecessor = claims(ttl=1)
    predecessor.acquire("engine-1")

    # When its successor starts on the same engine
    successor = claims(ttl=1)
    started = time.monotonic()
    successor.acquire("engine-1", patience=3)

    # Then it waits for the old claim to lapse and takes the name
    assert time.monotonic() - started < 3
    assert successor.holder()["instance"] == successor.identity.instance


def test_same_engine_gives_up_when_its_patience_runs_out(claims):
    holder = claims(ttl=6)
    holder.acquire("engine-1")

    with pytest.raises(NameTaken):
        claims().acquire("engine-1", patience=0.6)


def test_refresh_keeps_our_claim_alive(claims, redis_client):
    claim = claims(ttl=6)
    claim.acquire("engine-1")
    redis_client.expire(claim.key, 2)

    assert claim.refresh("engine-1") is True

    assert redis_client.ttl(claim.key) > 2


def test_refresh_takes_back_a_lapsed_name_nobody_holds(claims, redis_client):
    claim = claims()
    claim.acquire("engine-1")
    redis_client.delete(claim.key)

    assert claim.refresh("engine-1") is True

    assert claim.holder()["instance"] == claim.identity.instance


def test_refresh_reports_when_another_worker_holds_the_name(claims, redis_client):
    # Given our claim lapsed and another worker took the name
    ours = claims()
    ours.acquire("engine-1")
    redis_client.delete(ours.key)
    theirs = claims(machine="box-b")
    theirs.acquire("engine-2")

    # When we try to refresh
    refreshed = ours.refresh("engine-1")

    # Then we learn the name is no longer ours, and theirs stays untouched
    assert refreshed is False
    assert theirs.holder()["instance"] == theirs.identity.instance


def test_release_deletes_only_our_own_claim(claims, redis_client):
    holder = claims()
    holder.acquire("engine-1")
    other = claims(machine="box-b")

    other.release()
    assert holder.holder()["instance"] == holder.identity.instance

    holder.release()
    assert redis_client.exists(holder.key) == 0
