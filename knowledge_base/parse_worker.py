"""The child process of `knowledge_base.intake`: parse one file under limits, print the result as JSON.

Run as `python -m knowledge_base.parse_worker '{"filename": …, "doc_id": …, "title": …, "limits": …}'`
with the file's bytes on stdin. It imports the parsers, then limits its own address space and CPU
time (a limit set from the parent would need `preexec_fn`, which is unsafe in a threaded server),
then prints `{"ok": true, "markdown": …}` or `{"ok": false, "error": "<Vietnamese reason>"}`.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import zipfile
from dataclasses import replace

from knowledge_base import ids, store
from knowledge_base.limits import MB, Limits, mb, number, unpacked_xml_bytes
from knowledge_base.parsers import ParseError, lines_from_bytes
from knowledge_base.parsers.document import build_document
from knowledge_base.validation import check


def _limit_self(memory_mb: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _parse(data: bytes, filename: str, doc_id: str | None, title: str | None, limits: Limits) -> dict:
    if filename.lower().endswith(".docx"):
        try:
            unpacked = unpacked_xml_bytes(data)
        except (zipfile.BadZipFile, ValueError):
            unpacked = 0  # not an archive: the reader says so in its own words
        if unpacked > limits.max_unpacked_mb * MB:
            return _error(f"Tệp “{filename}” khi giải nén có {mb(unpacked)} nội dung XML, vượt giới hạn "
                          f"{mb(limits.max_unpacked_mb * MB)}; hãy tách văn bản hoặc bỏ bớt phần không cần.")
    try:
        lines = lines_from_bytes(data, filename)
        characters = sum(len(line) for line in lines)
        if characters > limits.max_characters:
            return _error(f"Tệp “{filename}” có {number(characters)} ký tự, vượt giới hạn "
                          f"{number(limits.max_characters)}.")
        doc = build_document(lines, source=filename, doc_id=doc_id)
    except ParseError as exc:
        return _error(str(exc))
    if title:
        doc = replace(doc, title=title)
    with contextlib.suppress(ids.InvalidId):  # check() below explains what is wrong with it
        doc = replace(doc, id=ids.canonical(doc.id))  # "Số: 556 /QĐ-UBND" as printed → "556/QĐ-UBND"
    problems = check(doc, limits)
    if problems:
        return _error(f"Tệp “{filename}” chưa thêm được: " + "; ".join(problems) + ".")
    return {"ok": True, "markdown": store.render(doc)}


def _error(message: str) -> dict:
    return {"ok": False, "error": message}


def main() -> int:
    request = json.loads(sys.argv[1])
    limits = Limits(**request["limits"])
    data = sys.stdin.buffer.read()
    _limit_self(limits.parse_memory_mb, limits.parse_seconds)
    try:
        reply = _parse(data, request["filename"], request.get("doc_id"), request.get("title"), limits)
    except MemoryError:
        reply = _error(f"Tệp “{request['filename']}” cần hơn {limits.parse_memory_mb} MB bộ nhớ để đọc, vượt giới "
                       "hạn; hãy tách văn bản thành các tệp nhỏ hơn.")
    except RecursionError:
        reply = _error(f"Tệp “{request['filename']}” có cấu trúc lồng nhau quá sâu, không đọc được.")
    sys.stdout.write(json.dumps(reply, ensure_ascii=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
