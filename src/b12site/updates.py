"""The update channel between the rebuild loop and the browsers of ``b12site serve``."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from b12site.errors import Problem
from b12site.formats import one_line

__all__ = ["KEPT", "NOT_BUILT", "Finding", "Update", "Updates"]

KEPT = 200  # updates remembered for since(); a browser further behind reloads
NOT_BUILT = -1  # the number of the current update before the first build is published


@dataclass(frozen=True)
class Finding:
    """One problem as the browser's overlay shows it."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str
    rule: str
    severity: str
    text: str  # the one line the terminal prints for it

    @classmethod
    def of(cls, problem: Problem) -> Finding:
        """The finding of a problem, with the line ``build`` prints for it."""
        return cls(
            problem.path,
            problem.line or None,
            problem.column or None,
            problem.field,
            problem.message,
            problem.rule,
            problem.severity,
            one_line(problem),
        )

    def as_dict(self) -> dict[str, str | int | None]:
        """The finding as the event stream sends it."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "rule": self.rule,
            "severity": self.severity,
            "text": self.text,
        }


@dataclass(frozen=True)
class Update:
    """One build's outcome: its number, the output files it changed and what stopped it."""

    number: int  # 0 for the first build; +1 per rebuild
    changed: tuple[str, ...]  # output files (POSIX, relative to the output) written or removed
    findings: tuple[Finding, ...]  # empty when the rebuild succeeded (warnings are not sent)
    failed: bool  # True: the rebuild failed; the last good site is still served


class Updates:
    """Numbered updates, published by the rebuild loop and awaited by event streams
    (thread-safe)."""

    def __init__(self, run: str) -> None:
        self.run = run  # a random token of this serve process
        self._kept: deque[Update] = deque(maxlen=KEPT)
        self._current = Update(NOT_BUILT, (), (), False)
        self._closed = False
        self._changed = threading.Condition()

    def publish(
        self, changed: Iterable[str], findings: Iterable[Finding] = (), failed: bool = False
    ) -> Update:
        """Number an update, keep it and wake every waiter."""
        with self._changed:
            update = Update(self._current.number + 1, tuple(changed), tuple(findings), failed)
            self._kept.append(update)
            self._current = update
            self._changed.notify_all()
        return update

    def current(self) -> Update:
        """The latest update (number ``NOT_BUILT`` before the first is published)."""
        with self._changed:
            return self._current

    def since(self, number: int) -> tuple[tuple[str, ...], Update] | None:
        """Every file changed by the updates after ``number``, sorted, and the current
        update; None when those updates are no longer kept (or ``number`` is not one of ours)."""
        with self._changed:
            current = self._current
            if number == current.number:
                return (), current
            if number > current.number or not self._kept or self._kept[0].number > number + 1:
                return None
            files = {f for u in self._kept if u.number > number for f in u.changed}
            return tuple(sorted(files)), current

    def wait(self, after: int, timeout: float) -> Update | None:
        """Block until an update numbered above ``after`` is published; the current update,
        or None on timeout or once closed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._closed and self._current.number <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return None if self._closed else self._current

    def close(self) -> None:
        """Wake every waiter; afterwards wait() returns None at once."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        with self._changed:
            return self._closed
