"""Parsers on the real corpus texts and on decrees generated here in every supported format.

The corpus lives beside the repository (shared/corpus); tests that need it skip when it is absent.
The generated files come from tests/fixtures/nghi_dinh_mau.txt, a short invented decree with
Chương, Điều, khoản, điểm (including "đ)"), a trailing paragraph in a khoản and a closing block.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from knowledge_base.model import Document, Kind, Node, Status
from knowledge_base.parsers import ParseError, markdown, parse_bytes, parse_file, slugify, text
from knowledge_base.parsers import lines_from_bytes as read_any
from knowledge_base.parsers.paragraphs import join_wrapped
from knowledge_base.parsers.structure import split_article_lines

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "nghi_dinh_mau.txt"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

LAW_80 = "laws/luat_can_bo_cong_chuc_2025_80-2025-QH15.md"
DECREE_172 = "laws/nghi_dinh_172-2025-ND-CP_xu_ly_ky_luat_can_bo_cong_chuc.md"
DECISION_3509 = "laws/quyet_dinh_3509-QD-CT_2025_quy_tac_ung_xu_voi_nguoi_nop_thue.md"
DIRECTIVE_17 = "seeds/000_72ada47fb4ec062a.txt"
NEWS = [
    "seeds/001_8cc2d86f26bd1e24.txt",
    "seeds/002_fd9282d7b1f41dd0.txt",
    "seeds/003_377a309168480513.txt",
    "seeds/004_a183c99723228247.txt",
]
ALL_CORPUS = [LAW_80, DECREE_172, DECISION_3509, DIRECTIVE_17, *NEWS]


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"corpus file not available: {path}")
    return path


_cache: dict[str, Document] = {}


def parsed(relative: str) -> Document:
    if relative not in _cache:
        _cache[relative] = parse_file(corpus_file(relative))
    return _cache[relative]


# ---------------------------------------------------------------- helpers


def words(text_: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text_).casefold()))


def node_line(node: Node) -> str:
    if node.kind in (Kind.PART, Kind.CHAPTER, Kind.SECTION, Kind.ARTICLE, Kind.ATTACHMENT):
        return f"{node.heading()} {node.note}"
    return f"{node.labelled_text()} {node.note}"


def document_text(doc: Document) -> str:
    """Everything the document keeps, as a reader would see it: preamble, tree, closing."""
    return "\n".join([doc.preamble, *(node_line(n) for n in doc.walk()), doc.closing])


def article(container: Document | Node, number: str) -> Node:
    nodes = container.walk()
    matches = [n for n in nodes if n.kind is Kind.ARTICLE and n.number == number]
    assert len(matches) == 1, f"Điều {number}: {len(matches)} matches"
    return matches[0]


def child(node: Node, kind: Kind, number: str) -> Node:
    matches = [c for c in node.children if c.kind is kind and c.number == number]
    assert len(matches) == 1, f"{kind} {number} under {node.heading() or node.number}: {len(matches)}"
    return matches[0]


def sample_paragraphs() -> list[str]:
    return [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def assert_sample_decree(doc: Document, source: str) -> None:
    """What every format of the generated decree must parse into."""
    assert doc.id == "45/2025/NĐ-CP"
    assert doc.doc_type == "Nghị định"
    assert doc.title == "Quy định về văn hóa ứng xử tại công sở"
    assert doc.issuer == "Chính phủ"
    assert doc.issued == date(2025, 3, 15)
    assert doc.effective == date(2025, 5, 1)
    assert doc.signer == "Nguyễn Văn An"
    assert doc.source == source
    assert doc.validity.status is Status.IN_FORCE
    assert [n.kind for n in doc.body] == [Kind.CHAPTER, Kind.CHAPTER]
    assert doc.body[1].heading() == "Chương II. CHUẨN MỰC ỨNG XỬ"
    assert [a.number for a in doc.articles()] == ["1", "2", "3", "4"]
    assert article(doc, "1").title == "Phạm vi điều chỉnh"
    clause_1 = child(article(doc, "1"), Kind.CLAUSE, "1")
    assert clause_1.text.endswith("doanh nghiệp đến liên hệ công việc.")
    assert [c.kind for c in article(doc, "2").children] == [Kind.PARAGRAPH]
    clause = child(article(doc, "3"), Kind.CLAUSE, "1")
    assert clause.text == "Khi tiếp người dân, cán bộ, công chức phải:"
    points = [c for c in clause.children if c.kind is Kind.POINT]
    assert [p.number for p in points] == ["a", "b", "c", "d", "đ"]
    assert points[4].text.startswith("Xin lỗi người dân khi để xảy ra sai sót")
    assert clause.children[-1].kind is Kind.PARAGRAPH
    assert clause.children[-1].text == "Bộ trưởng Bộ Nội vụ hướng dẫn chi tiết khoản này."
    assert "Nơi nhận" not in article(doc, "4").full_text()
    assert doc.closing.startswith("Nơi nhận:")
    assert "Căn cứ Luật Cán bộ, công chức ngày 24 tháng 6 năm 2025;" in doc.preamble.split("\n")
    assert words(document_text(doc)) == words(SAMPLE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- text conservation


@pytest.mark.parametrize("relative", [f for f in ALL_CORPUS if f.endswith((".md", ".txt"))])
def test_reader_keeps_every_letter_and_digit(relative: str) -> None:
    """Cleaning removes markup and joins lines, but never a letter or a digit, and keeps order."""
    path = corpus_file(relative)
    reader = markdown if path.suffix == ".md" else text

    def alnum(s: str) -> str:
        return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", s))

    assert alnum("".join(reader.read_lines(path))) == alnum(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("relative", ALL_CORPUS)
def test_tree_keeps_every_word(relative: str) -> None:
    """Every word of the input lines is somewhere in preamble, tree or closing — exactly once."""
    path = corpus_file(relative)
    lines = read_any(path.read_bytes(), path.name)
    assert words(document_text(parsed(relative))) == words("\n".join(lines))


# ---------------------------------------------------------------- Luật 80/2025/QH15


def test_law_80_structure() -> None:
    doc = parsed(LAW_80)
    counts = doc.counts()
    assert counts["chuong"] == 7
    assert counts["dieu"] == 45
    assert counts["muc"] == 10
    assert [a.number for a in doc.articles()] == [str(n) for n in range(1, 46)]
    assert [c.number for c in doc.body] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert all(a.text == "" for a in doc.articles()), "an Điều keeps its body in children"

    art_13 = article(doc, "13")
    assert art_13.title == "Văn hóa giao tiếp"
    clause_2 = child(art_13, Kind.CLAUSE, "2")
    assert clause_2.text == "Văn hóa giao tiếp với Nhân dân:"
    assert child(clause_2, Kind.POINT, "a").text.startswith(
        "Khi thi hành công vụ, cán bộ, công chức phải đeo huy hiệu"
    )
    assert [p.number for p in clause_2.children] == ["a", "b", "c"]

    section_5 = doc.body[3].children[4]
    assert section_5.kind is Kind.SECTION and section_5.number == "5"
    assert section_5.title == (
        "ĐIỀU ĐỘNG, BỔ NHIỆM, LUÂN CHUYỂN, BIỆT PHÁI, "
        "TỪ CHỨC, MIỄN NHIỆM, CHO THÔI GIỮ CHỨC VỤ ĐỐI VỚI CÔNG CHỨC"
    )
    assert article(doc, "14").title == "Những việc cán bộ, công chức không được làm"
    assert len([c for c in article(doc, "14").children if c.kind is Kind.CLAUSE]) == 6
    assert "hết hiệu lực" in child(article(doc, "44"), Kind.CLAUSE, "3").text

    # An unnumbered paragraph after the points of a khoản stays in that khoản.
    clause_43_3 = child(article(doc, "43"), Kind.CLAUSE, "3")
    assert clause_43_3.children[-1].kind is Kind.PARAGRAPH
    assert clause_43_3.children[-1].text == "Chính phủ quy định chi tiết khoản này."
    # A lead-in paragraph of an Điều without clauses becomes PARAGRAPH children.
    assert [c.text for c in article(doc, "39").children][-1] == "Chính phủ quy định chi tiết Điều này."
    # The passing formula and signature are closing, not part of Điều 45 khoản 3.
    last_clause = child(article(doc, "45"), Kind.CLAUSE, "3")
    assert last_clause.children == []
    assert "Quốc hội" not in last_clause.text.split("Luật số 52/2019/QH14")[-1]
    assert doc.closing.split("\n")[0].startswith("Luật này được Quốc hội")
    assert doc.closing.split("\n")[-1] == "Trần Thanh Mẫn"


def test_law_80_metadata() -> None:
    doc = parsed(LAW_80)
    assert doc.id == "80/2025/QH15"
    assert doc.doc_type == "Luật"
    assert doc.title == "Cán bộ, công chức"
    assert doc.name == "Luật Cán bộ, công chức"
    assert doc.display_name == "Luật Cán bộ, công chức số 80/2025/QH15"
    assert doc.issuer == "Quốc hội"  # the header line is lost; inferred from "/QH15"
    assert doc.issued == date(2025, 6, 24)
    assert doc.effective == date(2025, 7, 1)
    assert doc.signer == "Trần Thanh Mẫn"
    assert doc.source == Path(LAW_80).name
    assert doc.validity.status is Status.IN_FORCE
    assert doc.preamble.split("\n")[-1] == "Quốc hội ban hành Luật Cán bộ, công chức."


# ---------------------------------------------------------------- Nghị định 172/2025/NĐ-CP


def test_decree_172_structure() -> None:
    doc = parsed(DECREE_172)
    counts = doc.counts()
    assert counts["dieu"] == 30
    assert counts["chuong"] == 5
    assert counts["muc"] == 3
    assert [a.number for a in doc.articles()] == [str(n) for n in range(1, 31)]
    assert doc.body[1].title == "CÁC HÀNH VI VI PHẠM VÀ HÌNH THỨC KỶ LUẬT ĐỐI VỚI CÁN BỘ, CÔNG CHỨC"
    assert article(doc, "1").title == "Phạm vi điều chỉnh và đối tượng áp dụng"
    clause = child(article(doc, "1"), Kind.CLAUSE, "2")
    assert clause.text == "Nghị định này áp dụng đối với:"
    assert child(clause, Kind.POINT, "b").text.startswith("Cán bộ, công chức đã thôi việc, nghỉ hưu")
    assert "112/2020/NĐ-CP" in child(article(doc, "29"), Kind.CLAUSE, "2").text
    # A paragraph between two points continues the first point.
    art_17 = article(doc, "17")
    point_b = child(child(art_17, Kind.CLAUSE, "3"), Kind.POINT, "b")
    assert point_b.children[0].text.startswith("Trường hợp người có hành vi vi phạm có mặt")
    # The recipient list (its "Nơi nhận" label is lost) is closing, not Điều 30's text.
    art_30 = article(doc, "30")
    assert len(art_30.children) == 1
    assert art_30.children[0].text.startswith("Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ")
    assert "Lưu: VT" in doc.closing and "Lưu: VT" not in art_30.full_text()


def test_decree_172_metadata() -> None:
    doc = parsed(DECREE_172)
    assert doc.id == "172/2025/NĐ-CP"
    assert doc.doc_type == "Nghị định"
    assert doc.title == "Quy định về xử lý kỷ luật cán bộ, công chức"
    assert doc.issuer == "Chính phủ"
    assert doc.issued == date(2025, 6, 30)
    assert doc.effective == date(2025, 7, 1)
    assert doc.display_name == "Nghị định số 172/2025/NĐ-CP"
    assert "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;" in doc.preamble.split("\n")
    # The header was one line glued with table pipes and underscores; it is split into cells.
    assert doc.preamble.split("\n")[:4] == [
        "CHÍNH PHỦ",
        "Số: 172/2025/NĐ-CP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
    ]


# ---------------------------------------------------------------- Quyết định 3509/QĐ-CT


def test_decision_3509_has_its_articles_and_the_attached_regulation() -> None:
    doc = parsed(DECISION_3509)
    assert [(n.kind, n.number) for n in doc.body] == [
        (Kind.ARTICLE, "1"),
        (Kind.ARTICLE, "2"),
        (Kind.ATTACHMENT, None),
    ]
    assert article(doc.body[0], "1").children[0].text == (
        "Ban hành kèm theo Quyết định này Quy tắc ứng xử với người nộp thuế."
    )
    attachment = doc.body[2]
    assert attachment.title.startswith("QUY ĐỊNH QUY TẮC ỨNG XỬ VỚI NGƯỜI NỘP THUẾ")
    assert "(Kèm theo Quyết định số 3509/QĐ-CT ngày 17 tháng 11 năm 2025" in attachment.title
    assert [c.number for c in attachment.children] == ["I", "II", "III"]
    attached_articles = [n.number for n in attachment.walk() if n.kind is Kind.ARTICLE]
    assert attached_articles == [str(n) for n in range(1, 12)]

    # Hard-wrapped headings and clauses are joined, including mid-sentence breaks.
    assert article(attachment, "6").title == "Trang phục, tác phong làm việc khi tiếp xúc với người nộp thuế"
    assert article(attachment, "9").title == "Trách nhiệm của thủ trưởng các đơn vị thuộc Cục Thuế"
    clause = child(article(attachment, "5"), Kind.CLAUSE, "1")
    joined = "của Đảng, chính sách, pháp luật của Nhà nước, nội quy, quy chế làm việc của cơ quan, đơn vị;"
    assert joined in clause.text
    assert child(article(attachment, "7"), Kind.CLAUSE, "3").text.startswith("Thực hiện “4 xin, 4 luôn”")
    assert len([c for c in article(attachment, "8").children if c.kind is Kind.CLAUSE]) == 9

    # The decision's own closing sits before the attachment; it is kept in `closing`.
    assert doc.closing.startswith("Nơi nhận:")
    assert doc.closing.endswith("CỤC TRƯỞNG\nMai Xuân Thành")
    # The regulation's final unnumbered paragraph stays in the tree, after the last khoản.
    last = child(article(attachment, "11"), Kind.CLAUSE, "3").children[-1]
    assert last.text.startswith("Trong quá trình thực hiện Quy định này, nếu có vướng mắc")
    assert "Nơi nhận" not in doc.body[1].full_text()


def test_decision_3509_metadata() -> None:
    doc = parsed(DECISION_3509)
    assert doc.id == "3509/QĐ-CT"
    assert doc.doc_type == "Quyết định"
    assert doc.title == "Ban hành quy tắc ứng xử với người nộp thuế"
    assert "Cục Thuế" in doc.issuer and "Bộ Tài chính" in doc.issuer
    assert doc.issued == date(2025, 11, 17)
    assert doc.effective == date(2025, 11, 17)  # "có hiệu lực thi hành kể từ ngày ký"
    assert doc.signer == "Mai Xuân Thành"


# ---------------------------------------------------------------- Chỉ thị 17-CT/TU on a portal page


def test_directive_17_items() -> None:
    doc = parsed(DIRECTIVE_17)
    assert doc.id == "17-CT/TU"
    assert doc.doc_type == "Chỉ thị"
    assert doc.issued == date(2021, 12, 28)
    assert "Tỉnh ủy" in doc.issuer and "Hà Tĩnh" in doc.issuer
    assert doc.title.startswith("Về tăng cường sự lãnh đạo của Đảng trong xây dựng văn hóa công sở")
    assert doc.validity.status is Status.IN_FORCE

    items = [n for n in doc.body if n.kind is Kind.ITEM]
    assert [i.number for i in items] == ["1", "2", "3", "4", "5", "6"]
    assert items[5].text == "Tổ chức thực hiện"
    subitems = [c for c in items[5].children if c.kind is Kind.SUBITEM]
    assert [s.number for s in subitems] == ["6.1", "6.2", "6.3"]
    assert subitems[1].text.startswith("Ban Tuyên giáo Tỉnh ủy hướng dẫn tuyên truyền")
    # Item 4's second paragraph stays with item 4.
    assert items[3].children[0].text.startswith("Đẩy mạnh các hoạt động văn hóa, văn nghệ")
    # Portal furniture before the text is preamble, after it closing — never a provision.
    assert "vừa ban hành Chỉ thị số 17-CT/TU" in doc.preamble
    assert "Bạn đọc nhấn vào đây" in doc.closing
    assert "Cơ quan chủ quản" in doc.closing
    assert not any("Cơ quan chủ quản" in n.text for n in doc.walk())


# ---------------------------------------------------------------- news articles


@pytest.mark.parametrize("relative", NEWS)
def test_news_articles_are_reference_paragraphs(relative: str) -> None:
    doc = parsed(relative)
    assert doc.doc_type == "Bài viết"
    assert doc.validity.status is Status.REFERENCE
    assert not doc.is_norm
    assert doc.source == Path(relative).name
    assert re.fullmatch(r"bai-viet-[a-z0-9]+(?:-[a-z0-9]+)*", doc.id)
    assert len(doc.id) <= len("bai-viet-") + 60
    assert doc.body and all(n.kind is Kind.PARAGRAPH and not n.children for n in doc.body)
    assert doc.title and doc.display_name == f"bài viết “{doc.title}”"
    assert parse_file(corpus_file(relative)).id == doc.id  # stable


def test_news_headline_and_slug() -> None:
    doc = parsed("seeds/002_fd9282d7b1f41dd0.txt")
    assert doc.title.startswith("Giải pháp nâng cao hiệu quả thực thi văn hoá công vụ")
    assert doc.id.startswith("bai-viet-giai-phap-nang-cao-hieu-qua-thuc-thi-van-hoa-cong-vu")
    # A numbered reference list in an article is not a set of provisions.
    assert not any(n.kind is Kind.ITEM for n in doc.walk())
    assert parsed("seeds/004_a183c99723228247.txt").title == (
        "Hội nghị quán triệt kỷ cương hành chính; "
        "phát động thi đua thực hiện văn hóa công sở và nơi công cộng"
    )


def test_slugify() -> None:
    assert slugify("Giải pháp: Đà Nẵng – ĐỔI MỚI!") == "giai-phap-da-nang-doi-moi"
    long = slugify("Những kết quả sau 03 năm thực hiện Chương trình trọng tâm về xây dựng cơ quan văn hóa")
    assert len(long) <= 60 and not long.endswith("-")
    assert long.startswith("nhung-ket-qua-sau-03-nam")


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("relative", [LAW_80, DECISION_3509, DIRECTIVE_17])
def test_decomposed_input_gives_the_same_document(relative: str) -> None:
    path = corpus_file(relative)
    nfd = unicodedata.normalize("NFD", path.read_text(encoding="utf-8")).encode("utf-8")
    assert nfd != path.read_bytes()
    assert parse_bytes(nfd, path.name) == parsed(relative)


# ---------------------------------------------------------------- readers on generated files


@pytest.mark.parametrize("width", [60, 90])
@pytest.mark.parametrize("relative", [LAW_80, DECREE_172, DECISION_3509])
def test_hard_wrapped_copy_of_a_law_gives_the_same_tree(relative: str, width: int) -> None:
    """The corpus texts re-wrapped as plain text, without blank lines: the hardest case for joining.

    A sentence ending exactly at the margin may start an extra PARAGRAPH, so paragraphs are not
    compared; every numbered unit, title, metadata field and the closing words must match."""
    import textwrap

    path = corpus_file(relative)
    wrapped = "\n".join("\n".join(textwrap.wrap(line, width)) for line in markdown.read_lines(path))
    doc = parse_bytes(wrapped.encode("utf-8"), path.stem + ".txt")
    reference = parsed(relative)

    def skeleton(d: Document) -> list[tuple[Kind, str | None, str]]:
        return [(n.kind, n.number, n.title) for n in d.walk() if n.kind is not Kind.PARAGRAPH]

    assert skeleton(doc) == skeleton(reference)
    fields = ("id", "doc_type", "title", "issuer", "issued", "effective", "signer")
    assert [getattr(doc, f) for f in fields] == [getattr(reference, f) for f in fields]
    assert words(doc.closing) == words(reference.closing)


def test_plain_text_sample() -> None:
    assert_sample_decree(parse_file(SAMPLE), SAMPLE.name)


def test_hard_wrapped_text_sample(tmp_path: Path) -> None:
    """The same decree wrapped at 60 columns, as e-mails and old portals deliver it."""
    import textwrap

    wrapped = "\n\n".join("\n".join(textwrap.wrap(p, 60)) for p in sample_paragraphs())
    path = tmp_path / "wrapped.txt"
    path.write_text(wrapped, encoding="utf-8")
    assert_sample_decree(parse_file(path), "wrapped.txt")


def test_docx_sample(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    paragraphs = sample_paragraphs()
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)  # the usual two-column header table
    left, right = header.rows[0].cells
    left.text = paragraphs[0]
    left.add_paragraph(paragraphs[1])
    right.text = paragraphs[2]
    right.add_paragraph(paragraphs[3])
    right.add_paragraph(paragraphs[4])
    for paragraph in paragraphs[5:]:
        if paragraph.startswith("Điều 1."):
            heading = document.add_paragraph()
            heading.add_run("Điều 1.").bold = True
            heading.add_run(" Phạm vi điều chỉnh")
        else:
            document.add_paragraph(paragraph)
    path = tmp_path / "nghi_dinh.docx"
    document.save(str(path))
    assert_sample_decree(parse_file(path), "nghi_dinh.docx")


def _sample_pdf(path: Path, paragraphs: list[str]) -> None:
    fpdf = pytest.importorskip("fpdf")
    if not FONT.is_file():
        pytest.skip(f"no font with Vietnamese glyphs at {FONT}")

    class Pdf(fpdf.FPDF):
        def footer(self) -> None:  # a page number alone on a line, which the reader must drop
            self.set_y(-15)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Pdf()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for paragraph in paragraphs:
        if paragraph.startswith("Bộ trưởng Bộ Nội vụ"):
            pdf.add_page()  # the khoản continues on the next page
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_sample(tmp_path: Path) -> None:
    path = tmp_path / "nghi_dinh.pdf"
    _sample_pdf(path, sample_paragraphs())
    assert_sample_decree(parse_file(path), "nghi_dinh.pdf")


def test_html_sample(tmp_path: Path) -> None:
    paragraphs = sample_paragraphs()
    body = []
    for paragraph in paragraphs[5:]:
        if paragraph.startswith("Điều "):
            head, _, title = paragraph.partition(". ")
            body.append(f"<p><b>{head}.</b> {title}</p>")
        else:
            body.append(f"<p>{paragraph}</p>")
    page = f"""<!DOCTYPE html><html><head><title>Cổng thông tin</title>
    <style>p {{ margin: 0 }}</style><script>var menu = "Trang chủ";</script></head>
    <body><nav><a href="/">Trang chủ</a> | <a href="/vb">Văn bản</a></nav>
    <table><tr><td>{paragraphs[0]}<br>{paragraphs[1]}</td>
    <td><b>{paragraphs[2]}</b><br>{paragraphs[3]}<br><i>{paragraphs[4]}</i></td></tr></table>
    <div class="noi-dung">{"".join(body)}</div>
    <p style="display:none">Nội dung ẩn</p>
    <script>track("xem");</script></body></html>"""
    path = tmp_path / "nghi_dinh.html"
    path.write_text(page, encoding="utf-8")
    doc = parse_file(path)
    assert_sample_decree(doc, "nghi_dinh.html")
    assert "Trang chủ" not in document_text(doc) and "ẩn" not in document_text(doc)


PLAN = """TỈNH ỦY HÀ TĨNH

Số: 12-KH/TU

ĐẢNG CỘNG SẢN VIỆT NAM

Hà Tĩnh, ngày 05 tháng 01 năm 2022

KẾ HOẠCH

Thực hiện Chỉ thị số 17-CT/TU về văn hóa công sở

I. MỤC ĐÍCH, YÊU CẦU

1. Mục đích

- Quán triệt sâu sắc nội dung Chỉ thị.

2. Yêu cầu

Các cấp ủy bám sát nội dung kế hoạch.

II. NHIỆM VỤ, GIẢI PHÁP

1. Tuyên truyền, quán triệt:

a) Tổ chức hội nghị quán triệt;

b) Đăng tải trên cổng thông tin.

T/M BAN THƯỜNG VỤ

PHÓ BÍ THƯ

Trần Văn Bình
"""


def test_party_plan_with_roman_sections() -> None:
    """A Kế hoạch numbers "I.", "II." above its items; each roman section is a Phần of items."""
    doc = parse_bytes(PLAN.encode("utf-8"), "ke_hoach.txt")
    assert (doc.id, doc.doc_type, doc.issuer, doc.issued) == (
        "12-KH/TU",
        "Kế hoạch",
        "Tỉnh ủy Hà Tĩnh",
        date(2022, 1, 5),
    )
    assert doc.title == "Thực hiện Chỉ thị số 17-CT/TU về văn hóa công sở"
    assert [(n.kind, n.number, n.title) for n in doc.body] == [
        (Kind.PART, "I", "MỤC ĐÍCH, YÊU CẦU"),
        (Kind.PART, "II", "NHIỆM VỤ, GIẢI PHÁP"),
    ]
    assert [i.number for i in doc.body[1].children] == ["1"]
    assert [p.number for p in doc.body[1].children[0].children] == ["a", "b"]
    assert doc.body[0].children[0].children[0].text == "- Quán triệt sâu sắc nội dung Chỉ thị."
    assert doc.signer == "Trần Văn Bình"
    assert words(document_text(doc)) - words(PLAN) == Counter({"phần": 2})


def test_official_letter_without_units() -> None:
    letter = """BỘ TÀI CHÍNH
TỔNG CỤC THUẾ
Số: 123/TCT-TCCB
V/v chấn chỉnh văn hóa công sở
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 10 tháng 02 năm 2024
Kính gửi: Cục Thuế các tỉnh, thành phố.
Thời gian qua, một số công chức chưa chấp hành nghiêm quy định về văn hóa công sở.
Nơi nhận:
- Như trên;
- Lưu: VT, TCCB.
KT. TỔNG CỤC TRƯỞNG
PHÓ TỔNG CỤC TRƯỞNG
Nguyễn Văn Cường"""
    doc = parse_bytes(letter.encode("utf-8"), "cong_van.txt")
    assert (doc.id, doc.doc_type, doc.title) == (
        "123/TCT-TCCB",
        "Công văn",
        "Về việc chấn chỉnh văn hóa công sở",
    )
    assert doc.issuer == "Tổng cục Thuế – Bộ Tài chính"
    assert doc.issued == date(2024, 2, 10)
    assert [n.text for n in doc.body] == letter.split("\n")[7:9]
    assert doc.preamble.split("\n")[-1] == "Hà Nội, ngày 10 tháng 02 năm 2024"
    assert doc.closing.startswith("Nơi nhận:")
    assert doc.signer == "Nguyễn Văn Cường"


def test_phap_dien_article_numbers_and_source_notes() -> None:
    """Pháp điển pages number articles "Điều 18.4.LQ.1." and put the source under each one."""
    page = """<p class='pChuong'>Chương I<br>NHỮNG QUY ĐỊNH CHUNG</p>
    <p class='pDieu'>Điều 18.4.LQ.1. Phạm vi điều chỉnh</p>
    <p class='pGhiChu'><a href='#'>(Điều 1 Luật số 42/2013/QH13 Tiếp công dân ngày 25/11/2013)</a></p>
    <p class='pNoiDung'><p>1. Luật này quy định về trách nhiệm tiếp công dân.</p>
    <p>2. Việc tiếp đại diện.</p></p>
    <p class='pDieu'>Điều 18.4.NĐ.1.1. Phạm vi điều chỉnh</p>"""
    doc = parse_bytes(page.encode("utf-8"), "phap_dien.html")
    numbers = [a.number for a in doc.articles()]
    assert numbers == ["18.4.LQ.1", "18.4.NĐ.1.1"]
    first = article(doc, "18.4.LQ.1")
    assert first.note.startswith("(Điều 1 Luật số 42/2013/QH13")
    assert [c.number for c in first.children] == ["1", "2"]


def _phap_dien_records() -> list[dict[str, str]]:
    import json

    path = corpus_file("phapdien/phapdien_articles.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_split_article_lines_keeps_every_word_of_every_codified_article() -> None:
    """All ~2,000 pháp điển articles: the units found inside one Điều lose and add no word."""
    records = _phap_dien_records()
    assert len(records) > 1900
    for record in records:
        lines = [line.strip() for line in record["text"].splitlines() if line.strip()]
        nodes = split_article_lines(lines)
        rebuilt = "\n".join(node_line(n) for top in nodes for n in top.walk())
        assert words(rebuilt) == words("\n".join(lines)), record["phapdien_heading"]


def test_split_article_lines_finds_clauses_and_points() -> None:
    by_heading = {r["phapdien_heading"].split(". ")[0]: r for r in _phap_dien_records()}
    record = by_heading["Điều 18.2.LQ.20"]  # Luật Phòng, chống tham nhũng, Điều 20: quy tắc ứng xử
    nodes = split_article_lines(record["text"].splitlines())
    assert [(n.kind, n.number) for n in nodes] == [(Kind.CLAUSE, str(i)) for i in range(1, 6)]
    assert [p.number for p in nodes[1].children] == ["a", "b", "c", "d", "đ", "e"]
    assert nodes[1].children[0].text == "Nhũng nhiễu trong giải quyết công việc;"
    # Inside one Điều a heading-like line is quoted text, never a new article.
    quoted = split_article_lines(["1. Sửa đổi Điều 5 như sau:", "Điều 5. Giải thích từ ngữ", "2. Hết."])
    assert [(n.kind, n.number) for n in quoted] == [(Kind.CLAUSE, "1"), (Kind.CLAUSE, "2")]
    assert quoted[0].children[0].text == "Điều 5. Giải thích từ ngữ"


def test_html_table_is_flattened_in_reading_order() -> None:
    page = (
        "<table><tr><td>Ô một</td><td>Ô hai</td></tr>"
        "<tr><td>Ô ba</td><td>Ô bốn</td></tr></table><p>Sau bảng</p>"
    )
    assert read_any(page.encode("utf-8"), "bang.htm") == ["Ô một", "Ô hai", "Ô ba", "Ô bốn", "Sau bảng"]


# ---------------------------------------------------------------- joining and cleaning


def test_hard_wrap_joining_keeps_units_apart() -> None:
    raw = """Điều 6. Trang phục, tác phong
làm việc khi tiếp xúc với người nộp thuế

1. Gương mẫu chấp hành chủ trương, đường lối của Đảng,
chính sách, pháp luật của Nhà nước theo quy định tại khoản
1. Điều 5 của Luật này.
2. Các trường hợp sau đây:
a) Trường hợp thứ nhất;
b) Trường hợp thứ hai; đ) không phải điểm mới
6.1. Tiểu mục một.
Chương II
NHỮNG QUY ĐỊNH KHÁC
Mục 2
Mục 3 Chương IV của Luật này không áp dụng."""
    assert text.lines_from_text(raw) == [
        "Điều 6. Trang phục, tác phong làm việc khi tiếp xúc với người nộp thuế",
        "1. Gương mẫu chấp hành chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước"
        " theo quy định tại khoản 1. Điều 5 của Luật này.",
        "2. Các trường hợp sau đây:",
        "a) Trường hợp thứ nhất;",
        "b) Trường hợp thứ hai; đ) không phải điểm mới",
        "6.1. Tiểu mục một.",
        "Chương II",
        "NHỮNG QUY ĐỊNH KHÁC",
        "Mục 2",
        "Mục 3 Chương IV của Luật này không áp dụng.",
    ]


def test_join_wrapped_soft_mode_joins_everything_but_units() -> None:
    lines = ["Căn cứ Luật Cán bộ,", "công chức ngày 24 tháng 6 năm 2025;", "a) Điểm một;", "b) Điểm hai."]
    assert join_wrapped(lines, soft=True) == [
        "Căn cứ Luật Cán bộ, công chức ngày 24 tháng 6 năm 2025;",
        "a) Điểm một;",
        "b) Điểm hai.",
    ]


def test_markdown_debris_is_removed() -> None:
    raw = """------- |
**LUẬT****CÁN BỘ, CÔNG CHỨC**

| Luật số: 80/2025/QH15 | Hà Nội, ngày 24 tháng 6 năm 2025 |
|---|---|
CHÍNH PHỦ_______ Số: 172/2025/NĐ-CP | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập – Tự do – Hạnh phúc____ |

* *

**Điều 1.** Ban hành kèm theo Quyết
định này *Quy tắc* ứng xử.

# Chương I
**Điều 2. Trang phục, tác phong
làm việc**"""
    assert markdown.lines_from_text(raw) == [
        "LUẬT",
        "CÁN BỘ, CÔNG CHỨC",
        "Luật số: 80/2025/QH15",
        "Hà Nội, ngày 24 tháng 6 năm 2025",
        "CHÍNH PHỦ",
        "Số: 172/2025/NĐ-CP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "Điều 1.",
        "Ban hành kèm theo Quyết định này Quy tắc ứng xử.",
        "Chương I",
        "Điều 2. Trang phục, tác phong làm việc",
    ]


def _local_decision(header: str, title: str = "Về việc ban hành Quy chế văn hóa công sở") -> Document:
    """A local decision as an admin would upload it: the issuer cell, then number, type, title, one article."""
    text = f"""{header}
Số: 15/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Tĩnh, ngày 3 tháng 3 năm 2025
QUYẾT ĐỊNH
{title}
Điều 1. Ban hành kèm theo Quyết định này Quy chế văn hóa công sở.
"""
    return parse_bytes(text.encode("utf-8"), "quyet_dinh.txt")


@pytest.mark.parametrize(("header", "issuer"), [
    ("ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "Ủy ban nhân dân tỉnh Hà Tĩnh"),
    ("ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH", "Ủy ban nhân dân tỉnh Hà Tĩnh"),  # the cell wrapped
    ("ỦY BAN NHÂN DÂN\nHUYỆN THỬ NGHIỆM", "Ủy ban nhân dân huyện Thử Nghiệm"),
    ("ỦY BAN NHÂN DÂN XÃ AN HÒA, HUYỆN LỘC HÀ", "Ủy ban nhân dân xã An Hòa, huyện Lộc Hà"),
    ("UBND THÀNH PHỐ HỒ CHÍ MINH", "UBND thành phố Hồ Chí Minh"),
    ("BỘ TÀI CHÍNH\nCỤC THUẾ TỈNH BẮC NINH", "Cục Thuế tỉnh Bắc Ninh – Bộ Tài chính"),
    ("UBND TỈNH HÀ TĨNH\nSỞ NỘI VỤ", "Sở Nội vụ – UBND tỉnh Hà Tĩnh"),
    ("UBND TỈNH NGHỆ AN\nSỞ GIÁO DỤC VÀ ĐÀO TẠO", "Sở Giáo dục và Đào tạo – UBND tỉnh Nghệ An"),
    ("VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "Văn phòng Ủy ban nhân dân tỉnh Hà Tĩnh"),
    ("CỤC THUẾ\nCHI CỤC THUẾ KHU VỰC LỘC HÀ - THẠCH HÀ", "Chi cục Thuế khu vực Lộc Hà - Thạch Hà – Cục Thuế"),
    ("BẢO HIỂM XÃ HỘI VIỆT NAM", "Bảo hiểm xã hội Việt Nam"),  # "xã hội" is not a commune
    ("ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Ủy ban nhân dân tỉnh Hà Tĩnh"),
])
def test_issuer_keeps_the_capitals_of_its_place_name(header: str, issuer: str) -> None:
    assert _local_decision(header).issuer == issuer


def test_docx_header_cell_wrapped_over_two_lines_is_one_issuer(tmp_path: Path) -> None:
    """The usual header table, the issuer's cell in two lines: it read "Tỉnh hà tĩnh – Ủy ban nhân dân"."""
    docx = pytest.importorskip("docx")
    document = docx.Document()
    left, right = document.add_table(rows=1, cols=2).rows[0].cells
    left.text = "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\nSố: 15/QĐ-UBND"
    right.text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Tĩnh, ngày 3 tháng 3 năm 2025"
    for line in ("QUYẾT ĐỊNH", "Về việc ban hành Quy chế văn hóa công sở", "Điều 1. Ban hành Quy chế."):
        document.add_paragraph(line)
    path = tmp_path / "quyet_dinh.docx"
    document.save(str(path))
    doc = parse_file(path)
    assert (doc.id, doc.issuer, doc.issued) == ("15/QĐ-UBND", "Ủy ban nhân dân tỉnh Hà Tĩnh", date(2025, 3, 3))


def test_title_keeps_a_province_name_and_the_bodies_capitalised() -> None:
    doc = _local_decision("ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH",
                          "BAN HÀNH QUY CHẾ LÀM VIỆC CỦA ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH NHIỆM KỲ 2021 - 2026")
    assert doc.title == "Ban hành quy chế làm việc của Ủy ban nhân dân tỉnh Hà Tĩnh nhiệm kỳ 2021 - 2026"


def test_issuer_inferred_from_the_number_when_the_header_line_is_lost() -> None:
    sample = SAMPLE.read_text(encoding="utf-8").replace("CHÍNH PHỦ\n", "", 1)
    doc = parse_bytes(sample.encode("utf-8"), "thieu_dau.txt")
    assert doc.issuer == "Chính phủ"
    assert doc.id == "45/2025/NĐ-CP"


def test_explicit_number_for_an_excerpt_without_header() -> None:
    """A caller that cuts the directive out of its portal page supplies the number itself."""
    page = corpus_file(DIRECTIVE_17).read_text(encoding="utf-8")
    start = page.index("Những năm qua")
    end = page.index("sâu rộng trong Nhân dân.") + len("sâu rộng trong Nhân dân.")
    doc = parse_bytes(page[start:end].encode("utf-8"), "chi_thi.txt", doc_id="17-CT/TU")
    assert (doc.id, doc.doc_type, doc.issuer) == ("17-CT/TU", "Chỉ thị", "Tỉnh ủy")
    assert doc.validity.status is Status.IN_FORCE
    assert [n.number for n in doc.body] == ["1", "2", "3", "4", "5", "6"]
    assert [n.number for n in doc.body[5].children] == ["6.1", "6.2", "6.3"]
    # A slug-like id names the file only: a news page stays a reference article.
    news = parse_file(corpus_file(NEWS[1]), doc_id="seed-002")
    assert news.id == "seed-002" and news.validity.status is Status.REFERENCE
    assert all(n.kind is Kind.PARAGRAPH for n in news.body)


def test_parse_bytes_with_explicit_id() -> None:
    doc = parse_bytes(SAMPLE.read_bytes(), "tai-len/nghi_dinh_mau.txt", doc_id="ND-45")
    assert doc.id == "ND-45"
    assert doc.source == "nghi_dinh_mau.txt"


# ---------------------------------------------------------------- errors


def _assert_vietnamese_error(exc: pytest.ExceptionInfo[ParseError], *fragments: str) -> None:
    message = str(exc.value)
    assert message.startswith("Không đọc được tệp")
    for fragment in fragments:
        assert fragment in message


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "bang_tinh.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ParseError) as exc:
        parse_file(path)
    _assert_vietnamese_error(exc, "bang_tinh.xlsx", "chưa được hỗ trợ", ".docx")
    with pytest.raises(ParseError) as exc:
        parse_bytes(b"abc", "cu.doc")
    _assert_vietnamese_error(exc, "lưu lại dưới dạng .docx")


def test_corrupted_docx(tmp_path: Path) -> None:
    path = tmp_path / "hong.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(ParseError) as exc:
        parse_file(path)
    _assert_vietnamese_error(exc, "hong.docx", "bị hỏng")

    buffer = io.BytesIO()  # a valid zip that is not a Word document
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ghi_chu.txt", "không phải docx")
    with pytest.raises(ParseError) as exc:
        parse_bytes(buffer.getvalue(), "zip.docx")
    _assert_vietnamese_error(exc, "zip.docx")


def test_corrupted_pdf(tmp_path: Path) -> None:
    path = tmp_path / "hong.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref")
    with pytest.raises(ParseError) as exc:
        parse_file(path)
    _assert_vietnamese_error(exc, "hong.pdf")
    with pytest.raises(ParseError) as exc:
        parse_bytes(b"not a pdf at all", "rac.pdf")
    _assert_vietnamese_error(exc, "rac.pdf", "PDF")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "ban_quet.pdf"
    _sample_pdf(path, [])
    with pytest.raises(ParseError) as exc:
        parse_file(path)
    _assert_vietnamese_error(exc, "OCR")


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \n", b"| --- |\n** **\n"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rong.md"
    path.write_bytes(content)
    with pytest.raises(ParseError) as exc:
        parse_file(path)
    _assert_vietnamese_error(exc, "rong.md")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as exc:
        parse_file(tmp_path / "khong_co.txt")
    _assert_vietnamese_error(exc, "khong_co.txt")


def test_an_article_an_amendment_inserted_is_its_own_article() -> None:
    """Pháp điển carries Điều 40a of NĐ 115/2020 (added by NĐ 85/2023) inside the record of Điều 40:
    left there, its clauses were quoted and cited as khoản 3 of Điều 40."""
    from knowledge_base.phapdien import build_documents, read_articles

    docs = build_documents(read_articles(corpus_file("phapdien/phapdien_articles.jsonl")), split_article_lines)
    inserted = re.compile(r"^Điều \d+[a-zđ]\. ")
    for doc in docs:
        for article in doc.body:
            for node in article.walk():
                assert not inserted.match(node.text or ""), (doc.id, article.number, node.text[:60])
    decree = next(d for d in docs if d.id == "115/2020/NĐ-CP")
    numbers = [a.number for a in decree.body]
    assert numbers.index("40a") == numbers.index("40") + 1
    added = decree.body[numbers.index("40a")]
    assert added.title == "Thông báo kết quả xét thăng hạng" and [c.number for c in added.children] == ["1", "2"]
    assert len([a for a in next(d for d in docs if d.id == "03/2021/TT-BGDĐT").body if a.number == "2a"]) == 1
