"""Running a coroutine from a test, even while Playwright's sync API holds this thread's loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

__all__ = ["run_async"]


def run_async(coroutine, loop_factory=None):
    """`loop_factory`: the loop to run it on (uvloop's, say), else asyncio's own."""

    def run():
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(coroutine)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
