"""A fresh Berth stack for one benchmark run, and everything it made removed after."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.docker_cli import remove_test_objects
from tests.support.processes import Stack

__all__ = ["running_stack"]


@contextmanager
def running_stack(redis_url: str, postgres_server: str = "") -> Iterator[Stack]:
    """Web and portal worker on a temporary data directory (and, given a PostgreSQL server's URL,
    a fresh database on it instead of SQLite); afterwards the stack is stopped, the run's labelled
    containers and images are removed, and the directory and database deleted."""
    from bench.inventory_apply import drop_database, postgres_database

    data_dir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    database_url, database = postgres_database(postgres_server) if postgres_server else ("", "")
    stack = Stack(data_dir=data_dir, redis_url=redis_url, database_url=database_url).start()
    try:
        yield stack
    finally:
        stack.stop()
        remove_test_objects()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database:
            drop_database(postgres_server, database)
