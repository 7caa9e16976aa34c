"""Số hiệu, loại văn bản, trích yếu, cơ quan ban hành, ngày ban hành and ngày hiệu lực from the text.

A Vietnamese administrative document prints these in a fixed header (Nghị định 30/2020/NĐ-CP on
văn thư): issuer top left, Quốc hiệu top right, "Số: …" under the issuer, "Hà Nội, ngày …" under
the Quốc hiệu, then the type in capitals and the trích yếu. Converted copies lose lines and glue
cells, so each field has a fallback: the issuer can be read from the number's suffix ("/QH15" →
Quốc hội), and a news page announcing a directive ("… vừa ban hành Chỉ thị số 17-CT/TU ngày …")
yields the directive's number, date and subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import takewhile

from knowledge_base.parsers.paragraphs import is_strong_heading, is_upper

DOC_TYPES = (
    "Thông tư liên tịch",
    "Nghị quyết liên tịch",
    "Bộ luật",
    "Luật",
    "Pháp lệnh",
    "Lệnh",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Thông tư",
    "Chỉ thị",
    "Kế hoạch",
    "Công văn",
    "Quy định",
    "Quy chế",
    "Hướng dẫn",
    "Thông báo",
    "Kết luận",
    "Chương trình",
    "Đề án",
    "Điều lệ",
)
_TYPE_BY_UPPER = {t.upper(): t for t in DOC_TYPES}
# Abbreviations inside numbers ("NĐ-CP", "17-CT/TU") that name the type.
_TYPE_CODES = {
    "NĐ": "Nghị định",
    "QĐ": "Quyết định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "CT": "Chỉ thị",
    "NQ": "Nghị quyết",
    "KH": "Kế hoạch",
    "QH": "Luật",
    "HD": "Hướng dẫn",
    "TB": "Thông báo",
    "KL": "Kết luận",
    "QC": "Quy chế",
    "CTr": "Chương trình",
}
_ISSUER_CODES = {
    "QH": "Quốc hội",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ",
    "CTN": "Chủ tịch nước",
    "BTC": "Bộ Tài chính",
    "BNV": "Bộ Nội vụ",
    "BTP": "Bộ Tư pháp",
    "BCA": "Bộ Công an",
    "BQP": "Bộ Quốc phòng",
    "BYT": "Bộ Y tế",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BCT": "Bộ Công Thương",
    "BXD": "Bộ Xây dựng",
    "BKHCN": "Bộ Khoa học và Công nghệ",
    "NHNN": "Ngân hàng Nhà nước Việt Nam",
    "TTCP": "Thanh tra Chính phủ",
    "TW": "Ban Chấp hành Trung ương",
    "TU": "Tỉnh ủy",
    "ThU": "Thành ủy",
    "HU": "Huyện ủy",
}
_NUMBER = r"\d{1,5}(?:[/-][0-9A-Za-zĐđ]+)+"
_NUMBER_LINE = re.compile(
    rf"^(?:(?:{'|'.join(DOC_TYPES)})\s+)?[Ss]ố(?:\s*(?:hiệu)?)?\s*[:.]?\s*({_NUMBER})",
)
_MENTION = re.compile(
    rf"(?P<issuer>[^.;:,]*?)\s*(?:vừa|đã|mới)\s+ban hành\s+(?P<type>{'|'.join(DOC_TYPES)})\s+số\s+"
    rf"(?P<number>{_NUMBER})(?:\s+ngày\s+(?P<date>\d{{1,2}}/\d{{1,2}}/\d{{4}}))?"
    r"(?:\s+(?P<title>(?:về|quy định|hướng dẫn|ban hành)\b[^.]*))?",
)
_SUBJECT = re.compile(r"^V/v\s*:?\s*(.+)$", re.IGNORECASE)
_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_DATE_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_PLACE_DATE = re.compile(r"^[^,\d]{2,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_EFFECTIVE = re.compile(
    r"(?:này|Quy định này|Quy chế này)\s+có hiệu lực(?:\s+thi hành)?\s+(?:kể\s+)?từ\s+ngày\s+"
    r"(?:(?P<signed>ký|ban hành)|(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})"
    r"|(?P<nd>\d{1,2})/(?P<nm>\d{1,2})/(?P<ny>\d{4}))"
)
_MOTTO = re.compile(r"^(?:CỘNG HÒA|CỘNG HOÀ|CHỦ NGHĨA VIỆT NAM|ĐẢNG CỘNG SẢN VIỆT NAM|Độc lập)", re.I)
# Lines under the trích yếu that name who decides ("CỤC TRƯỞNG CỤC THUẾ"): not part of the title.
_AUTHORITY = re.compile(
    r"^(?:BỘ TRƯỞNG|CỤC TRƯỞNG|TỔNG CỤC TRƯỞNG|THỦ TƯỚNG|CHỦ TỊCH|GIÁM ĐỐC|CHÍNH PHỦ|QUỐC HỘI|ỦY BAN|UỶ BAN"
    r"|HỘI ĐỒNG|BAN THƯỜNG VỤ|BAN CHẤP HÀNH|BỘ CHÍNH TRỊ|BAN BÍ THƯ|VIỆN TRƯỞNG|CHÁNH ÁN|TỔNG KIỂM TOÁN"
    r"|TRƯỞNG BAN|THỐNG ĐỐC|TỔNG THANH TRA|TỔNG GIÁM ĐỐC)\b"
)
_PROPER_NOUNS = {
    "việt nam": "Việt Nam",
    "đảng": "Đảng",
    "quốc hội": "Quốc hội",
    "chính phủ": "Chính phủ",
    "hồ chí minh": "Hồ Chí Minh",
    "hà nội": "Hà Nội",
    "nhà nước": "Nhà nước",
}
# Names of bodies written with a capital in running text ("Văn phòng Ủy ban nhân dân tỉnh", "Ban
# Thường vụ Tỉnh ủy"); only the first letter changes, so an old spelling ("Uỷ") keeps its accent.
_UY = "(?:ủy|uỷ)"  # both spellings are in use
_CAPITALISED = re.compile(rf"(?<!\w)(?:{_UY} ban nhân dân|hội đồng nhân dân|(?:tỉnh|thành|huyện) {_UY})(?!\w)")
# Administrative levels: the words after one are a place's proper name ("tỉnh Hà Tĩnh", "huyện
# Thử Nghiệm", "Chi cục Thuế khu vực Lộc Hà"), unless they make another noun ("TỈNH ỦY", "TỈNH
# ĐOÀN", "XÃ HỘI").
_LEVELS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường", "khu vực")
_LEVEL = re.compile(
    rf"(?<!\w)({'|'.join(level.upper() for level in _LEVELS)})\s+(?!(?:ỦY|UỶ|ĐOÀN|ĐỘI|HỘI)(?!\w))(?=\w)"
)
# Provinces and centrally run cities (the 63 before the 2025 merger; the 34 after it kept these names).
# In a trích yếu a place's end is unknown, so only these are capitalised there, after "tỉnh"/"thành phố".
_PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hoà Bình", "Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa", "Khánh Hoà",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh",
    "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thanh Hoá",
    "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
_PROVINCE_BY_LOWER = {re.sub(r"\s*-\s*", " - ", p.lower()): p for p in _PROVINCES}
_PROVINCE_AFTER_LEVEL = re.compile(
    rf"(?<!\w)((?:tỉnh|thành phố|(?:tỉnh|thành) {_UY}) )("
    + "|".join(re.escape(p).replace(r"\ \-\ ", r"\s*[-–]\s*") for p in sorted(_PROVINCE_BY_LOWER, key=len,
                                                                                 reverse=True))
    + r")(?!\w)"
)
# Between the places of a nested address: "XÃ AN HÒA, HUYỆN LỘC HÀ" (a dash inside a name stays).
_PLACE_SEPARATOR = re.compile(rf"(,\s*|\s+[-–]\s+(?=(?:{'|'.join(level.upper() for level in _LEVELS)})\s))")
# A Quốc hiệu glued to the issuer cell by a conversion: "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH CỘNG HÒA XÃ HỘI …".
_GLUED_MOTTO = re.compile(r"\s+(?:CỘNG HÒA|CỘNG HOÀ|ĐẢNG CỘNG SẢN VIỆT NAM)\b.*$")
_NAMED_TYPES = ("Luật", "Bộ luật", "Pháp lệnh")  # types cited by name ("Luật Cán bộ, công chức")


@dataclass
class Metadata:
    number: str = ""
    number_in_header: bool = False  # False: read from a sentence announcing the document
    doc_type: str = ""
    title: str = ""
    issuer: str = ""
    issued: date | None = None
    effective: date | None = None
    header_lines: int = 0  # how many leading lines are the printed header (số, ngày, trích yếu)

    @property
    def name(self) -> str:
        return f"{self.doc_type} {self.title}" if self.doc_type in _NAMED_TYPES and self.title else ""


def sentence_case(text: str) -> str:
    """Upper-case titles ("CÁN BỘ, CÔNG CHỨC" → "Cán bộ, công chức"), keeping proper nouns: a few
    names, bodies like "Ủy ban nhân dân", and a province after "tỉnh"/"thành phố" ("tỉnh Hà Tĩnh")."""
    low = text.lower()
    for key, proper in _PROPER_NOUNS.items():
        low = re.sub(rf"(?<!\w){key}(?!\w)", proper, low)
    low = _PROVINCE_AFTER_LEVEL.sub(_proper_province, low)
    low = _CAPITALISED.sub(lambda m: m.group(0)[:1].upper() + m.group(0)[1:], low)
    return low[:1].upper() + low[1:]


def _proper_province(m: re.Match[str]) -> str:
    return m.group(1) + _PROVINCE_BY_LOWER[re.sub(r"\s*[-–]\s*", " - ", m.group(2))]


def _title_words(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


def authority_name(upper: str) -> str:
    """Upper-case header line → the agency's name as written in running text.

    The name splits at its administrative level: "CỤC THUẾ | TỈNH BẮC NINH" → "Cục Thuế" + "tỉnh
    Bắc Ninh". Everything after the level is a place, a proper name, so each of its words keeps a
    capital ("huyện Thử Nghiệm"); lower-casing the whole line lost them ("tỉnh hà tĩnh").
    """
    text = _GLUED_MOTTO.sub("", " ".join(upper.split())).strip(" .,:")
    if not is_upper(text):
        return text
    level = _LEVEL.search(text)
    if level is None:
        return _agency(text)
    if level.start() == 0:  # a place alone, as the wrapped second line of "ỦY BAN NHÂN DÂN / TỈNH HÀ TĨNH"
        place = _place(text)
        return place[:1].upper() + place[1:]
    return f"{_agency(text[: level.start()].rstrip())} {_place(text[level.start() :])}"


_FIXED_AUTHORITIES = {
    "QUỐC HỘI": "Quốc hội",
    "CHÍNH PHỦ": "Chính phủ",
    "THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ",
    "CHỦ TỊCH NƯỚC": "Chủ tịch nước",
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội",
    "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương",
    "BỘ CHÍNH TRỊ": "Bộ Chính trị",
    "BAN BÍ THƯ": "Ban Bí thư",
    "TỈNH ỦY": "Tỉnh ủy",
    "THÀNH ỦY": "Thành ủy",
    "HUYỆN ỦY": "Huyện ủy",
    "BAN THƯỜNG VỤ": "Ban Thường vụ",
}
# Agencies named by their field: each coordinated field keeps a capital ("Bộ Giáo dục và Đào tạo").
_FIELD_START = re.compile(r"(?:(?<=, )|(?<=\bvà )|(?<=- )|(?<=– ))(\w)")
_FIELD_AGENCIES = ("TỔNG CỤC", "CHI CỤC", "CỤC", "BỘ", "VỤ", "SỞ", "BAN", "HỌC VIỆN", "VIỆN", "TRƯỜNG", "THUẾ")


def _agency(text: str) -> str:
    """The agency part of a name, without its place: "SỞ GIÁO DỤC VÀ ĐÀO TẠO" → "Sở Giáo dục và Đào tạo"."""
    if text in _FIXED_AUTHORITIES:
        return _FIXED_AUTHORITIES[text]
    for prefix in ("TỈNH ỦY", "THÀNH ỦY", "HUYỆN ỦY", "TỈNH ĐOÀN", "THÀNH ĐOÀN", "HUYỆN ĐOÀN"):
        if text.startswith(prefix + " "):  # the party or youth union of a place: "Tỉnh ủy Hà Tĩnh"
            return sentence_case(prefix) + " " + _title_words(text[len(prefix) + 1 :])
    if text in ("UBND", "HĐND"):
        return text  # an acronym stays one
    for prefix in _FIELD_AGENCIES:
        if text.startswith(prefix + " "):
            fields = _FIELD_START.sub(lambda m: m.group(1).upper(), sentence_case(text[len(prefix) + 1 :]))
            return sentence_case(prefix) + " " + fields
    return sentence_case(text)


def _place(upper: str) -> str:
    """"TỈNH HÀ TĨNH" → "tỉnh Hà Tĩnh"; "XÃ AN HÒA, HUYỆN LỘC HÀ" → "xã An Hòa, huyện Lộc Hà"."""
    parts = []
    for part in _PLACE_SEPARATOR.split(upper):
        level = _LEVEL.match(part)
        if level:
            parts.append(level.group(1).lower() + " " + _title_words(part[level.end() :]))
        else:
            parts.append(part if not part.strip(" ,-–") else _title_words(part))
    return "".join(parts)


def _join_continued(names: list[str]) -> list[str]:
    """Header cells wrap: "ỦY BAN NHÂN DÂN" over "TỈNH HÀ TĨNH" is one name, not two bodies."""
    joined: list[str] = []
    for name in names:
        if joined and _LEVEL.match(name) and not _LEVEL.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {name}"
        else:
            joined.append(name)
    return joined


def parse_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _first_date(line: str) -> date | None:
    m = _DATE_WORDS.search(line) or _DATE_NUMERIC.search(line)
    return parse_date(*m.groups()) if m else None


def header_end(lines: list[str], limit: int = 60) -> int:
    """The header is what precedes the first Chương/Điều, or the first `limit` lines."""
    for i, line in enumerate(lines[:limit]):
        if is_strong_heading(line):
            return i
    return min(len(lines), limit)


def _type_code(number: str) -> str:
    """The type code in a number: "172/2025/NĐ-CP" → "NĐ", "17-CT/TU" → "CT", "80/2025/QH15" → "QH"."""
    parts = re.split(r"[/-]", number)
    for part in parts[1:]:
        letters = re.sub(r"\d+$", "", part)
        if letters in _TYPE_CODES:
            return letters
    return ""


def _issuer_from_number(number: str) -> str:
    tail = re.split(r"[/-]", number)[-1]
    tail = re.sub(r"\d+$", "", tail)
    return _ISSUER_CODES.get(tail, "")


def _type_line(line: str) -> tuple[str, str] | None:
    """An upper-case type heading, alone ("NGHỊ ĐỊNH") or with the title after it ("LUẬT CÁN BỘ…")."""
    if not is_upper(line):
        return None
    bare = line.rstrip(" :")
    if bare in _TYPE_BY_UPPER:
        return _TYPE_BY_UPPER[bare], ""
    for upper in sorted(_TYPE_BY_UPPER, key=len, reverse=True):
        if bare.startswith(upper + " ") and upper in ("LUẬT", "BỘ LUẬT", "PHÁP LỆNH"):
            return _TYPE_BY_UPPER[upper], bare[len(upper) + 1 :]
    return None


def _title_after(lines: list[str], start: int, first: str) -> tuple[str, int]:
    """The trích yếu under the type heading, and how many lines it took."""
    parts = [first] if first else []
    taken = 0
    for line in lines[start:]:
        if line.startswith(("Căn cứ", "Theo đề nghị")) or is_strong_heading(line) or _MOTTO.match(line):
            break
        if _AUTHORITY.match(line) or line.rstrip(" :") in _TYPE_BY_UPPER:
            break
        if parts and line in parts:
            taken += 1
            continue  # the same title printed twice by the conversion
        if parts and is_upper(parts[0]) != is_upper(line):
            break
        if parts and not is_upper(line):
            break  # a sentence-case trích yếu is one paragraph
        parts.append(line)
        taken += 1
        if len(parts) >= 4:
            break
    title = " ".join(parts).strip()
    return (sentence_case(title) if is_upper(title) else title), taken


def _issuer_from_header(header: list[str], stop: int) -> str:
    names = [
        line
        for line in header[:stop]
        if is_upper(line) and not _MOTTO.match(line) and line.rstrip(" :") not in _TYPE_BY_UPPER
    ]
    if not names:
        return ""
    names = [authority_name(n) for n in _join_continued(names)[:2]]
    if len(names) == 2 and names[0].startswith("Đảng bộ"):
        place = re.sub(rf"^Đảng bộ (?:{'|'.join(_LEVELS)}) ", "", names[0])  # "Đảng bộ tỉnh Hà Tĩnh" → "Hà Tĩnh"
        return f"{names[1]} {place}" if names[1] in ("Tỉnh ủy", "Thành ủy", "Huyện ủy") else names[1]
    return " – ".join(reversed(names))


def _expand_issuer(text: str) -> str:
    text = re.sub(r"\bBTV\b", "Ban Thường vụ", text.strip())
    text = re.sub(r"\bBCH\b", "Ban Chấp hành", text)
    text = re.sub(r"\bUBND\b", "Ủy ban nhân dân", text)
    return text[:1].upper() + text[1:]


def _is_name_word(word: str) -> bool:
    return word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())


def _is_person(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(_is_name_word(w) for w in words)


def _province(lines: list[str]) -> str:
    """The province a bare "Tỉnh ủy" belongs to ("… HUYỆN LỘC HÀ, TỈNH HÀ TĨNH !" → "Hà Tĩnh")."""
    for line in lines:
        words = line.replace(",", " , ").split()
        for i, word in enumerate(words):
            if word not in ("TỈNH", "tỉnh"):
                continue
            fits = _is_upper_word if word == "TỈNH" else _is_name_word
            taken = list(takewhile(fits, words[i + 1 : i + 4]))
            if taken:
                return _title_words(" ".join(taken))
    return ""


def _is_upper_word(word: str) -> bool:
    return word.isalpha() and word.isupper()


def detect(lines: list[str]) -> Metadata:
    """Metadata from the document's lines (the signer comes later, from the closing block)."""
    header = lines[: header_end(lines)]
    meta = Metadata()
    used: list[int] = []  # header lines read for a field: the header ends after the last of them
    number_at = None
    for i, line in enumerate(header):
        m = _NUMBER_LINE.match(line)
        if m:
            meta.number, meta.number_in_header, number_at = m.group(1).rstrip(".,;"), True, i
            used.append(i)
            if line.startswith("Luật"):
                meta.doc_type = "Luật"
            break

    type_at = None
    for i, line in enumerate(header):
        found = _type_line(line)
        if found:
            meta.doc_type = meta.doc_type or found[0]
            meta.title, title_lines = _title_after(header, i + 1, found[1])
            type_at = i
            used.append(i + title_lines)
            break
    if type_at is None and meta.number_in_header:
        for i, line in enumerate(header):
            m = _SUBJECT.match(line)
            if m:  # "V/v …": the trích yếu of an official letter
                meta.doc_type = meta.doc_type or "Công văn"
                meta.title = "Về việc " + m.group(1).rstrip(" .")
                used.append(i)
                break
    if not meta.number:
        _from_mention(meta, header, lines)
    if not meta.doc_type and meta.number:
        meta.doc_type = _TYPE_CODES.get(_type_code(meta.number), "")
    if meta.number_in_header:
        stops = [i for i in (number_at, type_at) if i is not None]
        meta.issuer = _issuer_from_header(header, min(stops)) or _issuer_from_number(meta.number)
        for i, line in enumerate(header):
            m = _PLACE_DATE.match(line)
            if m:
                meta.issued = parse_date(*m.groups())
                used.append(i)
                break
        meta.header_lines = max(used) + 1
    if meta.number:
        meta.effective = _effective(lines, meta.issued)
    return meta


def adopt_number(meta: Metadata, number: str) -> bool:
    """Take a caller's số hiệu for a text that does not print its own (an excerpt, a cut page).

    Only an id shaped like a number ("17-CT/TU") counts: a slug ("seed-001") names a file, not a
    norm. Returns whether the number was adopted.
    """
    if meta.number or not re.fullmatch(_NUMBER, number):
        return False
    meta.number, meta.number_in_header = number, True
    meta.doc_type = meta.doc_type or _TYPE_CODES.get(_type_code(number), "")
    meta.issuer = meta.issuer or _issuer_from_number(number)
    return True


def signer(closing: list[str]) -> str:
    """The name under the signature title: a line of capitalised words after an upper-case line."""
    for i, line in enumerate(closing):
        if not _is_person(line):
            continue
        before = [c for c in closing[max(0, i - 3) : i] if not c.strip("()").startswith("Đã ký")]
        if before and is_upper(before[-1]):
            return line
    return ""


def _from_mention(meta: Metadata, header: list[str], lines: list[str]) -> None:
    for line in header:
        m = _MENTION.search(line)
        if not m:
            continue
        meta.number = m.group("number").rstrip(".,;")
        meta.doc_type = m.group("type")
        if m.group("date"):
            meta.issued = _first_date(m.group("date"))
        if m.group("title"):
            meta.title = m.group("title").strip(" ,")
            meta.title = meta.title[:1].upper() + meta.title[1:]
        issuer = _expand_issuer(m.group("issuer")) if m.group("issuer").strip() else ""
        issuer = issuer or _issuer_from_number(meta.number)
        if issuer.endswith(("Tỉnh ủy", "Thành ủy")):
            province = _province(lines)
            issuer = f"{issuer} {province}".strip()
        meta.issuer = issuer
        return


def _effective(lines: list[str], issued: date | None) -> date | None:
    for line in lines:
        m = _EFFECTIVE.search(line)
        if not m:
            continue
        if m.group("signed"):
            return issued
        if m.group("d"):
            return parse_date(m.group("d"), m.group("m"), m.group("y"))
        return parse_date(m.group("nd"), m.group("nm"), m.group("ny"))
    return None
