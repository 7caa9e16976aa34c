"""Văn bản: the documents and their validity; a document's structure with its changed units; upload
with preview and confirm; superseded, removed, restored; the validity register; reindex with progress.

Every change is one call into `bot.admin.Admin`, the layer the CLI and both chat channels use: the
same checks, the same transaction, the same audit (with the console account as the actor).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import messages
from bot.admin import AdminError, ReindexRunning
from bot.uploads import UploadError
from bot.web.common import actor, blocking, console, flash, form, redirect, render, require
from bot.web.forms import ActionForm, ConfirmForm, RemoveForm, RestoreForm, SupersedeForm, UploadForm, ValidityForm
from index.text import strip_diacritics
from knowledge_base import validity
from knowledge_base.model import CONTAINER_KINDS, Document, Kind, Node, Status
from retrieval.analysis import missing_topics

STATUS_FILTERS = {s.value: s.label for s in Status}


@dataclass(frozen=True)
class Row:
    """One unit of a document's outline, with the changes the validity register records for it."""

    depth: int
    kind: str
    heading: str
    text: str
    changes: list[str]
    anchor: str


def _fold(text: str) -> str:
    return " ".join(strip_diacritics(text).lower().split())


def _outline(doc: Document, register: validity.Register) -> list[Row]:
    """Chương/Mục/Điều/Khoản/Điểm in order; a unit repealed or amended carries the register's sentence."""
    rows: list[Row] = []

    def visit(node: Node, depth: int, article: str | None, clause: str | None) -> None:
        if node.kind is Kind.ARTICLE:
            article, clause = node.number, None
        elif node.kind is Kind.CLAUSE:
            clause = node.number
        point = node.number if node.kind is Kind.POINT else None
        changes = []
        if node.kind in (Kind.ARTICLE, Kind.CLAUSE, Kind.POINT):
            changes = [c.sentence(whole) for c, whole in register.for_unit(doc.id, article, clause, point) if whole]
        if node.kind in CONTAINER_KINDS or node.kind in (Kind.ARTICLE, Kind.ITEM):
            rows.append(Row(depth, node.kind.value, node.heading(), "", changes,
                            f"u-{node.kind.value}-{node.number or len(rows)}"))
        elif node.kind is not Kind.PARAGRAPH or node.text:
            rows.append(Row(depth, node.kind.value, "", node.labelled_text(), changes, ""))
        for child in node.children:
            visit(child, depth + 1, article, clause)

    for top in doc.body:
        visit(top, 0, None, None)
    return rows


async def documents(request: Request) -> Response:
    require(request)
    c = console(request)
    library = c.assistant.library
    docs = await blocking(library.documents)
    register = await blocking(library.register)
    query, status = request.query_params.get("q", "").strip(), request.query_params.get("status", "")
    shown = [d for d in docs if (not status or d.validity.status.value == status)
             and (not query or _fold(query) in _fold(f"{d.id} {d.title} {d.issuer} {d.name} {d.doc_type}"))]
    shown.sort(key=lambda d: (d.validity.status is not Status.IN_FORCE, d.doc_type, d.id))
    changed = {d.id: len(register.for_document(d.id)) for d in shown}
    reports = await blocking(c.assistant.store.missing_reports)
    return render(request, "documents.html", docs=shown, total=len(docs), query=query, status=status,
                  statuses=STATUS_FILTERS, changed=changed, skipped=library.skipped(),
                  missing=[m for _, m in missing_topics()], reports=reports,
                  upload=await form(request, UploadForm, check=False))


async def document(request: Request) -> Response:
    require(request)
    c = console(request)
    library = c.assistant.library
    doc_id = request.query_params.get("so", "")
    doc = await blocking(library.document, doc_id)
    if doc is None:
        flash(request, f"Không có văn bản {doc_id} trong kho.", "error")
        return redirect(request, "/van-ban")
    register = await blocking(library.register)
    versions = await blocking(c.assistant.admin.history, doc.id)
    return render(request, "document.html", doc=doc, outline=_outline(doc, register),
                  changes=register.for_document(doc.id), versions=versions,
                  supersede=await form(request, SupersedeForm, check=False),
                  remove=await form(request, RemoveForm, check=False))


async def upload(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, UploadForm)
    file = filled.file.data
    if file is None or not getattr(file, "filename", ""):
        flash(request, "Hãy chọn một tệp văn bản.", "error")
        return redirect(request, "/van-ban")
    data = await file.read(c.settings.max_upload_mb * 1024 * 1024 + 1)
    try:
        pending = await blocking(c.assistant.admin.preview_upload, actor(who), file.filename, data,
                                 c.settings.max_upload_mb * 1024 * 1024)
    except AdminError as exc:
        flash(request, f"Tệp {file.filename}: {exc}", "error")
        return redirect(request, "/van-ban")
    return render(request, "preview.html", pending=pending, confirm=await form(request, ConfirmForm, check=False))


async def confirm(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, ConfirmForm)
    token, action = filled.token.data or "", request.query_params.get("action", "confirm")
    try:
        if action == "cancel":
            await blocking(c.assistant.admin.cancel_upload, actor(who), token)
            flash(request, "Đã hủy; " + messages.NOTHING_CHANGED[0].lower() + messages.NOTHING_CHANGED[1:])
            return redirect(request, "/van-ban")
        change = await blocking(c.assistant.admin.confirm_upload, actor(who), token, filled.replace.data == "1")
    except (AdminError, UploadError) as exc:
        flash(request, str(exc), "error")
        return redirect(request, "/van-ban")
    flash(request, messages.added(change.document, change.previous, change.kept))
    return redirect(request, f"/van-ban/xem?so={change.document.id}")


async def supersede(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, SupersedeForm)
    try:
        doc = await blocking(c.assistant.admin.mark_superseded, actor(who), filled.doc.data or "",
                             (filled.by.data or "").strip())
    except AdminError as exc:
        flash(request, str(exc), "error")
        return redirect(request, f"/van-ban/xem?so={filled.doc.data}")
    flash(request, messages.superseded(doc, (filled.by.data or "").strip()))
    return redirect(request, f"/van-ban/xem?so={doc.id}")


async def remove(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, RemoveForm)
    try:
        change = await blocking(c.assistant.admin.remove, actor(who), filled.doc.data or "", filled.reason.data or "")
    except AdminError as exc:
        flash(request, str(exc), "error")
        return redirect(request, f"/van-ban/xem?so={filled.doc.data}")
    flash(request, messages.removed(change.previous.id if change.previous else filled.doc.data or "", change.kept))
    return redirect(request, "/van-ban")


async def restore(request: Request) -> Response:
    who = require(request, "admin")
    c = console(request)
    filled = await form(request, RestoreForm)
    number = int(filled.version.data) if (filled.version.data or "").isdigit() else None
    try:
        change = await blocking(c.assistant.admin.restore, actor(who), filled.doc.data or "", number)
    except AdminError as exc:
        flash(request, str(exc), "error")
        return redirect(request, "/van-ban/lich-su")
    flash(request, messages.restored(change.document, number))
    return redirect(request, f"/van-ban/xem?so={change.document.id}")


async def history(request: Request) -> Response:
    require(request)
    c = console(request)
    versions = await blocking(c.assistant.admin.history, request.query_params.get("so") or None)
    return render(request, "history.html", versions=versions)


async def validity_page(request: Request) -> Response:
    """The validity register: every recorded change, and (for admins) a form to record one."""
    require(request)
    c = console(request)
    filled = await form(request, ValidityForm)
    if request.method == "POST":
        who = require(request, "admin")
        if filled.validate():
            try:
                change = validity.change_from_words(filled.unit.data, filled.change.data, filled.by.data,
                                                    filled.since.data, filled.note.data or "",
                                                    filled.current.data or None)
                recorded = await blocking(c.assistant.admin.record_change, actor(who), change)
            except (validity.RegisterError, AdminError) as exc:
                flash(request, str(exc), "error")
            else:
                flash(request, messages.change_recorded(recorded))
                return redirect(request, "/hieu-luc")
    register = await blocking(c.assistant.library.register)
    return render(request, "validity.html", register=register, form=filled,
                  admin_error=c.assistant.library.validity.error)


async def reindex(request: Request) -> Response:
    """POST starts a rebuild in a thread (the old index keeps answering); GET shows its progress."""
    c = console(request)
    job = c.reindex
    if request.method == "POST":
        who = require(request, "admin")
        await form(request, ActionForm)
        with job.lock:
            if job.running:
                flash(request, messages.REINDEX_RUNNING, "error")
                return redirect(request, "/chi-muc")
            job.running, job.lines, job.result, job.failed = True, ["Bắt đầu xây lại chỉ mục…"], "", False

        def run() -> None:
            try:
                count = c.assistant.admin.reindex(actor(who), job.lines.append)
                job.result = messages.reindex_done(count)
            except ReindexRunning:
                job.result, job.failed = messages.REINDEX_RUNNING, True
            except AdminError as exc:
                job.result, job.failed = messages.reindex_failed(exc), True
            finally:
                job.running = False

        threading.Thread(target=run, name="console-reindex", daemon=True).start()
        return redirect(request, "/chi-muc")
    require(request)
    return render(request, "reindex.html", job=job)


async def reindex_progress(request: Request) -> Response:
    require(request)
    job = console(request).reindex
    return JSONResponse({"running": job.running, "lines": job.lines[-12:], "result": job.result, "failed": job.failed})


routes = [
    Route("/van-ban", documents, name="documents"),
    Route("/van-ban/xem", document, name="document"),
    Route("/van-ban/tai-len", upload, methods=["POST"]),
    Route("/van-ban/xac-nhan", confirm, methods=["POST"]),
    Route("/van-ban/het-hieu-luc", supersede, methods=["POST"]),
    Route("/van-ban/go-bo", remove, methods=["POST"]),
    Route("/van-ban/khoi-phuc", restore, methods=["POST"]),
    Route("/van-ban/lich-su", history),
    Route("/hieu-luc", validity_page, methods=["GET", "POST"]),
    Route("/chi-muc", reindex, methods=["GET", "POST"]),
    Route("/chi-muc/tien-do", reindex_progress),
]
