"""A directive file → a checked `Document`, parsed in a separate process with memory and time limits.

Parsers run on files from outside: a .docx whose XML inflates to 200 MB, a PDF that loops, random
bytes named .txt. Parsing in the serving worker let one upload take gigabytes and a minute of CPU
from everyone else. Here the parser runs in a child process (`knowledge_base.parse_worker`) that
sets its own address-space and CPU limits, checks the document (`knowledge_base.validation`,
including that it can be saved and read back) and returns it in the store's Markdown format; the
parent only reads that back. Whatever goes wrong, the caller gets one `ParseError` with a
Vietnamese message that names the file and never a path on the server.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path, PurePath

from knowledge_base import store
from knowledge_base.limits import MB, Limits, mb
from knowledge_base.model import Document
from knowledge_base.parsers import SUPPORTED_EXTENSIONS, ParseError

log = logging.getLogger(__name__)


def parse(data: bytes, filename: str, limits: Limits, *, doc_id: str | None = None,
          title: str | None = None) -> Document:
    """The document in a file, parsed in isolation and checked; ParseError with the reason otherwise.

    `doc_id` and `title` override what the file says (the admin knows better, or the file omits it).
    """
    name = PurePath(filename or "").name or "không tên"
    if PurePath(name).suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise ParseError(f"Không nhận tệp “{name}”: chỉ nhận {', '.join(SUPPORTED_EXTENSIONS)}.")
    if not data:
        raise ParseError(f"Tệp “{name}” rỗng, không có nội dung để thêm.")
    if len(data) > limits.max_file_mb * MB:
        raise ParseError(f"Tệp “{name}” quá lớn ({mb(len(data))}); giới hạn là {mb(limits.max_file_mb * MB)}.")
    request = {"filename": name, "doc_id": doc_id, "title": title, "limits": asdict(limits)}
    command = [sys.executable, "-m", "knowledge_base.parse_worker", json.dumps(request)]
    wall = limits.parse_seconds * 2 + 10  # the CPU limit binds first; this catches a child that sleeps
    try:
        proc = subprocess.run(command, input=data, capture_output=True, timeout=wall, check=False,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    except subprocess.TimeoutExpired as exc:
        raise ParseError(f"Đọc tệp “{name}” quá lâu (hơn {wall} giây), đã dừng.") from exc
    if proc.returncode == 0:
        try:
            reply = json.loads(proc.stdout.decode("utf-8"))
        except ValueError:
            reply = {}
        if reply.get("ok"):
            return store.loads(reply["markdown"], origin=name)
        if reply.get("error"):
            raise ParseError(reply["error"])
    log.warning("parser process for %s ended with %s: %s", name, proc.returncode,
                proc.stderr.decode("utf-8", "replace")[-2000:])
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise ParseError(f"Đọc tệp “{name}” quá lâu (hơn {limits.parse_seconds} giây xử lý), đã dừng.")
    raise ParseError(f"Tệp “{name}” quá lớn hoặc bị hỏng, không đọc được (vượt giới hạn "
                     f"{limits.parse_memory_mb} MB bộ nhớ khi xử lý, hoặc lỗi trong thư viện đọc tệp).")


def parse_path(path: Path, limits: Limits, *, doc_id: str | None = None, title: str | None = None) -> Document:
    """For `conduct-bot index add`: the size is checked before the file is read into memory."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_mb * MB:
            raise ParseError(f"Tệp “{path.name}” quá lớn ({mb(size)}); giới hạn là {mb(limits.max_file_mb * MB)}.")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"Không đọc được tệp “{path.name}”: {exc.strerror or type(exc).__name__}.") from exc
    return parse(data, path.name, limits, doc_id=doc_id, title=title)
