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
def running_stack(redis_url: str) -> Iterator[Stack]:
    """Web and portal worker on a temporary data directory; afterwards the stack is stopped, the
    run's labelled containers and images are removed and the directory deleted."""
    data_dir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    stack = Stack(data_dir=data_dir, redis_url=redis_url).start()
    try:
        yield stack
    finally:
        stack.stop()
        remove_test_objects()
        shutil.rmtree(data_dir, ignore_errors=True)
