"""Field types shared by front matter and settings, and pydantic errors reworded for editors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)

from b12site.citations import KEY
from b12site.errors import Problem, line_of, suggest
from b12site.models import Override
from b12site.names import slug_problem

__all__ = [
    "Authors",
    "Doi",
    "IsoDate",
    "Pmid",
    "RefId",
    "RuleSetting",
    "RuleSettings",
    "Slug",
    "StrictModel",
    "Text",
    "WebUrl",
    "field_path",
    "line_of",
    "problems_from",
    "rule_overrides",
]

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and coerces nothing."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty")
    return stripped


def _slug(value: str) -> str:
    if problem := slug_problem(value):
        raise ValueError(problem)
    return value


def _iso_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2024-05-01, got {_kind(value)}")
    if not _DATE_RE.match(value.strip()):
        raise ValueError(f"'{value}' is not a date: write it as YYYY-MM-DD, like 2024-05-01")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a real calendar date") from None


def _doi(value: str) -> str:
    if not re.match(r"^10\.[0-9]{4,9}/\S+\Z", value):
        raise ValueError(
            f"'{value}' is not a bare DOI: write it like 10.1136/bmj.g5226, "
            "without https://doi.org/"
        )
    return value


def _pmid(value: str) -> str:
    if not re.match(r"^[1-9][0-9]{0,8}\Z", value):
        raise ValueError(f"'{value}' is not a PubMed ID: use its digits only, like 23301732")
    return value


def _web_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*\Z", value):
        raise ValueError(f"'{value}' is not a web address starting with https:// or http://")
    return value


def _ref_id(value: str) -> str:
    if not re.fullmatch(KEY, value):
        raise ValueError(
            f"'{value}' cannot be cited: use letters, digits and hyphens, like smith2020"
        )
    return value


def _authors(value: object) -> str | tuple[str, ...]:
    if isinstance(value, str):
        return _text(value)
    if not isinstance(value, list) or not value:
        got = "an empty list" if value == [] else _kind(value)
        raise ValueError(f"expected names as text or as a list, got {got}")
    for index, name in enumerate(value, start=1):
        if not isinstance(name, str) or not name.strip():
            got = "empty" if isinstance(name, str) else _kind(name)
            raise ValueError(f"name {index} of the list is {got}, not a name")
    return tuple(name.strip() for name in value)


Text = Annotated[str, AfterValidator(_text)]
Authors = Annotated[
    str | tuple[str, ...],
    PlainValidator(_authors),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            ],
            "description": "The authors: as one text, or a list of names such as "
            "[Aroda VR, Edelstein SL] (printed Vancouver style: six names, then et al.)",
        }
    ),
]
RefId = Annotated[str, AfterValidator(_ref_id)]
Doi = Annotated[str, AfterValidator(_doi)]
Pmid = Annotated[str, AfterValidator(_pmid)]
WebUrl = Annotated[str, AfterValidator(_web_url)]
Slug = Annotated[str, AfterValidator(_slug)]


class RuleSetting(StrictModel):
    """A rule turned off or re-graded: ``{severity: off, reason: "…"}``."""

    severity: Literal["error", "warning", "off"]
    reason: Text


RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
RuleSettings = dict[RuleId, RuleSetting]


def rule_overrides(
    settings: Mapping[str, RuleSetting], path: str, lines: Mapping[str, int], field: str
) -> tuple[Override, ...]:
    """The overrides a file gives under ``field``, each with its line and reason."""
    return tuple(
        Override(rule, setting.severity, setting.reason, path, line_of(f"{field}.{rule}", lines, 1))
        for rule, setting in sorted(settings.items())
    )


IsoDate = Annotated[
    date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]


def field_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location such as ``("faq", 2, "answer")`` into ``faq[2].answer``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from(
    error: ValidationError,
    shown: str,
    lines: Mapping[str, int],
    model: type[BaseModel],
    default_line: int | None = 1,
) -> list[Problem]:
    """Reword every pydantic error as a ``Problem`` naming the file, line and field."""
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not _is_internal(part))
        path = field_path(loc)
        message = _message(item, _model_at(model, loc[:-1]))
        problems.append(Problem(shown, line_of(path, lines, default_line), path, message))
    return problems


def _is_internal(part: int | str) -> bool:
    """Whether a location part is a pydantic tag such as ``function-after[...]``."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int"})


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """Find the nested model class that a location points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _message(item: Any, model: type[BaseModel] | None) -> str:
    kind, value = item["type"], item.get("input")
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return _unknown_field(str(item["loc"][-1]), model)
    if kind == "string_type":
        hint = f' (put it in quotes: "{value}")' if isinstance(value, bool | int | float) else ""
        if isinstance(value, dict) and len(value) == 1:  # "- Anaemia: tiredness"
            hint = ": a value that holds ': ' must be in quotes"
        return f"expected text, got {_kind(value)}{hint}"
    if kind == "bool_type":
        shown = f" ('{value}')" if isinstance(value, str) and len(value) < 20 else ""
        return f"expected true or false, got {_kind(value)}{shown}"
    if kind in {"int_type", "int_from_float", "int_parsing"}:
        return f"expected a whole number, got {_kind(value)}"
    if kind == "list_type":
        return f"expected a list, got {_kind(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected a mapping of 'field: value' lines, got {_kind(value)}"
    if kind == "too_short":
        need = item.get("ctx", {}).get("min_length", 1)
        return "must not be empty" if need == 1 else f"needs at least {need} items"
    if kind == "too_long" and not isinstance(value, str):
        return f"has more than {item.get('ctx', {}).get('max_length')} items"
    if kind in {"string_too_long", "too_long"}:
        return f"is longer than {item.get('ctx', {}).get('max_length')} characters"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return str(item["msg"]).lower()
    message = str(item["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _unknown_field(name: str, model: type[BaseModel] | None) -> str:
    return "unknown field" + suggest(name, sorted(model.model_fields) if model else [])


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a true/false value ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
