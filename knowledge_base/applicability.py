"""Whom a provision binds, and whether its document is a core conduct rule or peripheral.

Recorded in each document's front matter (`scope`, `applies_to`, `applies_to_articles`), so an
admin corrects it where the document is; for the bundled documents it comes from the curated
`knowledge_base/data/applicability.yaml`. Retrieval demotes a provision written for another group
than the one a question names, and the answer says whom the rule it quotes is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

CURATED = Path(__file__).resolve().parent / "data" / "applicability.yaml"
SCOPES = ("core", "peripheral")
# Subject codes and how an answer names them.
SUBJECTS = {
    "can_bo": "cán bộ",
    "cong_chuc": "công chức",
    "vien_chuc": "viên chức",
    "nguoi_dung_dau": "người đứng đầu cơ quan, tổ chức, đơn vị",
    "nguoi_co_chuc_vu": "người có chức vụ, quyền hạn",
    "nguoi_tiep_cong_dan": "người tiếp công dân",
    "cong_chuc_thue": "công chức ngành thuế",
    "thanh_tra": "cán bộ, công chức, viên chức ngành thanh tra",
    # Bộ luật Lao động binds them; cán bộ, công chức, viên chức only where their own laws refer to it
    # (nghỉ hằng năm, nghỉ lễ, nghỉ hưu), which its validity note names.
    "nguoi_lao_dong": "người lao động theo Bộ luật Lao động",
    # Luật PCTN's rules for enterprises: people with a position there are not cán bộ, công chức,
    # viên chức, so a civil servant asking about a relative's company is not answered with them.
    "doanh_nghiep_nha_nuoc": "người quản lý, người làm việc trong doanh nghiệp nhà nước",
    "doanh_nghiep_ngoai_nha_nuoc": "doanh nghiệp, tổ chức khu vực ngoài nhà nước",
}


def names(subjects: list[str] | tuple[str, ...]) -> str:
    """"cán bộ, công chức" for ["can_bo", "cong_chuc"]."""
    return ", ".join(SUBJECTS.get(s, s) for s in subjects)


def problems(scope: str, applies_to: list[str], articles: dict[str, list[str]]) -> list[str]:
    """Unknown values in a document's front matter, in Vietnamese."""
    found = []
    if scope not in SCOPES:
        found.append(f"phạm vi “{scope}” không hợp lệ (chọn: {', '.join(SCOPES)})")
    for subject in [*applies_to, *(s for v in articles.values() for s in v)]:
        if subject not in SUBJECTS:
            found.append(f"đối tượng áp dụng “{subject}” không hợp lệ (chọn: {', '.join(SUBJECTS)})")
    return found


@dataclass(frozen=True)
class Curated:
    core: frozenset[str]
    applies_to: dict[str, list[str]] = field(default_factory=dict)
    by_title: tuple[tuple[re.Pattern[str], list[str]], ...] = ()
    articles: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def for_document(self, doc_id: str, title: str, is_norm: bool) -> tuple[str, list[str], dict[str, list[str]]]:
        """(scope, applies_to, applies_to_articles) for a bundled document."""
        scope = "core" if doc_id in self.core or not is_norm else "peripheral"
        applies = self.applies_to.get(doc_id)
        if applies is None:
            applies = next((subjects for pattern, subjects in self.by_title if pattern.search(title.lower())), [])
        return scope, list(applies), {k: list(v) for k, v in self.articles.get(doc_id, {}).items()}


@lru_cache(maxsize=1)
def curated(path: Path = CURATED) -> Curated:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Curated(
        core=frozenset(data.get("core") or []),
        applies_to={k: list(v) for k, v in (data.get("applies_to") or {}).items()},
        by_title=tuple((re.compile(r["pattern"]), list(r["applies_to"])) for r in data.get("applies_to_title") or []),
        articles={d: {str(a): list(s) for a, s in arts.items()}
                  for d, arts in (data.get("applies_to_articles") or {}).items()},
    )
