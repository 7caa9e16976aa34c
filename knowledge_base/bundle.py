"""Builds the bundled knowledge base (`knowledge_base/documents/`) from `shared/corpus`.

Run by a maintainer when the sources change, never at run time:

    python -m knowledge_base.bundle ../shared/corpus

The parsers do the reading; this module only adds what a parser cannot know — the validity
facts the sources themselves state, the citation names lawyers use, and where a web page's
boilerplate ends — each with the provision or file that says so.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from knowledge_base import applicability, ids, phapdien, store
from knowledge_base.model import Document, Status, Validity
from knowledge_base.parsers import parse_file
from knowledge_base.parsers.structure import split_article_lines


@dataclass
class Curation:
    """What we add to a parsed document, and why (the `note` cites the source of each fact)."""

    name: str = ""
    title: str = ""
    doc_type: str = ""
    issuer: str = ""
    issued: date | None = None
    effective: date | None = None
    validity: Validity = field(default_factory=Validity)
    source: str = ""


# The three laws were copied from a crawl that includes a decision of 17/11/2025: what they say of
# their own validity is known as of that month, and nothing later is (knowledge_base/data/validity.yaml
# records what changed since, unit by unit).
LAW_COPY_BASIS = "văn bản gốc"
LAW_COPY_AS_OF = "11/2025"

LAWS: dict[str, tuple[str, Curation]] = {
    "laws/luat_can_bo_cong_chuc_2025_80-2025-QH15.md": ("80/2025/QH15", Curation(
        name="Luật Cán bộ, công chức",
        title="Cán bộ, công chức",
        doc_type="Luật",
        issuer="Quốc hội",
        issued=date(2025, 6, 24),
        effective=date(2025, 7, 1),
        validity=Validity(
            Status.IN_FORCE,
            note="Có hiệu lực từ ngày 01/7/2025 (khoản 1 Điều 44); thay thế Luật Cán bộ, công chức số "
                 "22/2008/QH12 đã được sửa đổi, bổ sung theo Luật số 52/2019/QH14 (khoản 3 Điều 44).",
            replaces=["22/2008/QH12"],
            basis=LAW_COPY_BASIS, as_of=LAW_COPY_AS_OF,
        ),
    )),
    "laws/nghi_dinh_172-2025-ND-CP_xu_ly_ky_luat_can_bo_cong_chuc.md": ("172/2025/NĐ-CP", Curation(
        name="Nghị định",
        title="Quy định về xử lý kỷ luật cán bộ, công chức",
        doc_type="Nghị định",
        issuer="Chính phủ",
        issued=date(2025, 6, 30),
        effective=date(2025, 7, 1),
        validity=Validity(
            Status.IN_FORCE,
            note="Có hiệu lực từ ngày 01/7/2025; bãi bỏ các quy định về xử lý kỷ luật cán bộ, công chức tại "
                 "Nghị định số 112/2020/NĐ-CP và Nghị định số 71/2023/NĐ-CP (khoản 2 Điều 29).",
            replaces=["112/2020/NĐ-CP", "71/2023/NĐ-CP"],
            basis=LAW_COPY_BASIS, as_of=LAW_COPY_AS_OF,
        ),
    )),
    "laws/quyet_dinh_3509-QD-CT_2025_quy_tac_ung_xu_voi_nguoi_nop_thue.md": ("3509/QĐ-CT", Curation(
        name="Quyết định",
        title="Ban hành Quy tắc ứng xử với người nộp thuế",
        doc_type="Quyết định",
        issuer="Cục Thuế, Bộ Tài chính",
        issued=date(2025, 11, 17),
        effective=date(2025, 11, 17),
        validity=Validity(Status.IN_FORCE, note="Có hiệu lực kể từ ngày ký, 17/11/2025 (Điều 2 Quyết định).",
                          basis=LAW_COPY_BASIS, as_of=LAW_COPY_AS_OF),
    )),
}

PHAPDIEN_NOTE = "Theo Bộ pháp điển điện tử (bản tháng 02/2025): điều khoản đang được pháp điển hóa."
PHAPDIEN_BASIS = "Bộ pháp điển điện tử"
PHAPDIEN_AS_OF = "02/2025"
PHAPDIEN_OVERRIDES: dict[str, Validity] = {
    "112/2020/NĐ-CP": Validity(
        Status.PARTLY_SUPERSEDED,
        note="Các quy định về xử lý kỷ luật cán bộ, công chức đã bị bãi bỏ bởi Nghị định số 172/2025/NĐ-CP từ "
             "01/7/2025 (khoản 2 Điều 29); các điều trong kho là các điều về viên chức, vẫn được áp dụng.",
        superseded_by=["172/2025/NĐ-CP"],
        basis="khoản 2 Điều 29 Nghị định số 172/2025/NĐ-CP", as_of=LAW_COPY_AS_OF,
    ),
    # Only Điều 1, 2 and 24–41 (compensation and reimbursement) are still codified in the 02/2025
    # snapshot; the discipline articles (3–23) are not, and the codified discipline rules for viên
    # chức are the viên-chức articles of NĐ 112/2020 (đề mục 5.2).
    "27/2012/NĐ-CP": Validity(
        Status.PARTLY_SUPERSEDED,
        note="Bộ pháp điển điện tử (02/2025) chỉ còn pháp điển hóa Điều 1, Điều 2 và Điều 24 đến Điều 41 (trách "
             "nhiệm bồi thường, hoàn trả của viên chức); các điều về xử lý kỷ luật viên chức (Điều 3 đến Điều 23) "
             "không còn trong Bộ pháp điển. Quy định về xử lý kỷ luật viên chức đang được pháp điển hóa là các "
             "điều về viên chức của Nghị định số 112/2020/NĐ-CP.",
        superseded_by=["112/2020/NĐ-CP"],
        basis=PHAPDIEN_BASIS, as_of=PHAPDIEN_AS_OF,
    ),
    # It guides NĐ 68/2000/NĐ-CP, which has been replaced; no text we have says whether the circular
    # itself still applies, so it is marked unverified rather than in force.
    "15/2001/TT-BTCCBCP": Validity(
        Status.UNVERIFIED,
        note="Thông tư hướng dẫn Nghị định số 68/2000/NĐ-CP, là nghị định đã được thay thế; Bộ pháp điển điện tử "
             "(02/2025) còn ghi các điều này nhưng chưa xác minh được thông tư còn được áp dụng.",
        basis="hướng dẫn một nghị định đã được thay thế",
    ),
}

# Official texts from the ALQAC 2022 benchmark (shared/corpus/benchmarks/alqac2022/law.json; see
# SOURCES.md): the original texts as passed, without later amendments, so their current validity is
# not verified here.
ALQAC_LAW_FILE = "benchmarks/alqac2022/law.json"
ALQAC_BASIS = "văn bản gốc trong bộ dữ liệu ALQAC 2022, chưa đối chiếu các sửa đổi, bổ sung sau khi ban hành"
ALQAC_LAWS: dict[str, Curation] = {
    "45/2019/QH14": Curation(
        name="Bộ luật Lao động",
        title="Bộ luật Lao động",
        doc_type="Bộ luật",
        issuer="Quốc hội",
        issued=date(2019, 11, 20),
        effective=date(2021, 1, 1),
        validity=Validity(
            Status.UNVERIFIED,
            note="Có hiệu lực từ ngày 01/01/2021 (khoản 1 Điều 220), thay thế Bộ luật Lao động số 10/2012/QH13. "
                 "Cán bộ, công chức nghỉ hằng năm, nghỉ lễ, tết, nghỉ việc riêng và nghỉ hưu theo pháp luật về lao "
                 "động (khoản 1 Điều 11, khoản 2 Điều 17, khoản 2 Điều 32 Luật Cán bộ, công chức số 80/2025/QH15).",
            replaces=["10/2012/QH13"],
            basis=ALQAC_BASIS,
        ),
        source="Bộ dữ liệu ALQAC 2022 (law.json, văn bản chính thức), xem shared/corpus/SOURCES.md",
    ),
    "24/2018/QH14": Curation(
        name="Luật An ninh mạng",
        title="An ninh mạng",
        doc_type="Luật",
        issuer="Quốc hội",
        issued=date(2018, 6, 12),
        effective=date(2019, 1, 1),
        validity=Validity(
            Status.UNVERIFIED,
            note="Có hiệu lực từ ngày 01/01/2019 (khoản 1 Điều 43).",
            basis=ALQAC_BASIS,
        ),
        source="Bộ dữ liệu ALQAC 2022 (law.json, văn bản chính thức), xem shared/corpus/SOURCES.md",
    ),
}

# Seed 000 is a web page of the Lộc Hà district portal that carries the directive's text; only the
# part between these two sentences is the directive, the rest is the portal's menus and footer.
DIRECTIVE_SEED = "seeds/000_72ada47fb4ec062a.txt"
DIRECTIVE_START = "Những năm qua, việc xây dựng, cụ thể hóa"
DIRECTIVE_END = "Chỉ thị được phổ biến, quán triệt đến chi bộ và tuyên truyền, phổ biến sâu rộng trong Nhân dân."
DIRECTIVE = Curation(
    name="Chỉ thị",
    title="Về tăng cường sự lãnh đạo của Đảng trong xây dựng văn hóa công sở, văn hóa doanh nghiệp",
    doc_type="Chỉ thị",
    issuer="Ban Thường vụ Tỉnh ủy Hà Tĩnh",
    issued=date(2021, 12, 28),
    validity=Validity(
        Status.UNVERIFIED,
        note="Văn bản lấy từ bản đăng trên Cổng thông tin điện tử huyện Lộc Hà (Hà Tĩnh); chưa đối chiếu "
             "bản gốc và chưa xác minh tình trạng hiệu lực.",
    ),
    source="Cổng thông tin điện tử huyện Lộc Hà, tỉnh Hà Tĩnh (shared/corpus/seeds/000_72ada47fb4ec062a.txt)",
)
NEWS_SEEDS = {
    "seed-001": "seeds/001_8cc2d86f26bd1e24.txt",
    "seed-002": "seeds/002_fd9282d7b1f41dd0.txt",
    "seed-003": "seeds/003_377a309168480513.txt",
    "seed-004": "seeds/004_a183c99723228247.txt",
}


def _apply(doc: Document, cur: Curation) -> Document:
    for attr in ("name", "title", "doc_type", "issuer", "issued", "effective", "source"):
        value = getattr(cur, attr)
        if value:
            setattr(doc, attr, value)
    doc.validity = cur.validity
    return doc


def build_laws(corpus: Path) -> list[Document]:
    docs = []
    for rel, (doc_id, cur) in LAWS.items():
        doc = parse_file(corpus / rel, doc_id=doc_id)
        doc.source = f"{Path(rel).name} (bản sao từ trang văn bản pháp luật, xem SOURCES.md)"
        docs.append(_apply(doc, cur))
    return docs


def build_directive(corpus: Path) -> Document:
    text = (corpus / DIRECTIVE_SEED).read_text(encoding="utf-8")
    start, end = text.index(DIRECTIVE_START), text.index(DIRECTIVE_END) + len(DIRECTIVE_END)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chi_thi_17-CT-TU.txt"
        path.write_text(text[start:end], encoding="utf-8")
        doc = parse_file(path, doc_id="17-CT/TU")
    return _apply(doc, DIRECTIVE)


def build_news(corpus: Path) -> list[Document]:
    docs = []
    for doc_id, rel in NEWS_SEEDS.items():
        doc = parse_file(corpus / rel, doc_id=doc_id)
        doc.validity = Validity(Status.REFERENCE, note="Bài báo về việc thực hiện văn hóa công sở, công vụ.")
        doc.source = Path(rel).name
        docs.append(doc)
    return docs


def build_phapdien(corpus: Path) -> list[Document]:
    articles = phapdien.read_articles(corpus / "phapdien" / "phapdien_articles.jsonl")
    docs = phapdien.build_documents(articles, split_article_lines)
    for doc in docs:
        doc.validity = PHAPDIEN_OVERRIDES.get(
            doc.id, Validity(Status.IN_FORCE, note=PHAPDIEN_NOTE, basis=PHAPDIEN_BASIS, as_of=PHAPDIEN_AS_OF))
    return docs


def build_alqac_laws(corpus: Path) -> list[Document]:
    """The labour code and the cybersecurity law, article by article as the benchmark gives them
    ("<title>\n\n<body>"), through the text parser like any upload."""
    laws = {law["id"]: law for law in json.loads((corpus / ALQAC_LAW_FILE).read_text(encoding="utf-8"))}
    docs = []
    for doc_id, cur in ALQAC_LAWS.items():
        lines = []
        for article in laws[doc_id]["articles"]:
            title, _, body = article["text"].partition("\n\n")
            lines += [f"Điều {article['id']}. {title.strip()}", body.strip()]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{ids.file_name(doc_id)}.txt"
            path.write_text("\n".join(lines), encoding="utf-8")
            doc = parse_file(path, doc_id=doc_id)
        docs.append(_apply(doc, cur))
    return docs


def build_all(corpus: Path) -> list[Document]:
    docs = [*build_laws(corpus), build_directive(corpus), *build_news(corpus), *build_phapdien(corpus),
            *build_alqac_laws(corpus)]
    return [with_applicability(doc) for doc in docs]


def with_applicability(doc: Document) -> Document:
    """Whom the document binds and its scope, from knowledge_base/data/applicability.yaml."""
    scope, applies_to, articles = applicability.curated().for_document(doc.id, doc.title, doc.is_norm)
    return replace(doc, scope=scope, applies_to=applies_to, applies_to_articles=articles)


def write(docs: list[Document], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wanted = {ids.file_name(d.id) for d in docs}
    if len(wanted) != len(docs):
        raise ValueError("Hai văn bản trùng tên tệp")
    for stale in out.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for doc in docs:
        store.save(doc, out)


def main() -> None:
    parser = argparse.ArgumentParser(description="Dựng kho văn bản đóng gói từ shared/corpus")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, default=store.BUNDLED_DIR)
    args = parser.parse_args()
    docs = build_all(args.corpus)
    write(docs, args.out)
    print(f"{len(docs)} văn bản → {args.out}")


if __name__ == "__main__":
    main()

