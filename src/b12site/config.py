"""Site settings: ``site.yaml`` validated into a frozen ``SiteConfig``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator

from b12site.errors import ConfigError, ContentError, Problem, display_path
from b12site.fields import (
    RuleSettings,
    Slug,
    StrictModel,
    Text,
    WebUrl,
    problems_from,
    rule_overrides,
)
from b12site.frontyaml import parse_yaml
from b12site.models import (
    CareCardSettings,
    Person,
    Publisher,
    ReadabilitySettings,
    SiteConfig,
    TopicInfo,
    url_path,
)

__all__ = ["DEFAULT_DISCLAIMER", "SiteSettings", "load_config"]

DEFAULT_DISCLAIMER = (
    "This article is for general information only. It is not medical advice and does not "
    "replace a consultation with a doctor or other qualified health professional. If you think "
    "you have a medical emergency, call your local emergency number."
)


class PersonModel(StrictModel):
    """An author or medical reviewer."""

    id: Slug
    name: Text
    credentials: str = ""
    role: str = ""
    url: str = ""
    bio: str = ""


class PublisherModel(StrictModel):
    """The organisation behind the site."""

    name: Text
    url: WebUrl | None = None
    logo: str = ""


class TopicModel(StrictModel):
    """A topic that articles may be tagged with."""

    slug: Slug
    name: Text
    description: str = ""


class ReadabilityModel(StrictModel):
    """The reading level articles are written for."""

    target_grade: Annotated[float, Field(ge=1, le=20)] = 8.0
    allowed_terms: Annotated[list[Text], Field(max_length=2000)] = Field(default_factory=list)


CareCardHeading = Annotated[Text, Field(max_length=150)]


class CareCardsModel(StrictModel):
    """The visible headings of the care cards (`!!! non-urgent`, `!!! urgent`, `!!! emergency`)."""

    non_urgent: CareCardHeading = CareCardSettings.non_urgent
    urgent: CareCardHeading = CareCardSettings.urgent
    emergency: CareCardHeading = CareCardSettings.emergency


class SiteSettings(StrictModel):
    """The schema of ``site.yaml``."""

    title: Text
    base_url: WebUrl
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] = "en"
    description: Text
    publisher: PublisherModel
    disclaimer: Text = DEFAULT_DISCLAIMER
    review_cycle_months: Annotated[int, Field(ge=1, le=120)] = 36
    latest_count: Annotated[int, Field(ge=1, le=100)] = 10
    feed_count: Annotated[int, Field(ge=1, le=10000)] = 50
    words_per_minute: Annotated[int, Field(ge=50, le=1000)] = 200
    people: Annotated[list[PersonModel], Field(min_length=1)]
    topics: list[TopicModel] = Field(default_factory=list)
    readability: ReadabilityModel = Field(default_factory=ReadabilityModel)
    care_cards: CareCardsModel = Field(default_factory=CareCardsModel)
    rules: RuleSettings = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> SiteSettings:
        for kind, ids in (
            ("people", [p.id for p in self.people]),
            ("topics", [t.slug for t in self.topics]),
        ):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{kind}: {', '.join(twice)} listed more than once")
        return self


def _link(href: str, base_url: str) -> str:
    """Resolve a site-relative link such as ``about/#team`` under the site's URL path."""
    if not href or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|^#", href):
        return href
    return url_path(base_url) + href


def load_config(path: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate ``site.yaml``; raise ConfigError naming the file, line and field."""
    shown = display_path(path, path.parent)  # in-file problems: as content files are named
    found = display_path(path)  # the file itself: from the working folder, or absolute
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        message = "not found: run b12site in a site folder or pass --config"
        raise ConfigError([Problem(found, None, "", message)]) from exc
    except OSError as exc:
        raise ConfigError([Problem(found, None, "", f"cannot read: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(found, None, "", f"not UTF-8 text ({exc.reason})")]) from exc
    try:
        data, lines, twice = parse_yaml("\n" + text, shown, first_line=0, what="site.yaml")
    except ContentError as exc:
        raise ConfigError(exc.problems) from exc
    if base_url is not None:
        data["base_url"] = base_url
    try:
        settings = SiteSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(twice + problems_from(exc, shown, lines, SiteSettings)) from exc
    if twice:
        raise ConfigError(twice)
    root = path.parent.resolve()  # one cache key however the site is named on the command line
    base = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    publisher = settings.publisher
    return SiteConfig(
        root=root,
        title=settings.title,
        base_url=base,
        language=settings.language,
        description=settings.description,
        publisher=Publisher(publisher.name, publisher.url or "", publisher.logo),
        disclaimer=settings.disclaimer,
        review_cycle_months=settings.review_cycle_months,
        people={
            p.id: Person(p.id, p.name, p.credentials, p.role, _link(p.url, base), p.bio)
            for p in settings.people
        },
        topics={t.slug: TopicInfo(t.slug, t.name, t.description) for t in settings.topics},
        latest_count=settings.latest_count,
        feed_count=settings.feed_count,
        words_per_minute=settings.words_per_minute,
        rules=rule_overrides(settings.rules, shown, lines, "rules"),
        readability=ReadabilitySettings(
            settings.readability.target_grade, tuple(settings.readability.allowed_terms)
        ),
        care_cards=CareCardSettings(
            settings.care_cards.non_urgent,
            settings.care_cards.urgent,
            settings.care_cards.emergency,
        ),
        content_dir=root / "content",
        templates_dir=root / "templates",
        static_dir=root / "static",
        config_path=path,
    )
