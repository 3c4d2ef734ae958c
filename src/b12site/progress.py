"""A progress bar for long builds (tqdm), shown only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from b12site.workers import Progress, no_progress

__all__ = ["LONG_STAGE", "progress_bar"]

LONG_STAGE = 200  # items: fewer than this finish in a moment, so no bar


def progress_bar(stream: TextIO) -> Progress:
    """A reporter that draws a bar on ``stream`` for long stages, or nothing off a terminal."""
    if not stream.isatty():
        return no_progress

    def start(stage: str, total: int) -> Callable[[int], None]:
        if total < LONG_STAGE:
            return lambda done: None
        from tqdm import tqdm  # imported only when a bar is drawn

        bar = tqdm(total=total, desc=stage, unit="file", file=stream, leave=False)

        def advance(done: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return advance

    return start
