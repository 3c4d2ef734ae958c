"""The watcher behind ``b12site serve``: which saves it sees, and how a rebuild names them."""

from __future__ import annotations

import queue
import time
from pathlib import Path

from b12site.watching import Changed, Watcher, described

WITHIN = 10.0  # seconds for a change to be seen


def _watching(root: Path) -> tuple[Watcher, queue.SimpleQueue[frozenset[Changed]]]:
    seen: queue.SimpleQueue[frozenset[Changed]] = queue.SimpleQueue()
    folders = [root / "content", root / "templates", root / "static"]
    watcher = Watcher(root / "site.yaml", folders, seen.put)
    watcher.start()
    time.sleep(0.5)  # the watches are in place
    return watcher, seen


def _paths(seen: queue.SimpleQueue[frozenset[Changed]], quiet: float = 0.6) -> set[str]:
    """Every path seen until nothing more comes for ``quiet`` seconds (at most WITHIN)."""
    found: set[str] = set()
    deadline = time.monotonic() + WITHIN
    while time.monotonic() < deadline:
        try:
            batch = seen.get(timeout=quiet if found else WITHIN)
        except queue.Empty:
            break
        found |= {c.path.name for c in batch}
    return found


def test_saves_in_every_source_folder_are_seen_and_editor_files_are_not(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "site.yaml").write_text("title: x\n")
    (tmp_path / "_site").mkdir()
    watcher, seen = _watching(tmp_path)
    try:
        (tmp_path / "content" / "a.md").write_text("one")
        assert _paths(seen) == {"a.md"}
        for name in (".a.md.swp", "a.md~", ".#a.md"):
            (tmp_path / "content" / name).write_text("editor's own")
        (tmp_path / "_site" / "index.html").write_text("output")
        (tmp_path / "notes.txt").write_text("not a source")
        (tmp_path / "site.yaml").write_text("title: y\n")
        assert _paths(seen) == {"site.yaml"}
        (tmp_path / "templates" / "partials").mkdir(parents=True)  # no templates/ at the start
        assert "templates" in _paths(seen)
        time.sleep(0.8)  # the new folder is watched inside
        (tmp_path / "templates" / "partials" / "footer.html").write_text("<footer>")
        assert "footer.html" in _paths(seen)
    finally:
        watcher.close()


def test_a_rebuild_line_names_what_changed(tmp_path: Path) -> None:
    kept = tmp_path / "content" / "a.md"
    kept.parent.mkdir()
    kept.write_text("x")
    gone = tmp_path / "content" / "b.md"
    temporary = tmp_path / "content" / "sedXYZ"
    assert described({Changed("modified", kept)}, tmp_path) == "content/a.md changed"
    assert described({Changed("deleted", gone)}, tmp_path) == "content/b.md removed"
    # sed -i and many editors write a temporary file and move it over the file they save
    saved = {Changed("added", temporary), Changed("deleted", temporary), Changed("added", kept)}
    assert described(saved, tmp_path) == "content/a.md changed"
    renamed = {Changed("deleted", gone), Changed("added", kept)}
    assert described(renamed, tmp_path) == "content/a.md and 1 more file changed"
