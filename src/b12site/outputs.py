"""Render the planned outputs that changed since the last build, in parallel when it pays."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from b12site import codec
from b12site.cache import OutputRecord
from b12site.models import RenderedArticle, RenderedPage, SiteConfig
from b12site.plan import Output
from b12site.workers import stream

__all__ = ["outdated", "render_outputs"]

Stat = tuple[int, int]
LISTED_PER_PAGE = 200


def outdated(
    plan: Sequence[Output],
    site_key: str,
    previous: Mapping[str, OutputRecord],
    current: Callable[[str], Stat | None],
) -> tuple[list[Output], dict[str, str], dict[str, Stat]]:
    """Outputs to render (inputs changed, or the file is not as the last build left it),
    every output's key, and the stat of the ones left as they are."""
    todo, keys, kept = [], {}, {}
    for output in plan:
        key = keys[output.path] = output.key(site_key)
        record = previous.get(output.path)
        if record is not None and record.key == key:
            stat = current(output.path)
            if stat == (record.size, record.mtime_ns):
                kept[output.path] = stat
                continue
        todo.append(output)
    return todo, keys, kept


def render_outputs(
    todo: Sequence[Output],
    documents: Callable[[str], str],
    config: SiteConfig,
    site_key: str,
    jobs: int,
    progress: Callable[[int], None],
) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of each output as it is rendered, with the rendered document it reads
    (as JSON from ``documents``, fetched only just before it is needed)."""
    tasks = ((output, documents(output.document) if output.document else "") for output in todo)
    effort = _saved_by_pool(todo, jobs)
    results = stream(_render, tasks, len(todo), jobs, _setup, (config, site_key), progress, effort)
    for output, data in zip(todo, results, strict=True):
        yield output.path, data


def _saved_by_pool(todo: Sequence[Output], jobs: int) -> int:
    """About how many article pages' worth of rendering a pool would save: the work less the
    longest single output, since one output is never split (a list of a couple of hundred
    articles takes about as long as an article page)."""
    if jobs <= 1 or not todo:
        return 0
    work = [1 + output.context.size // LISTED_PER_PAGE for output in todo]
    total = sum(work)
    return total - max(max(work), -(-total // jobs))


_WORKER: dict[str, object] = {}


def _setup(config: SiteConfig, site_key: str) -> None:
    """Make the renderer once per process, and anew whenever settings or templates change."""
    from b12site.render import Renderer  # Jinja is imported only when something is rendered

    if _WORKER.get("site_key") != site_key:
        _WORKER["site_key"], _WORKER["renderer"] = site_key, Renderer(config)


def prepare(config: SiteConfig, site_key: str) -> None:
    """Make this process's renderer and compile every template now, so that the next pages
    rendered in this process start at once (``b12site serve`` does this after its first
    build, whose pages were rendered by worker processes)."""
    from b12site.render import Renderer

    _setup(config, site_key)
    renderer = _WORKER["renderer"]
    assert isinstance(renderer, Renderer)
    for name in renderer.env.list_templates():
        renderer.env.get_template(name)


def _render(task: tuple[Output, str]) -> bytes:
    """In a worker: decode the document and render one output."""
    from b12site.render import Renderer

    output, text = task
    renderer = _WORKER["renderer"]
    assert isinstance(renderer, Renderer)
    document: RenderedArticle | RenderedPage | None = None
    if output.document.startswith("article:"):
        document = codec.loads(RenderedArticle, text)
    elif output.document.startswith("page:"):
        document = codec.loads(RenderedPage, text)
    return renderer.render(output, document)
