"""`python -m workers --name <host>`: start the host worker for the Docker engine at DOCKER_HOST.

Needs what enrollment shows once (portal/hosts/enrollment.py): REDIS_URL (the broker, as this
host's own user), BERTH_HOST_KEY (its keys) and BERTH_PORTAL_PUBLIC_KEY (to check the portal's
tasks); and, when the engine is not at /var/run/docker.sock, DOCKER_HOST. It never opens the
database and needs no credentials for it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import redis
from celery.signals import worker_ready

from engine import Engine, EngineUnavailable
from engine.client import DEFAULT_DOCKER_HOST
from wire.consuming import DEFAULT_STALLED_AFTER
from wire.keys import HostKeys, InvalidKey, VerifyKey
from wire.names import host_channel_owner, host_queue, host_slug, host_stream_channel
from workers.app import make_app
from workers.attachments import AttachmentSync
from workers.consuming import ConsumingService
from workers.heartbeat import Heartbeat
from workers.identity import HostIdentity, NameClaim, NameTaken
from workers.inventory import InventorySync
from workers.operations.runner import OperationRunner
from workers.operations.stacks import compose_version
from workers.operations.tasks import register_operations
from workers.reports import Reporter
from workers.services import ServicesStep
from workers.streams.kinds import register_streams
from workers.streams.loop import StreamLoop
from workers.tasks import register_tasks
from workers.trust import ENROLL_HINT, Trust

log = logging.getLogger("workers")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument(
        "--name",
        default=os.environ.get("BERTH_HOST_NAME"),
        help="the host's name in Berth (default: $BERTH_HOST_NAME)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST)
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("BERTH_HOST_CONCURRENCY", "4")))
    parser.add_argument(
        "--lifecycle-concurrency",
        type=int,
        default=int(os.environ.get("BERTH_LIFECYCLE_CONCURRENCY", "4")),
        help="threads for start/stop/restart/kill/pause/unpause, beside the --concurrency others use",
    )
    parser.add_argument("--heartbeat", type=float, default=float(os.environ.get("BERTH_HEARTBEAT_SECONDS", "2")))
    parser.add_argument(
        "--reconcile",
        type=float,
        default=float(os.environ.get("BERTH_RECONCILE_SECONDS", "60")),
        help="seconds between full listings that heal anything the event stream missed",
    )
    parser.add_argument(
        "--stalled-after",
        type=float,
        default=float(os.environ.get("BERTH_CONSUMER_STALLED_AFTER", DEFAULT_STALLED_AFTER)),
        help="seconds tasks may wait in this host's queue with none run before the worker ends itself "
        "(a consumer gone silent: its supervisor starts a fresh one)",
    )
    parser.add_argument("--loglevel", default=os.environ.get("BERTH_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if not args.name:
        parser.error("--name is required: the name this host has in Berth, e.g. --name web-1")
    try:
        args.slug = host_slug(args.name)
    except ValueError as exc:
        parser.error(str(exc))
    host_key, portal_public = os.environ.get("BERTH_HOST_KEY", ""), os.environ.get("BERTH_PORTAL_PUBLIC_KEY", "")
    if not host_key or not portal_public:
        parser.exit(
            2,
            f"Refused: this host worker is not enrolled (no BERTH_HOST_KEY or BERTH_PORTAL_PUBLIC_KEY). "
            f"{ENROLL_HINT.format(name=args.slug)}\n",
        )
    try:
        args.trust = Trust(args.slug, HostKeys.from_text(host_key), VerifyKey.from_text(portal_public))
    except InvalidKey as exc:
        parser.exit(2, f"Refused: {exc} {ENROLL_HINT.format(name=args.slug)}\n")
    return args


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def main(argv: list[str] | None = None) -> int:
    # The host worker must not pick up the portal's Django settings (Celery's Django fix-up
    # activates on this variable), and has no database to reach anyway.
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.loglevel.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    identity = HostIdentity(name=args.name, slug=args.slug)
    engine = Engine(args.docker_host)
    try:
        engine_id = engine.info().engine_id
    except EngineUnavailable as exc:
        log.warning("%s; starting anyway and reporting the engine as unreachable", exc)
        engine_id = None

    broker = redis.Redis.from_url(args.redis_url, socket_connect_timeout=5)
    queue = host_queue(identity.slug)
    app = make_app(args.redis_url, queue, identity.slug)
    # Asked once: the host page shows which Compose v2 the host has, or that it has none.
    reporter = Reporter(app, identity, engine.base_url, args.trust.keys, compose_version=compose_version())
    claim = NameClaim(broker, identity, ttl=args.heartbeat * 3)
    try:
        claim.acquire(engine_id)
    except NameTaken as exc:
        log.error("Refused: %s", exc)
        reporter.send("refused", reason=str(exc))
        return 2
    except redis.RedisError as exc:
        log.error(
            "Cannot reach Redis at %s: %s. REDIS_URL is the one this host's enrollment showed "
            "(rotated credentials stop the old ones at once: enroll it again).",
            without_password(args.redis_url),
            exc,
        )
        return 1

    # The heartbeat says hello before the inventory reports, and goodbye after the last one.
    # Each service has its own engine client: the SDK's connection pool is not shared across threads.
    inventory = InventorySync(Engine(args.docker_host), reporter, reconcile_every=args.reconcile)
    attachments = AttachmentSync(Engine(args.docker_host), reporter, reconcile_every=args.reconcile)
    # Terminals, logs, stats and progress share one event loop and channel-layer connection.
    streams = StreamLoop(
        args.redis_url,
        host_stream_channel(identity.slug),
        owner=host_channel_owner(identity.slug),
        keys=args.trust.keys,
    )
    register_streams(streams, args.docker_host)
    runner = OperationRunner(
        args.docker_host, reporter, streams, broker, identity.slug, lifecycle_threads=max(1, args.lifecycle_concurrency)
    )
    # Stopped in reverse: the lifecycle lane first, while its operations can still report.
    heartbeat = Heartbeat(engine, reporter, claim, interval=args.heartbeat)
    consuming = ConsumingService(broker, queue, args.stalled_after)
    app.berth_services = [heartbeat, inventory, attachments, streams, runner.lifecycle, consuming]
    register_tasks(app, args.trust, inventory, attachments)
    register_operations(app, runner, args.trust)
    app.steps["worker"].add(ServicesStep)
    log.info("Host worker for '%s' (queue %s) on engine %s", identity.name, queue, engine.base_url)

    def say_ready(**kwargs):
        # The one line `make run` shows for this process (Celery's banner is off: --quiet), on the
        # real stdout: Celery turns what is printed into log lines.
        sys.__stdout__.write(f"Ready: serving host '{identity.name}' with the Docker engine at {engine.base_url}\n")
        sys.__stdout__.flush()

    worker_ready.connect(say_ready, weak=False)
    app.worker_main(
        [
            "--quiet",
            "worker",
            f"--hostname={queue}@{identity.machine}",
            f"--queues={queue}",
            "--pool=threads",
            f"--concurrency={args.concurrency}",
            f"--loglevel={args.loglevel}",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
