"""Documents from the Bộ pháp điển điện tử (Bộ Tư pháp) đề mục export.

Pháp điển arranges articles by topic, not by source document; each article carries an official
note naming where it comes from ("Điều 19 Luật số 58/2010/QH12 … có hiệu lực thi hành kể từ …").
We regroup the articles under their source documents, because users and lawyers cite
"Điều 19 Luật Viên chức", never "Điều 5.2.LQ.19", and we keep the note on every article so the
attribution travels with the text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from knowledge_base.model import Document, Kind, Node

# An official number as the notes write it, typos included: "58/2010/QH12", "50/2022/NĐ_CP",
# "05/2018/TT- BGTVT", "01/2015 /TT-UBDT" (`_clean_number` repairs them).
_NUMBER = r"\S+(?: /\S+|(?<=-) \S+)?"
# The first note of each source document names it in full:
# "Điều 1 Luật số 58/2010/QH12 Viên chức ngày 15/11/2010 của Quốc hội, có hiệu lực thi hành kể từ ngày 01/01/2012"
# The title is matched greedily: a title may itself name a dated act ("Hướng dẫn thực hiện Nghị định
# số 68/2000/NĐ-CP ngày 17/11/2000 của Chính phủ về …"), and the document's own date and issuer are
# the last ones before "có hiệu lực".
_FULL_NOTE = re.compile(
    r"^Điều \w+ (?P<type>Luật|Nghị định|Thông tư liên tịch|Thông tư|Quyết định|Nghị quyết liên tịch|"
    rf"Nghị quyết|Pháp lệnh|Chỉ thị) số (?P<number>{_NUMBER})(?P<title>.*) ngày (?P<issued>\d\d/\d\d/\d{{4}}) "
    r"của (?P<issuer>.+?), có hiệu lực thi hành kể từ ngày (?P<effective>\d\d/\d\d/\d{4})"
)
# Pháp điển pages link the forms attached to an article by their file names ("Mau so 01 - TCD.
# Thong bao tu choi tiep cong dan.docx"). They are links, not provisions: quoting one as law would
# be wrong, and their unaccented words pull queries typed without diacritics towards them.
_ATTACHMENT_FILE = re.compile(r"\.(?:docx?|xlsx?|pdf|rar|zip)\s*$", re.IGNORECASE)
_NOTE_NUMBER = re.compile(rf"^Điều \w+ \S+(?: \S+)*? số ({_NUMBER})")
_SHORT_TITLES = {
    # How Vietnamese lawyers name these laws in a citation; the notes give only "Luật số …".
    "58/2010/QH12": "Luật Viên chức",
    "36/2018/QH14": "Luật Phòng, chống tham nhũng",
    "42/2013/QH13": "Luật Tiếp công dân",
}


@dataclass
class PhapDienArticle:
    demuc: str
    heading: str  # "Điều 5.2.LQ.19. Những việc viên chức không được làm"
    note: str
    doc_number: str
    provision: str  # "19", "3a"
    url: str
    text: str


def read_articles(path: Path) -> list[PhapDienArticle]:
    """Articles from `phapdien_articles.jsonl` (the đề mục pages with HTML stripped, wording kept)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(unicodedata.normalize("NFC", line))
        note = " ".join(rec["source_note"].split())
        number = _NOTE_NUMBER.match(note)
        out.append(
            PhapDienArticle(
                demuc=rec["demuc"],
                heading=rec["phapdien_heading"],
                note=note,
                doc_number=_clean_number(number.group(1) if number else rec["source_doc"]),
                provision=rec["source_provision"].removeprefix("Điều ").strip(),
                url=rec["source_url"],
                text=rec["text"],
            )
        )
    return out


def _clean_number(raw: str) -> str:
    """The official number as lawyers write it, whatever typo the pháp điển note has (see `_NUMBER`)."""
    return raw.replace(" /", "/").replace("- ", "-").replace("_", "-").rstrip(",.;")


def build_documents(
    articles: Iterable[PhapDienArticle], split_body: Callable[[list[str]], list[Node]]
) -> list[Document]:
    """Group articles by source document; `split_body` turns an article's lines into its units.

    Articles without text (the source has only a table or attachment) are skipped: there is
    nothing to quote.
    """
    articles = list(articles)
    docs: dict[str, Document] = {}
    for art in articles:  # the full note may sit on an article that has no text of its own
        if art.doc_number not in docs and _FULL_NOTE.match(art.note):
            docs[art.doc_number] = _document_from_note(art)
    seen: set[tuple[str, str]] = set()
    for art in articles:
        if not art.text.strip():
            continue
        doc = docs.get(art.doc_number)
        if doc is None:
            raise ValueError(f"Ghi chú pháp điển không đủ thông tin văn bản: {art.note[:120]}")
        key = (art.doc_number, art.provision)
        if key in seen:  # the same article codified under two đề mục
            continue
        seen.add(key)
        title = art.heading.split(". ", 1)[1] if ". " in art.heading else ""
        lines = [ln.strip() for ln in art.text.splitlines() if ln.strip() and not _ATTACHMENT_FILE.search(ln)]
        for number, heading, own in _inserted_articles(art.provision, title, lines):
            if (art.doc_number, number) in seen and number != art.provision:
                continue
            seen.add((art.doc_number, number))
            doc.body.append(Node(Kind.ARTICLE, number=number, title=heading, children=split_body(own),
                                 note=art.note))
    for doc in docs.values():
        doc.body.sort(key=lambda n: _article_order(n.number or ""))
    return sorted(docs.values(), key=lambda d: d.id)


# An article an amendment inserted ("Điều 40a. Thông báo kết quả xét thăng hạng"), which pháp điển
# carries inside the record of the article before it.
_INSERTED = re.compile(r"^Điều (\d+[a-zđ])\.\s+(.*)$")


def _inserted_articles(number: str, title: str, lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """The record's own article and any inserted after it, each with its lines: without the split,
    Điều 40a's clauses would be quoted and cited as khoản 3 of Điều 40."""
    found: list[tuple[str, str, list[str]]] = [(number, title, [])]
    for line in lines:
        m = _INSERTED.match(line)
        if m and m.group(1) == number and not found[-1][2]:
            continue  # the record's own heading repeated as its first line (Điều 2a of 03/2021/TT-BGDĐT)
        if m and m.group(1) != number:
            found.append((m.group(1), m.group(2), []))
        else:
            found[-1][2].append(line)
    return [f for f in found if f[2] or f[0] == number]


def _article_order(number: str) -> tuple[int, str]:
    match = re.match(r"(\d+)(.*)", number)
    return (int(match.group(1)), match.group(2)) if match else (10**6, number)


def _document_from_note(art: PhapDienArticle) -> Document:
    full = _FULL_NOTE.match(art.note)
    assert full is not None
    doc_type = full.group("type")
    title = full.group("title").strip(" ,")
    if not title and doc_type == "Luật":
        title = _SHORT_TITLES.get(art.doc_number, "").removeprefix("Luật ")
    return Document(
        id=art.doc_number,
        doc_type=doc_type,
        name=_SHORT_TITLES.get(art.doc_number, doc_type if doc_type != "Luật" else f"Luật {title}"),
        title=title,
        issuer=full.group("issuer"),
        issued=_dmy(full.group("issued")),
        effective=_dmy(full.group("effective")),
        source=f"Bộ pháp điển điện tử, đề mục {art.demuc}; {art.url.split('#')[0]}",
    )


def _dmy(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()
