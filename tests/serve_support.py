"""Support for the tests of ``b12site serve``: a copy of the sample site, and the command
running on a free loopback port with its terminal read line by line."""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .reader_support import EPOCH, REPO

STARTS_WITHIN = 120.0  # seconds for the first build and the "Serving" line
SETTLES_WITHIN = 30.0  # seconds for a rebuild to reach what the test waits for


def sample_copy(folder: Path) -> Path:
    """The sample site's settings and content, copied into ``folder`` (the theme is the
    package's); the settings file."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", folder / "site.yaml")
    shutil.copytree(REPO / "content", folder / "content")
    return folder / "site.yaml"


@dataclass
class Serving:
    """``b12site serve`` running: its URL and every line it printed so far."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)
    _incoming: queue.SimpleQueue[str] = field(default_factory=queue.SimpleQueue)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def read_lines(self) -> list[str]:
        """Every line printed so far (stdout and stderr, in the order they came)."""
        while True:
            try:
                self.lines.append(self._incoming.get_nowait())
            except queue.Empty:
                return self.lines

    def wait_for_line(self, pattern: str, after: int = 0, within: float = SETTLES_WITHIN) -> str:
        """The first line from index ``after`` on matching ``pattern``; fail after ``within``."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for line in self.read_lines()[after:]:
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; printed:\n" + "\n".join(self.lines))

    def get(self, path: str) -> tuple[int, str]:
        """The status and body of ``path`` (as sent: no normalising of the path)."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        """Poll ``check`` until it holds; fail naming ``what`` and the terminal's lines."""
        deadline = time.monotonic() + SETTLES_WITHIN
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"{what} did not happen; printed:\n" + "\n".join(self.read_lines()))

    def stop(self, how: int = signal.SIGINT) -> int:
        """Stop the server as Ctrl-C does (or with another signal); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            return self.process.wait(timeout=20)
        finally:
            self.process.kill()


@contextmanager
def serving(settings: Path, *extra: str) -> Iterator[Serving]:
    """Run ``b12site serve --port 0`` for the site, until the block ends."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "b12site",
            "serve",
            "--config",
            str(settings),
            "--port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=settings.parent,
    )
    incoming: queue.SimpleQueue[str] = queue.SimpleQueue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            incoming.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    started = Serving(process, "", _incoming=incoming)
    try:
        line = started.wait_for_line(r"^Serving http://", within=STARTS_WITHIN)
        started.url = line.split()[1]
        yield started
    finally:
        started.stop()


def changed_file(path: Path, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` in a source file, as an editor saves it."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")
