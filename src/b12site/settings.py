"""Site settings for a build: validated from ``site.yaml``, or reused from the cache."""

from __future__ import annotations

from pathlib import Path

from b12site import codec
from b12site.cache import Cache
from b12site.keys import digest_of, version
from b12site.models import SiteConfig

__all__ = ["load_settings"]


def load_settings(path: Path, base_url: str | None, cache: Cache) -> SiteConfig:
    """``site.yaml`` as a SiteConfig; validated again only when its text or the call changed."""
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""  # load_config reports the missing or unreadable file
    key = digest_of(raw, str(path.resolve()), base_url or "", version())
    stored = cache.meta("settings")
    if raw and stored.startswith(key + "\n"):
        try:
            return codec.loads(SiteConfig, stored[len(key) + 1 :])
        except codec.DecodeError:
            pass
    # Imported here: pydantic is only needed when the settings must be validated.
    from b12site.config import load_config

    config = load_config(path, base_url)
    cache.remember({"settings": f"{key}\n{codec.dumps(config)}"})
    return config
