"""The Markdown fuzz target, run for a bounded time: no finding, and b12site is instrumented."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

FUZZ = Path(__file__).parent / "fuzz"
SECONDS = 25


def test_fuzz_markup_finds_nothing(tmp_path: Path) -> None:
    """25 s of fuzzing from a copy of the seed corpus: no finding, and our code instrumented."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FUZZ / "corpus", corpus)  # the fuzzer adds inputs: keep the repository's
    done = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "fuzz_markup.py"),
            f"-max_total_time={SECONDS}",
            "-seed=1",  # the same inputs in the same order on every machine (by hand: random)
            "-timeout=10",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS + 90,
        check=False,
    )
    output = done.stdout + done.stderr
    log = "\n".join(line for line in output.splitlines() if "INFO: Instrumenting" not in line)
    log = log[-6000:]
    findings = {
        p.name: p.read_bytes()[:500]
        for p in tmp_path.iterdir()
        if p.name.startswith(("crash-", "timeout-"))
    }
    assert findings == {}, log
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("oom-", "leak-"))], log
    assert done.returncode == 0, log
    # atheris instrumented our code, so libFuzzer sees coverage grow from it
    assert "INFO: Instrumenting b12site.markup" in done.stderr, log
    assert "INFO: Instrumenting markdown" in done.stderr, log
    initial = re.search(r"INITED cov: (\d+)", done.stderr)
    assert initial and int(initial.group(1)) > 300, log  # about 1,000 edges today
    assert len(list(corpus.iterdir())) >= len(list((FUZZ / "corpus").iterdir()))
