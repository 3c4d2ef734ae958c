"""A process pool for the per-file stages, results in input order, with optional progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

__all__ = ["MIN_PARALLEL", "Progress", "default_jobs", "run_all"]

T = TypeVar("T")
R = TypeVar("R")
MIN_PARALLEL = 48  # below this many items a pool costs more than it saves


class Progress(Protocol):
    """Told how many items of a stage are done (a progress bar, or nothing)."""

    def __call__(self, stage: str, total: int) -> Callable[[int], None]: ...


def no_progress(stage: str, total: int) -> Callable[[int], None]:
    """A progress reporter that reports nothing."""
    return lambda done: None


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_all(
    work: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    progress: Callable[[int], None],
) -> list[R]:
    """``work`` over every item, in worker processes when it pays; results in item order.

    ``setup(*setup_args)`` runs once in each process that does work (this one included, when
    it does the work itself), so ``work`` can read what it prepares from module state.
    """
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        setup(*setup_args)
        return list(_counted((work(item) for item in items), progress))
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=setup, initargs=setup_args) as pool:
        return list(_counted(pool.map(work, items, chunksize=chunk), progress))


def _counted(results: Iterator[R], progress: Callable[[int], None]) -> Iterator[R]:
    for done, result in enumerate(results, start=1):
        progress(done)
        yield result
