"""The update channel of ``b12site serve``: numbering, what changed since, waiting, closing."""

from __future__ import annotations

import threading
import time

import pytest

from b12site.errors import WARNING, Problem
from b12site.updates import KEPT, NOT_BUILT, Finding, Update, Updates


def test_updates_are_numbered_from_zero_and_the_latest_is_current() -> None:
    updates = Updates("run")
    assert updates.current().number == NOT_BUILT
    first = updates.publish(["index.html"])
    second = updates.publish(
        [], [Finding.of(Problem("content/a.md", 3, "title", "required"))], True
    )
    assert (first.number, second.number) == (0, 1)
    assert updates.current() == second
    assert second.failed and second.changed == ()
    assert second.findings[0].text == "content/a.md:3: title: required"


def test_since_gives_every_file_changed_after_a_number_once_and_sorted() -> None:
    updates = Updates("run")
    updates.publish(["index.html", "a/index.html"])
    updates.publish(["b/index.html", "static/site.css"])
    updates.publish([], failed=True)
    updates.publish(["a/index.html", "b/index.html"])
    current = updates.current()
    assert updates.since(0) == (("a/index.html", "b/index.html", "static/site.css"), current)
    assert updates.since(NOT_BUILT) == (
        ("a/index.html", "b/index.html", "index.html", "static/site.css"),
        current,
    )
    assert updates.since(current.number) == ((), current)


def test_since_before_the_first_build_is_nothing_new() -> None:
    updates = Updates("run")
    assert updates.since(NOT_BUILT) == ((), Update(NOT_BUILT, (), (), False))


@pytest.mark.parametrize("number", [-5, 3])
def test_since_a_number_that_is_not_ours_is_none(number: int) -> None:
    updates = Updates("run")
    updates.publish(["index.html"])
    updates.publish(["index.html"])
    assert updates.since(number) is None


def test_since_updates_no_longer_kept_is_none() -> None:
    updates = Updates("run")
    for number in range(KEPT + 5):
        updates.publish([f"page-{number}/index.html"])
    last = updates.current().number
    assert updates.since(last - KEPT) is not None  # the first update after it is still kept
    assert updates.since(last - KEPT - 1) is None
    kept = updates.since(last - 2)
    assert kept is not None and kept[0] == (
        f"page-{last - 1}/index.html",
        f"page-{last}/index.html",
    )


def test_wait_returns_an_update_published_by_another_thread() -> None:
    updates = Updates("run")
    updates.publish(["index.html"])
    publisher = threading.Timer(0.1, updates.publish, args=(["a/index.html"],))
    publisher.start()
    started = time.monotonic()
    update = updates.wait(0, timeout=5)
    assert time.monotonic() - started < 4
    assert update is not None and update.number == 1 and update.changed == ("a/index.html",)
    publisher.join()


def test_wait_returns_at_once_when_a_newer_update_exists() -> None:
    updates = Updates("run")
    updates.publish(["index.html"])
    updates.publish(["a/index.html"])
    assert updates.wait(NOT_BUILT, timeout=0) == updates.current()


def test_wait_gives_none_after_the_timeout() -> None:
    updates = Updates("run")
    updates.publish(["index.html"])
    started = time.monotonic()
    assert updates.wait(0, timeout=0.2) is None
    assert 0.15 < time.monotonic() - started < 2


def test_close_wakes_every_waiter_and_later_waits_return_none_at_once() -> None:
    updates = Updates("run")
    results: list[Update | None] = []
    waiters = [
        threading.Thread(target=lambda: results.append(updates.wait(NOT_BUILT, timeout=30)))
        for _ in range(3)
    ]
    for waiter in waiters:
        waiter.start()
    time.sleep(0.1)
    started = time.monotonic()
    updates.close()
    for waiter in waiters:
        waiter.join(5)
    assert time.monotonic() - started < 2
    assert results == [None, None, None]
    updates.publish(["index.html"])
    assert updates.closed
    assert updates.wait(NOT_BUILT, timeout=30) is None


def test_a_finding_keeps_what_the_overlay_shows() -> None:
    problem = Problem("content/a.md", 14, "faq[2].answer", "too long", "heading-skip", column=5)
    finding = Finding.of(problem)
    assert finding.text == "content/a.md:14:5: faq[2].answer: too long [heading-skip]"
    assert finding.as_dict() == {
        "file": "content/a.md",
        "line": 14,
        "column": 5,
        "field": "faq[2].answer",
        "message": "too long",
        "rule": "heading-skip",
        "severity": "error",
        "text": "content/a.md:14:5: faq[2].answer: too long [heading-skip]",
    }
    warning = Problem("site.yaml", None, "", "odd", severity=WARNING)
    assert Finding.of(warning).as_dict()["text"] == "warning: site.yaml: odd"  # as build says
    assert Finding.of(warning).line is None
