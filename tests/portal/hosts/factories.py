"""Host reports as a host worker builds them (workers.reports.Reporter), so the tests hold the
portal to what workers really send."""

from __future__ import annotations

from dataclasses import replace

from tests.workers.conftest import make_identity
from tests.workers.factories import FakeCeleryApp, engine_info
from wire.keys import HostKeys
from wire.names import host_slug
from wire.signing import sign_report
from workers.reports import EngineState, Reporter

DOCKER_HOST = "unix:///var/run/docker.sock"


class FakeWorker:
    """One host worker instance: numbers its reports like the real one does."""

    def __init__(self, name: str = "Web 1", machine: str = "box-a", engine_id: str = "ENGINE:ONE", keys=None):
        identity = make_identity(host_slug(name), name=name, machine=machine)
        self.keys = keys
        self.reporter = Reporter(FakeCeleryApp(), identity, DOCKER_HOST, keys)
        self.info = engine_info(engine_id=engine_id, hostname=machine)

    @property
    def instance(self) -> str:
        return self.reporter.identity.instance

    def report(
        self, kind: str = "heartbeat", *, reachable: bool = True, error: str = "", seq=None, usage=None, **info
    ) -> dict:
        if info:
            self.info = replace(self.info, **info)
        state = EngineState(reachable=reachable, info=self.info, error=error, usage=usage)
        report = self.reporter.build(kind, state)
        if seq is not None:
            report["seq"] = seq
        return report

    def signed(self, kind: str = "heartbeat", **changes) -> dict:
        """The report task's keyword arguments, signed with this worker's keys."""
        report = self.report(kind, **changes)
        return {"report": report, "signature": sign_report(self.keys, report)}


def enrolled_worker(name: str = "Web 1", **kwargs) -> FakeWorker:
    """A worker of a host the portal enrolled (it holds the keys; the host row their public halves)."""
    from portal.hosts.models import Host

    keys = HostKeys.generate()
    public = keys.public()
    Host.objects.create(slug=host_slug(name), name=name, verify_key=public.verify, seal_key=public.seal)
    return FakeWorker(name, keys=keys, **kwargs)
