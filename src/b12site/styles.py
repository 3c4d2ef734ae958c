"""How references read in print: the Vancouver style that medical journals use."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["VANCOUVER_MAX_AUTHORS", "vancouver_authors"]

VANCOUVER_MAX_AUTHORS = 6  # more than this: the first six, then "et al." (ICMJE, NLM)


def vancouver_authors(names: str | Sequence[str]) -> str:
    """An author list as Vancouver writes it: ``Aroda VR, Edelstein SL, et al.``; text given
    as one string is the editor's own wording and stays as it is."""
    if isinstance(names, str):
        return names
    shown = list(names[:VANCOUVER_MAX_AUTHORS])
    if len(names) > VANCOUVER_MAX_AUTHORS:
        shown.append("et al")
    return ", ".join(shown)
