"""`conduct-bot`: ask, chat, manage the index, evaluate.

Everything a user reads is Vietnamese; errors are one clear line on stderr and a non-zero exit,
never a traceback for a mistake the user can fix.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bot import messages
from bot.answer import Answer, Answerer
from bot.config import Settings
from bot.library import Library
from bot.messages import APOLOGY
from bot.quiz.bank import KIND_NAMES, KINDS
from index import storage
from knowledge_base import hygiene
from knowledge_base.model import Status
from retrieval.settings import default as default_settings


def main(argv: list[str] | None = None) -> int:
    # Bytes that are not UTF-8 (a pasted file name, a question from another code page) must not end
    # the program: they come in as U+FFFD, and whatever is printed is written, never raised on.
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    library = Library(Settings.from_env())
    try:
        return args.handler(library, args)
    except (storage.IndexMissing, storage.IndexMismatch, ValueError, OSError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conduct-bot", description="Trợ lý quy tắc ứng xử cho cán bộ, công chức, viên chức"
    )
    sub = p.add_subparsers(metavar="LỆNH")

    ask = sub.add_parser("ask", help="hỏi một câu và in câu trả lời có trích dẫn")
    ask.add_argument("question", help='câu hỏi, hoặc "-" để đọc mỗi dòng một câu từ stdin')
    ask.add_argument("--json", action="store_true", help="in một đối tượng JSON cho mỗi câu hỏi")
    ask.set_defaults(handler=cmd_ask)

    chat = sub.add_parser("chat", help="trò chuyện trong cửa sổ dòng lệnh")
    chat.set_defaults(handler=cmd_chat)

    idx = sub.add_parser("index", help="quản lý chỉ mục tìm kiếm").add_subparsers(metavar="THAO_TÁC")
    build = idx.add_parser("build", help="xây lại toàn bộ chỉ mục (thay thế nguyên tử)")
    build.set_defaults(handler=cmd_index_build)
    info = idx.add_parser("info", help="thông tin chỉ mục đang dùng")
    info.set_defaults(handler=cmd_index_info)
    add = idx.add_parser("add", help="thêm một văn bản (.txt .md .html .docx .pdf) vào kho và chỉ mục")
    add.add_argument("file", type=Path)
    add.add_argument("--id", help="số hiệu văn bản, nếu tệp không ghi rõ")
    add.add_argument("--title", help="trích yếu, nếu tệp không ghi rõ")
    add.add_argument("--replace", action="store_true",
                     help="thay văn bản cùng số hiệu đã có (bản cũ được lưu vào lịch sử)")
    add.add_argument("--reason", default="", help="lý do, ghi vào lịch sử")
    add.set_defaults(handler=cmd_index_add)
    remove = idx.add_parser("remove", help="gỡ một văn bản khỏi kho và chỉ mục (lưu vào lịch sử)")
    remove.add_argument("doc", help="số hiệu văn bản, ví dụ 80/2025/QH15")
    remove.add_argument("--reason", default="", help="lý do, ghi vào lịch sử")
    remove.set_defaults(handler=cmd_index_remove)
    supersede = idx.add_parser("supersede", help="ghi nhận một văn bản hết hiệu lực")
    supersede.add_argument("doc", help="số hiệu văn bản hết hiệu lực")
    supersede.add_argument("by", nargs="?", default="", help="số hiệu văn bản thay thế (tùy chọn)")
    supersede.set_defaults(handler=cmd_index_supersede)
    hist = idx.add_parser("history", help="các bản cũ đã bị thay thế hoặc gỡ")
    hist.add_argument("doc", nargs="?", help="chỉ văn bản này")
    hist.set_defaults(handler=cmd_index_history)
    restore = idx.add_parser("restore", help="khôi phục một bản cũ trong lịch sử")
    restore.add_argument("doc", help="số hiệu văn bản")
    restore.add_argument("--version", type=int, help="số bản (xem index history); mặc định bản mới nhất")
    restore.set_defaults(handler=cmd_index_restore)

    kb = sub.add_parser("kb", help="kho văn bản: kiểm tra hiệu lực, sổ theo dõi hiệu lực").add_subparsers(
        metavar="THAO_TÁC")
    aud = kb.add_parser("audit", help="báo cáo hiệu lực: tình trạng và căn cứ, quy định đã thay đổi, văn bản "
                                      "chưa xác minh, trùng lặp, thông tin sai lệch; lỗi sổ hiệu lực → mã thoát 1")
    aud.set_defaults(handler=cmd_kb_audit)
    val_ = kb.add_parser("validity", help="sổ theo dõi hiệu lực theo điều, khoản, điểm").add_subparsers(
        metavar="THAO_TÁC")
    vadd = val_.add_parser("add", help="ghi nhận một quy định bị bãi bỏ, thay thế, sửa đổi hoặc không còn phù hợp")
    vadd.add_argument("unit", help="đơn vị, ví dụ: \"khoản 3 Điều 51 36/2018/QH14\"")
    vadd.add_argument("--change", required=True, help="bãi bỏ | thay thế | sửa đổi | không còn phù hợp")
    vadd.add_argument("--by", required=True, help="căn cứ, ví dụ: \"khoản 2 Điều 29 Nghị định số 172/2025/NĐ-CP\"")
    vadd.add_argument("--since", required=True, help="từ ngày, ví dụ 01/07/2025")
    vadd.add_argument("--note", default="", help="một câu cho người đọc: quy định hiện hành là gì")
    vadd.add_argument("--current", help="quy định hiện hành trong kho, ví dụ: \"Điều 36 80/2025/QH15\"")
    vadd.set_defaults(handler=cmd_kb_validity_add)
    vlist = val_.add_parser("list", help="các quy định đã ghi nhận thay đổi")
    vlist.add_argument("doc", nargs="?", help="chỉ văn bản này")
    vlist.set_defaults(handler=cmd_kb_validity_list)

    ev = sub.add_parser("eval", help="đánh giá truy hồi trên bộ câu hỏi có đáp án (JSONL)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--k", type=int, default=10)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(handler=cmd_eval)

    quiz = sub.add_parser("quiz", help="ngân hàng câu hỏi kiểm tra và luyện tập").add_subparsers(metavar="THAO_TÁC")
    gen = quiz.add_parser("generate", help="sinh câu hỏi từ kho văn bản (giữ cờ duyệt/bật của câu cũ)")
    gen.add_argument("--bundled", action="store_true", help="sinh cho ngân hàng đóng gói (knowledge_base/quiz)")
    gen.set_defaults(handler=cmd_quiz_generate)
    val = quiz.add_parser("validate", help="kiểm tra ngân hàng: giới hạn Telegram và đối chiếu nguồn")
    val.add_argument("--bundled", action="store_true", help="kiểm tra ngân hàng đóng gói")
    val.set_defaults(handler=cmd_quiz_validate)
    lst = quiz.add_parser("list", help="liệt kê câu hỏi")
    lst.add_argument("--topic", help="chỉ chủ đề này (gõ không dấu cũng được)")
    lst.add_argument("--kind", choices=KINDS)
    lst.add_argument("--all", action="store_true", help="kể cả câu đã tắt")
    lst.set_defaults(handler=cmd_quiz_list)
    play = quiz.add_parser("play", help="tự luyện trong cửa sổ dòng lệnh")
    play.add_argument("topic", nargs="*", help="chủ đề (tùy chọn), ví dụ: quà tặng")
    play.add_argument("-n", type=int, default=5, help="số câu (mặc định 5)")
    play.set_defaults(handler=cmd_quiz_play)

    adm = sub.add_parser("admin", help="tài khoản đăng nhập bảng điều khiển web (khác quản trị viên trong chat)"
                         ).add_subparsers(metavar="THAO_TÁC")
    adduser = adm.add_parser("add-user", help="tạo tài khoản")
    adduser.add_argument("username", help="tên đăng nhập: 3–64 ký tự, chữ cái không dấu, chữ số và . _ -")
    adduser.add_argument("--role", choices=("admin", "trainer", "viewer"), default="viewer",
                         help="admin: quản trị; trainer: giảng viên; viewer: chỉ xem (mặc định)")
    adduser.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu tiên của stdin")
    adduser.set_defaults(handler=cmd_admin_add_user)
    setpw = adm.add_parser("set-password", help="đặt lại mật khẩu")
    setpw.add_argument("username")
    setpw.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu tiên của stdin")
    setpw.set_defaults(handler=cmd_admin_set_password)
    users = adm.add_parser("list-users", help="liệt kê tài khoản")
    users.set_defaults(handler=cmd_admin_list_users)

    srv = sub.add_parser("serve", help="chạy bot: telegram (long polling), zalo (getUpdates), webhook (ASGI, kèm "
                                       "bảng quản trị tại /admin) hoặc web (chỉ bảng quản trị)")
    srv.add_argument("mode", choices=["telegram", "zalo", "webhook", "web"])
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8080)
    srv.set_defaults(handler=cmd_serve)
    return p


def _answerer(library: Library) -> Answerer:
    library.ensure_index()
    return Answerer(library.index, register=library.register(), wording=library.wording())


def cmd_ask(library: Library, args: argparse.Namespace) -> int:
    """One answer per question; with "-", exactly one output line per input line, whatever the line holds,
    so a client pairing answers with its questions by line never gets out of step."""
    answerer = _answerer(library)
    questions = (line.rstrip("\r\n") for line in sys.stdin) if args.question == "-" else [args.question]
    for question in questions:
        try:
            answer = answerer.ask(question)
        except Exception:  # one bad line must not lose the answers to the lines after it
            logging.getLogger(__name__).exception("answering a question failed")
            answer = Answer(question=hygiene.clean_line(question), answer=APOLOGY, refused=True)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(answer.answer, flush=True)
    return 0


def cmd_chat(library: Library, args: argparse.Namespace) -> int:
    """A conversation: a short follow-up ("còn viên chức thì sao?") is read with the question before it."""
    from bot.conversation import Conversations

    answerer = _answerer(library)
    conversations = Conversations()
    print("Trợ lý quy tắc ứng xử. Gõ câu hỏi rồi Enter; gõ “thoát” hoặc Ctrl-D để kết thúc.")
    while True:
        try:
            question = input("\nBạn: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.strip().lower() in ("thoát", "thoat", "exit", "quit"):
            return 0
        reading = conversations.read(("cli", "", ""), question)
        print("\n" + answerer.ask(reading.text, read_with=reading.read_with).answer)


def cmd_index_build(library: Library, args: argparse.Namespace) -> int:
    library.recover()
    docs = library.documents()
    print(f"Xây chỉ mục cho {len(docs)} văn bản…", file=sys.stderr)
    path = library.rebuild(progress=True)
    manifest = storage.read_manifest(path)
    print(f"Xong: {manifest.counts['chunks']} đoạn từ {manifest.counts['documents']} văn bản → {path}")
    _print_skipped(library)
    return 0


def cmd_index_info(library: Library, args: argparse.Namespace) -> int:
    library.ensure_index()
    path = storage.current_build(library.settings.index_dir)
    m = storage.read_manifest(path)
    print(f"Chỉ mục:      {path}")
    print(f"Mô hình:      {m.model_id} ({m.dim} chiều)")
    print(f"Xây lúc:      {m.built_at}")
    print(f"Mã kho:       {m.corpus_hash}")
    print(f"Số lượng:     {m.counts['documents']} văn bản, {m.counts['articles']} điều/mục, "
          f"{m.counts['chunks']} đoạn")
    print(f"Lịch sử:      {len(library.history.versions())} bản cũ (conduct-bot index history)")
    print("Văn bản:")
    register = library.register()
    print(f"Hiệu lực:     {len(register.changes)} quy định đã thay đổi, {len(register.terms)} tên gọi đã đổi "
          f"(sổ theo dõi hiệu lực; conduct-bot kb audit)")
    for doc_id, meta in sorted(m.documents.items()):
        changed = len(register.for_document(doc_id))
        flag = f" [{changed} quy định đã thay đổi]" if changed else ""
        print(f"  {doc_id:28} {meta['chunks']:5} đoạn  {meta['title']} — "
              f"{meta.get('validity') or Status(meta['status']).label}{flag}")
    if library.validity.error:
        print(f"Lỗi sổ theo dõi hiệu lực của quản trị viên (đang dùng sổ đóng gói): {library.validity.error}")
    _print_skipped(library)
    return 0


def _print_skipped(library: Library) -> None:
    text = messages.skipped_files(library.skipped(), messages.IN_SHELL)
    if text:
        print(text)


def _admin(library: Library):  # noqa: ANN202 - bot.admin.Admin, imported late (the database is opened here)
    from bot.admin import Admin
    from bot.storage import Store

    return Admin(library.settings, library, Store(library.settings.database))


def _cli_actor():  # noqa: ANN202
    import getpass

    from bot.admin import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        user = str(os.getuid())
    return Actor("cli", user)


def _admin_call(work) -> int:  # noqa: ANN001 - a zero-argument callable printing its own success
    from bot.admin import AdminError
    from bot.library import DocumentExists

    try:
        work()
    except AdminError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        if isinstance(exc.__cause__, DocumentExists):
            print("Muốn thay văn bản đó bằng tệp này: thêm --replace (bản cũ được lưu vào lịch sử, "
                  "khôi phục được bằng conduct-bot index restore).", file=sys.stderr)
        return 1
    return 0


def cmd_index_add(library: Library, args: argparse.Namespace) -> int:
    def work() -> None:
        change = _admin(library).add_file(_cli_actor(), args.file, doc_id=args.id, title=args.title,
                                          replace=args.replace, reason=args.reason, progress=True)
        doc = change.document
        counts = doc.counts()
        verb = "Đã thay" if change.previous else "Đã thêm"
        print(f"{verb} {doc.display_name}: {counts.get('dieu', 0)} điều, {counts.get('khoan', 0)} khoản, "
              f"{counts.get('diem', 0)} điểm.")
        if change.kept:
            print(messages.added(doc, change.previous, change.kept, messages.IN_SHELL))

    return _admin_call(work)


def cmd_index_remove(library: Library, args: argparse.Namespace) -> int:
    def work() -> None:
        change = _admin(library).remove(_cli_actor(), args.doc, args.reason)
        print(messages.removed(change.previous.id if change.previous else args.doc, change.kept, messages.IN_SHELL))

    return _admin_call(work)


def cmd_index_supersede(library: Library, args: argparse.Namespace) -> int:
    def work() -> None:
        doc = _admin(library).mark_superseded(_cli_actor(), args.doc, args.by)
        print(messages.superseded(doc, args.by))

    return _admin_call(work)


def cmd_index_history(library: Library, args: argparse.Namespace) -> int:
    versions = _admin(library).history(args.doc)
    print(messages.history_text(versions, args.doc, messages.IN_SHELL))
    return 0


def cmd_index_restore(library: Library, args: argparse.Namespace) -> int:
    def work() -> None:
        change = _admin(library).restore(_cli_actor(), args.doc, args.version)
        print(messages.restored(change.document, args.version))

    return _admin_call(work)


def cmd_kb_audit(library: Library, args: argparse.Namespace) -> int:
    from knowledge_base import audit
    from retrieval.analysis import missing_topics

    report = audit.audit(library.documents(), library.validity, [m for _, m in missing_topics()])
    print(audit.render(report))
    _print_skipped(library)
    return 0 if report.ok else 1


def cmd_kb_validity_add(library: Library, args: argparse.Namespace) -> int:
    from knowledge_base import validity

    def work() -> None:
        try:
            change = validity.change_from_words(args.unit, args.change, args.by, args.since, args.note, args.current)
        except validity.RegisterError as exc:
            raise SystemExit(f"{exc}") from exc
        print(messages.change_recorded(_admin(library).record_change(_cli_actor(), change)))

    return _admin_call(work)


def cmd_kb_validity_list(library: Library, args: argparse.Namespace) -> int:
    from knowledge_base import validity

    register = library.register()
    changes = register.for_document(args.doc) if args.doc else register.changes
    for c in changes:
        print(f"{c.unit.label() or 'toàn văn'} {c.unit.doc}: {validity.CHANGES[c.change]} theo {c.by} "
              f"từ {c.since:%d/%m/%Y}" + (f" — {c.note}" if c.note else ""))
    if not changes:
        print("Sổ theo dõi hiệu lực không có mục nào" + (f" cho {args.doc}." if args.doc else "."))
    if library.validity.error:
        print(f"Lỗi: {library.validity.error}", file=sys.stderr)
        return 1
    return 0


def cmd_eval(library: Library, args: argparse.Namespace) -> int:
    from bot.evaluation import SEARCH_K, evaluate, format_table, read_items

    library.ensure_index()
    answerer = Answerer(library.index, default_settings().replace("results", max(SEARCH_K, args.k)),
                        register=library.register())
    result = evaluate(read_items(args.file), answerer.ask, k=args.k)
    if args.json:
        print(json.dumps({**result.summary(), "per_question": result.per_question}, ensure_ascii=False, indent=2))
    else:
        print(format_table(result))
    return 0


def cmd_serve(library: Library, args: argparse.Namespace) -> int:
    """Start a chat channel; tokens come from the environment or .env and are never printed.

    Each token in use is checked (getMe) before the index loads: a rejected token is one line on
    stderr and exit 2, which systemd does not retry (RestartPreventExitStatus=2); a platform out of
    reach is exit 1 at once, and the supervisor starts us again (see `zalo.check_token`).
    """
    import asyncio
    import logging

    from bot.assistant import Assistant
    from bot.channels.zalo import BotIdentity, StartupCheckFailed, check_token

    settings = library.settings
    if args.mode == "web":
        from bot.web.app import serve as serve_web

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        library.ensure_index()
        print(f"Bảng quản trị: http://{args.host}:{args.port}/ (tạo tài khoản: conduct-bot admin add-user TÊN "
              "--role admin)", file=sys.stderr)
        serve_web(settings, args.host, args.port)
        return 0
    needed = {"telegram": settings.telegram_token, "zalo": settings.zalo_token,
              "webhook": settings.telegram_token or settings.zalo_token}
    if not needed[args.mode]:
        print("Lỗi: thiếu token. Đặt TELEGRAM_BOT_TOKEN và/hoặc ZALO_BOT_TOKEN trong môi trường hoặc tệp .env.",
              file=sys.stderr)
        return 2

    async def check_telegram() -> None:
        """PTB's run_polling would die on a bad token with a traceback; getMe first says it plainly."""
        from telegram import Bot
        from telegram.error import InvalidToken, TelegramError

        from bot.redaction import redact

        try:
            async with Bot(settings.telegram_token, base_url=f"{settings.telegram_api_url}/bot"):
                pass  # entering calls getMe
        except InvalidToken:
            raise StartupCheckFailed("Lỗi: Telegram không chấp nhận TELEGRAM_BOT_TOKEN. Hãy lấy lại token từ "
                                     "@BotFather rồi đặt vào môi trường hoặc tệp .env.", 2) from None
        except TelegramError as exc:
            reason = redact(str(exc), settings.telegram_token)
            raise StartupCheckFailed(f"Lỗi: chưa kết nối được Telegram Bot API tại {settings.telegram_api_url} "
                                     f"({reason}). Hãy kiểm tra mạng của máy chủ hoặc TELEGRAM_API_URL rồi chạy lại.",
                                     1) from None

    async def check_tokens() -> BotIdentity | None:
        if settings.telegram_token and args.mode in ("telegram", "webhook"):
            await check_telegram()
        if settings.zalo_token and args.mode in ("zalo", "webhook"):
            return await check_token(settings.zalo_token, settings.zalo_api_url)
        return None

    try:
        zalo_me = asyncio.run(check_tokens())
    except StartupCheckFailed as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    library.ensure_index()
    assistant = Assistant(settings, library=library)
    if args.mode == "telegram":
        from bot.channels import telegram

        telegram.run_polling(settings, assistant)
    elif args.mode == "zalo":
        from bot.channels.zalo import ZaloBot
        from bot.channels.zalo_api import ZaloBotApi

        async def poll() -> None:
            async with ZaloBotApi(settings.zalo_token, base_url=settings.zalo_api_url) as api:
                await api.delete_webhook()
                await ZaloBot(api, assistant, zalo_me).run_polling()

        asyncio.run(poll())
    else:
        from bot.channels import webhook

        webhook.serve(settings, assistant, args.host, args.port)
    return 0


# ---------------------------------------------------------------- quiz


def _quiz_paths(library: Library, bundled: bool) -> tuple[Path, list]:
    from bot.quiz import bank
    from knowledge_base import store

    if bundled:
        return bank.BUNDLED_DIR, store.load_all()
    return library.quiz_dir, library.documents()


def cmd_quiz_generate(library: Library, args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.quiz import bank
    from bot.quiz.generate import generate

    directory, documents = _quiz_paths(library, args.bundled)
    target = directory / "generated.yaml"
    old = {q.id: q for q in bank.load_file(target)}
    register = library.register() if not args.bundled else None  # the bundled bank: the curated register
    fresh = [bank.with_flags(q, old.get(q.id)) for q in generate(documents, directory / "sources.yaml", register)]
    bank.save_file(fresh, target)
    kinds = Counter(q.kind for q in fresh)
    kept = sum(1 for q in fresh if q.id in old)
    print(f"Đã sinh {len(fresh)} câu vào {target} ({kept} câu đã có từ trước giữ nguyên cờ duyệt/bật; "
          f"{len(set(old) - {q.id for q in fresh})} câu cũ không còn được sinh).")
    print("Theo loại: " + ", ".join(f"{KIND_NAMES[k]} {n}" for k, n in kinds.most_common()))
    return cmd_quiz_validate(library, args)


def cmd_quiz_validate(library: Library, args: argparse.Namespace) -> int:
    from bot.quiz import bank

    directory, documents = _quiz_paths(library, args.bundled)
    questions = bank.load_files(directory)
    problems = bank.validate(questions, {d.id: d for d in documents})
    if problems:
        print(f"Ngân hàng câu hỏi có {len(problems)} lỗi:", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    enabled = sum(q.enabled for q in questions)
    reviewed = sum(q.reviewed for q in questions)
    print(f"Hợp lệ: {len(questions)} câu ({enabled} đang bật, {reviewed} đã duyệt) trong {directory}.")
    served = bank.Bank(questions, library.register() if not args.bundled else None)
    withheld = [q for q in questions if q.enabled and served.changed(q)]
    if withheld:
        # Still in the file for a trainer to rewrite, but never asked (the validity register).
        print(f"{len(withheld)} câu đang bật không được dùng vì quy định được trích đã thay đổi "
              "(conduct-bot kb validity list): " + ", ".join(q.id for q in withheld[:10])
              + (" …" if len(withheld) > 10 else ""))
    for topic, n in served.topics():
        print(f"  {topic}: {n} câu")
    return 0


def cmd_quiz_list(library: Library, args: argparse.Namespace) -> int:
    quiz_bank = library.quiz_bank()
    topic = None
    if args.topic:
        topic = quiz_bank.match_topic(args.topic)
        if topic is None:
            print(f"Lỗi: không có chủ đề “{args.topic}”.", file=sys.stderr)
            return 1
    for q in quiz_bank.questions:
        if (topic and q.topic != topic) or (args.kind and q.kind != args.kind) or (not q.enabled and not args.all):
            continue
        flags = ("" if q.enabled else " [tắt]") + (" [đã duyệt]" if q.reviewed else "")
        print(f"{q.id}  {KIND_NAMES[q.kind]} · {q.topic} · {q.difficulty}{flags}\n    {q.question}")
    return 0


def cmd_quiz_play(library: Library, args: argparse.Namespace) -> int:
    import asyncio
    import getpass

    from bot.quiz.master import QuizError, QuizMaster
    from bot.quiz.terminal import TerminalChannel
    from bot.storage import Store

    store = Store(library.settings.database, log_content=library.settings.log_question_text)
    master = QuizMaster(store, library.quiz_bank, documents=library.documents)
    channel = TerminalChannel()
    master.add_channel(channel)
    user = getpass.getuser()

    async def play() -> int:
        try:
            await master.start_practice(channel.name, user, user, " ".join(args.topic), n=args.n)
        except QuizError as exc:
            print(exc, file=sys.stderr)
            return 1
        while await master.records_running(channel.name, user):
            try:
                reply = await asyncio.to_thread(input, "\nĐáp án: ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not await master.answer_letter(channel.name, user, user, user, reply):
                print("Hãy gõ một chữ cái A, B, C hoặc D (Ctrl-D để thoát).")
        return 0

    return asyncio.run(play())


# ---------------------------------------------------------------- web console accounts


def _accounts_call(library: Library, work) -> int:  # noqa: ANN001 - work(accounts) prints its own success
    """Opens the database like `_admin` does; a mistake the user can fix is one Vietnamese line and exit 1."""
    from bot.accounts import AccountError, Accounts
    from bot.storage import Store

    store = Store(library.settings.database)
    try:
        work(Accounts(store))
    except AccountError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """From stdin's first line with --password-stdin (scripts), else typed twice, unseen, at a terminal."""
    import getpass

    from bot.accounts import AccountError

    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise AccountError("stdin trống: không đọc được mật khẩu.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("Không có terminal để nhập mật khẩu: dùng --password-stdin và đưa mật khẩu vào "
                           "dòng đầu tiên của stdin.")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise AccountError("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_admin_add_user(library: Library, args: argparse.Namespace) -> int:
    from bot.accounts import ROLE_NAMES

    def work(accounts) -> None:  # noqa: ANN001
        account = accounts.add(args.username, _read_password(args), args.role)
        print(f"Đã tạo tài khoản “{account.username}” với vai trò {ROLE_NAMES[account.role]} ({account.role}).")

    return _accounts_call(library, work)


def cmd_admin_set_password(library: Library, args: argparse.Namespace) -> int:
    from bot.accounts import AccountError

    def work(accounts) -> None:  # noqa: ANN001
        account = accounts.get(args.username)
        if account is None:  # said before a password is asked for, not after it was typed twice for nothing
            raise AccountError(f"Không có tài khoản “{args.username}”.")
        accounts.set_password(account.username, _read_password(args))
        print(f"Đã đặt mật khẩu mới cho tài khoản “{account.username}”.")

    return _accounts_call(library, work)


def cmd_admin_list_users(library: Library, args: argparse.Namespace) -> int:
    from bot.accounts import ROLE_NAMES

    def work(accounts) -> None:  # noqa: ANN001
        found = accounts.list()
        if not found:
            print("Chưa có tài khoản nào. Tạo bằng: conduct-bot admin add-user TÊN --role admin")
        for a in found:
            last = f"{a.last_login:%d/%m/%Y %H:%M} UTC" if a.last_login else "chưa đăng nhập"
            flag = " [đã khóa]" if a.disabled else ""
            print(f"{a.username:24} {ROLE_NAMES[a.role]:10} tạo {a.created_at:%d/%m/%Y}, "
                  f"đăng nhập lần cuối: {last}{flag}")

    return _accounts_call(library, work)
