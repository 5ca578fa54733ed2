"""The host worker's watch of its own queue (workers/consuming.py), on real Redis: operations
that wait while the worker runs none end it; a worker that runs them is left alone."""

import threading
import time

import redis
from celery.signals import task_postrun, task_prerun

from tests.conftest import unique_name
from wire.names import KOMBU_PRIORITY_SEP
from workers import consuming
from workers.consuming import ConsumingService


def waiting_queue(redis_url: str, messages: int) -> tuple[redis.Redis, str]:
    client = redis.Redis.from_url(redis_url)
    queue = unique_name("host.consuming")
    client.lpush(queue, *[b"{}"] * (messages - 1))
    client.lpush(f"{queue}{KOMBU_PRIORITY_SEP}3", b"{}")  # a priority's list counts too
    return client, queue


def test_given_tasks_waiting_and_none_run_then_the_worker_ends_itself(redis_url, monkeypatch):
    client, queue = waiting_queue(redis_url, 5)
    ended = threading.Event()
    monkeypatch.setattr(consuming, "end_this_worker", ended.set)
    service = ConsumingService(client, queue, stalled_after=0.5, every=0.05)

    started = time.monotonic()
    service.start()
    try:
        assert ended.wait(5)
    finally:
        service.stop()
    assert 0.5 <= time.monotonic() - started < 3


def test_given_tasks_run_now_and_then_the_worker_is_left_alone(redis_url, monkeypatch):
    client, queue = waiting_queue(redis_url, 50)
    ended = threading.Event()
    monkeypatch.setattr(consuming, "end_this_worker", ended.set)
    service = ConsumingService(client, queue, stalled_after=0.5, every=0.05)

    service.start()
    try:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            task_prerun.send(sender=None, task_id="t", task=None)
            task_postrun.send(sender=None, task_id="t", task=None)
            time.sleep(0.2)
        assert not ended.is_set()
    finally:
        service.stop()
