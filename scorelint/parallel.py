"""Many files on many cores: a pool of forked worker processes that die with their parent."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from .project import exit_with

# Starting a worker costs about as much as checking a few dozen files, so small runs stay in-process.
MIN_ITEMS_PER_WORKER = 8


def worth_processes(items: int, jobs: int) -> bool:
    return jobs > 1 and items >= 2 * MIN_ITEMS_PER_WORKER


def map_in_processes(fn: Callable[[Any], Any], items: list, *, jobs: int, initializer: Callable[..., None],
                     initargs: tuple = ()) -> Iterator[Any]:
    """`fn` over `items` in up to `jobs` forked processes (each set up by `initializer(*initargs)`),
    results in the order of `items` whatever order the workers finish in."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, max(1, len(items) // MIN_ITEMS_PER_WORKER))
    chunk = max(1, min(32, len(items) // (workers * 4)))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(initializer, initargs)) as pool:
        yield from pool.map(fn, items, chunksize=chunk)


def _start_worker(initializer: Callable[..., None], initargs: tuple) -> None:
    exit_with(os.getppid())  # a worker whose parent was killed must not go on fixing files
    initializer(*initargs)
