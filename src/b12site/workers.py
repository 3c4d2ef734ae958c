"""A process pool for the per-file stages, results in input order, with optional progress."""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

__all__ = ["MIN_PARALLEL", "Progress", "default_jobs", "no_progress", "stream"]

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


def stream(
    work: Callable[[T], R],
    items: Iterable[T],
    total: int,
    jobs: int,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    progress: Callable[[int], None],
    effort: int | None = None,
) -> Iterator[R]:
    """``work`` over every item, in worker processes when it pays (when the ``effort``, by
    default the number of items, is at least ``MIN_PARALLEL``); results in item order.

    Items are taken and results given back as the work goes, a few chunks ahead, so neither
    all the items nor all the results are ever in memory at once. ``setup(*setup_args)`` runs
    once in each process that does work (this one too, when it does the work itself), so
    ``work`` can read what it prepares from module state.
    """
    if jobs <= 1 or (total if effort is None else effort) < MIN_PARALLEL:
        setup(*setup_args)
        yield from _counted((work(item) for item in items), progress)
        return
    size = max(1, min(32, total // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=setup, initargs=setup_args) as pool:
        yield from _counted(_ordered(pool, work, items, size, jobs * 3), progress)


def _ordered(
    pool: ProcessPoolExecutor, work: Callable[[T], R], items: Iterable[T], size: int, ahead: int
) -> Iterator[R]:
    """Results of chunks sent to the pool, in order, with at most ``ahead`` chunks pending."""
    pending: deque[Future[list[R]]] = deque()
    for chunk in _batched(items, size):
        pending.append(pool.submit(_run_chunk, work, chunk))
        if len(pending) >= ahead:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


def _batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    iterator = iter(items)
    while chunk := tuple(itertools.islice(iterator, size)):
        yield chunk


def _run_chunk(work: Callable[[T], R], chunk: tuple[T, ...]) -> list[R]:
    """In a worker: one chunk of items."""
    return [work(item) for item in chunk]


def _counted(results: Iterator[R], progress: Callable[[int], None]) -> Iterator[R]:
    for done, result in enumerate(results, start=1):
        progress(done)
        yield result
