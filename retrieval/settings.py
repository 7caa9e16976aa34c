"""The retrieval pipeline's tunable values, read from `retrieval/data/settings.yaml`.

One object, passed to every stage: a value chosen by a tuning run is written into the YAML file
(versioned, diffable, with the measurement that chose it beside it), never copied by hand into a
Python constant. Benchmarks vary a value with `Settings.replace("fusion.alpha", 0.6)`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SETTINGS_FILE = Path(__file__).resolve().parent / "data" / "settings.yaml"


@dataclass(frozen=True)
class Fusion:
    alpha: float = 0.5
    dense_min_spread: float = 0.06
    examples: float = 0.0  # weight of the example questions' side, added to the convex combination
    examples_floor: float = 0.8  # … a question-to-question cosine at or below this adds nothing


@dataclass(frozen=True)
class Priors:
    status: dict[str, float] = field(default_factory=dict)
    type: dict[str, float] = field(default_factory=dict)
    scope: dict[str, float] = field(default_factory=dict)  # "peripheral": job grades, one ministry's procedures
    other_group: float = 1.0  # a provision binding only groups the question does not name
    outside_service: float = 1.0  # … when those groups are outside the civil service (người lao động)


@dataclass(frozen=True)
class Rerank:
    enabled: bool = True
    top_n: int = 20
    reorder: str = "unit"  # how far the heads may move candidates: unit | answer | all (rerank.Model.order)


@dataclass(frozen=True)
class Units:
    whole_list: bool = True  # a question asking for a list gets the article when its leading hits span it
    answer_parts: bool = True  # a question that asks two things gets both answered, each cited


@dataclass(frozen=True)
class Refusal:
    min_confidence: float = 0.0  # with the reranker: refuse below this probability that anything answers
    min_article: float = 0.0  # … and below this article probability when that cannot be read (rerank.Model)
    min_score: float = 0.0  # without it: refuse when the fused score and the cosine are both below these
    min_dense: float = 0.0


@dataclass(frozen=True)
class Settings:
    candidates: int = 100
    results: int = 10
    fusion: Fusion = field(default_factory=Fusion)
    priors: Priors = field(default_factory=Priors)
    rerank: Rerank = field(default_factory=Rerank)
    units: Units = field(default_factory=Units)
    refusal: Refusal = field(default_factory=Refusal)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        return _build(cls, data, "settings")

    @classmethod
    def from_file(cls, path: Path = SETTINGS_FILE) -> Settings:
        return cls.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def replace(self, dotted: str, value: Any) -> Settings:
        """A copy with one value changed: `settings.replace("refusal.min_dense", 0.87)`."""
        head, _, rest = dotted.partition(".")
        if not rest:
            return dataclasses.replace(self, **{head: value})
        inner = getattr(self, head)
        if isinstance(inner, Settings):
            return dataclasses.replace(self, **{head: inner.replace(rest, value)})
        return dataclasses.replace(self, **{head: _replace(inner, rest, value)})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _replace(obj: Any, dotted: str, value: Any) -> Any:
    head, _, rest = dotted.partition(".")
    if not rest:
        if head not in {f.name for f in dataclasses.fields(obj)}:
            raise KeyError(f"{type(obj).__name__} has no setting {head!r}")
        return dataclasses.replace(obj, **{head: value})
    return dataclasses.replace(obj, **{head: _replace(getattr(obj, head), rest, value)})


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    """Nested dataclasses from nested dicts; an unknown key is an error, not silently ignored."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)} (known: {sorted(known)})")
    values = {}
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    for name, value in data.items():
        nested = _NESTED.get(hints[name]) if isinstance(hints[name], str) else None
        values[name] = _build(nested, value or {}, f"{where}.{name}") if nested else value
    return cls(**values)


_NESTED: dict[str, type] = {}


def _register(*classes: type) -> None:
    for cls in classes:
        _NESTED[cls.__name__] = cls


_register(Fusion, Priors, Rerank, Units, Refusal)


@lru_cache(maxsize=1)
def default() -> Settings:
    """The product's settings (the shipped file), read once per process."""
    return Settings.from_file()
