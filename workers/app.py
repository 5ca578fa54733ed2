"""The host worker's Celery app: Redis as broker, JSON only, no result backend, no Django."""

import warnings

from celery import Celery
from celery.exceptions import SecurityWarning

from wire.names import PORTAL_QUEUE, REPORT_TASK, host_kombu_keys

__all__ = ["make_app"]


def make_app(redis_url: str, queue: str, slug: str | None = None) -> Celery:
    """With `slug`, kombu keeps this host's messages in flight under keys of its own, which its
    broker user may use (portal/hosts/broker_acl.py), instead of the one `unacked` of all hosts."""
    # The root warning Celery gives at every start: the host worker often runs as root (it talks
    # to the Docker socket), and what makes root dangerous to Celery, pickle, is refused anyway
    # (JSON only below; Celery raises a SecurityError for pickle as root).
    warnings.filterwarnings("ignore", category=SecurityWarning)
    app = Celery("berth-host", broker=redis_url, fixups=[], set_as_current=True)
    if slug is not None:
        app.conf.broker_transport_options = host_kombu_keys(slug)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=queue,
        task_routes={REPORT_TASK: {"queue": PORTAL_QUEUE}},
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        # No task here acks late, so this cancels nothing; set, it stops Celery's deprecation
        # warning at every lost broker connection.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # Remote control is a broadcast any broker client may send (shutdown, pool changes):
        # a host takes orders only as signed tasks on its own queue.
        worker_enable_remote_control=False,
        # Arguments may carry registry credentials: never put them in the worker's log.
        worker_log_format="%(asctime)s %(levelname)s %(processName)s: %(message)s",
        worker_task_log_format="%(asctime)s %(levelname)s %(task_name)s[%(task_id)s]: %(message)s",
    )
    return app
