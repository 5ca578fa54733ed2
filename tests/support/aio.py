"""Running a coroutine from a test, even while Playwright's sync API holds this thread's loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

__all__ = ["run_async"]


def run_async(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
