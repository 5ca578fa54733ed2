"""A host worker's operation reports: running, then the end, applied once; nothing for another host."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.ingest.reports import Outcome, apply_host_report
from portal.operations.liveness import HOST_LOST, fail_lost_operations
from portal.operations.models import Operation
from tests.portal.factories import make_container, make_online_host

pytestmark = pytest.mark.django_db


def report(host, operation, instance="w1", **fields):
    return {
        "kind": "operation",
        "host": host.slug,
        "name": host.name,
        "instance": instance,
        "seq": 5,
        "operation": {"id": operation.pk, **fields},
    }


@pytest.fixture
def abandoned(monkeypatch):
    keys = []

    class FakeRedis:
        def set(self, key, value, ex=None):
            keys.append(key)

    monkeypatch.setattr("portal.operations.liveness._redis", lambda: FakeRedis())
    return keys


def test_running_then_succeeded_records_the_result_and_what_it_made(host):
    operation = Operation.objects.create(host=host, kind="container.run")
    container = make_container(host, "web", engine_id="c" * 64)

    assert apply_host_report(report(host, operation, state="running")) == Outcome.APPLIED
    operation.refresh_from_db()
    assert (operation.state, operation.worker_instance) == ("running", "w1")

    apply_host_report(
        report(host, operation, state="succeeded", result={"container_id": "c" * 64}, log=["a", "b"], progress={})
    )

    operation.refresh_from_db()
    assert operation.state == "succeeded" and operation.finished_at and operation.log == "a\nb"
    from portal.operations.api.serializers import OperationSerializer

    assert OperationSerializer(operation).data["container"] == container.pk


def test_a_report_about_another_hosts_operation_is_refused(host):
    other = make_online_host("web-2")
    operation = Operation.objects.create(host=other, kind="image.pull")

    assert apply_host_report(report(host, operation, state="failed", error="x")) == Outcome.REFUSED
    operation.refresh_from_db()
    assert operation.state == "pending"


def test_an_operation_whose_host_went_offline_fails_as_host_lost_and_stays_failed(host, abandoned):
    operation = Operation.objects.create(host=host, kind="image.build", state="running", worker_instance="w1")
    host.status = "offline"
    host.save()

    [failed] = fail_lost_operations()

    assert (failed.pk, failed.state, failed.error) == (operation.pk, "failed", HOST_LOST)
    assert abandoned == [f"berth:operation:{host.slug}:{operation.pk}:abandoned"]
    # The worker's late "succeeded" does not bring it back.
    assert apply_host_report(report(host, operation, state="succeeded")) == Outcome.STALE
    operation.refresh_from_db()
    assert operation.state == "failed"


def test_a_running_operation_whose_worker_was_replaced_fails(host, abandoned):
    host.worker_instance = "w2"
    host.save()
    lost = Operation.objects.create(host=host, kind="image.pull", state="running", worker_instance="w1")
    alive = Operation.objects.create(host=host, kind="image.pull", state="running", worker_instance="w2")
    queued = Operation.objects.create(host=host, kind="image.pull", state="pending")

    failed = fail_lost_operations(now=timezone.now() + timedelta(seconds=1))

    assert [o.pk for o in failed] == [lost.pk]
    states = {o.pk: o.state for o in Operation.objects.all()}
    assert states == {lost.pk: "failed", alive.pk: "running", queued.pk: "pending"}


def test_an_operation_whose_task_expired_in_the_queue_fails(host, abandoned):
    queued = Operation.objects.create(host=host, kind="image.pull")
    Operation.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fresh = Operation.objects.create(host=host, kind="image.pull")

    failed = fail_lost_operations()

    assert [(o.pk, o.error_code) for o in failed] == [(queued.pk, "expired")]
    fresh.refresh_from_db()
    assert fresh.state == "pending"
