"""Everything the chat channels say besides the answers, in one place: one wording per situation.

Plain text; each channel escapes or formats it (`bot.render`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answer import Answer, clip
from bot.storage import Stats
from knowledge_base.history import Version
from knowledge_base.model import Document, Status
from knowledge_base.store import Skipped
from knowledge_base.validity import CHANGES, Change, Register

EXAMPLES = [
    "Khi tiếp dân công chức có phải đeo thẻ không?",
    "Cán bộ có được nhận quà Tết của doanh nghiệp không?",
    "Viên chức có được góp vốn vào công ty tư nhân không?",
]

SLOW_DOWN = "Bạn hỏi hơi nhanh, tôi chưa kịp trả lời hết. Vui lòng đợi một chút rồi hỏi tiếp nhé."
ASK_USAGE = f"Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi {EXAMPLES[0]}"
TEXT_ONLY = f"Hiện tôi chỉ đọc được câu hỏi bằng chữ. Bạn hãy gõ câu hỏi, ví dụ: “{EXAMPLES[0]}”"
THANKS_FEEDBACK = "Cảm ơn bạn đã đánh giá!"
ASK_AGAIN = "Câu trả lời này không còn trong bộ nhớ của tôi; bạn vui lòng gửi lại câu hỏi."
ADMINS_ONLY = "Lệnh này chỉ dành cho quản trị viên."
UPLOAD_ADMINS_ONLY = "Chỉ quản trị viên mới được thêm văn bản vào cơ sở tri thức. Bạn có thể gửi câu hỏi bằng chữ."
NOTHING_CHANGED = "Cơ sở tri thức không thay đổi."
APOLOGY = "Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. Vui lòng thử lại sau ít phút."
SUPERSEDE_USAGE = ("Cách dùng: /het_hieu_luc SỐ_HIỆU [VĂN_BẢN_THAY_THẾ], "
                   "ví dụ: /het_hieu_luc 112/2020/NĐ-CP 172/2025/NĐ-CP")
REMOVE_USAGE = "Cách dùng: /xoa SỐ_HIỆU [lý do], ví dụ: /xoa 17-CT/TU đã có văn bản thay thế"
RESTORE_USAGE = ("Cách dùng: /khoi_phuc SỐ_HIỆU [SỐ_BẢN], ví dụ: /khoi_phuc 80/2025/QH15 1 "
                 "(xem các bản bằng /lich_su SỐ_HIỆU; không ghi số bản thì khôi phục bản mới nhất)")

VALIDITY_USAGE = ("Cách dùng: /hieu_luc ĐƠN_VỊ | THAY_ĐỔI | CĂN_CỨ | TỪ_NGÀY [| GHI_CHÚ [| QUY_ĐỊNH_HIỆN_HÀNH]], "
                  "ví dụ: /hieu_luc khoản 3 Điều 51 36/2018/QH14 | không còn phù hợp | Điều 36 Luật Cán bộ, "
                  "công chức số 80/2025/QH15 | 01/07/2025 | Không còn hình thức giáng chức | Điều 36 80/2025/QH15. "
                  "THAY_ĐỔI: bãi bỏ, thay thế, sửa đổi, không còn phù hợp.")
_MAIN_TYPES = ("Luật", "Nghị định", "Quyết định", "Chỉ thị")


def help_text(docs: list[Document]) -> str:
    main = [d for d in docs if d.doc_type in _MAIN_TYPES]
    others = len(docs) - len(main)
    lines = [
        "Tôi là trợ lý tra cứu quy tắc ứng xử dành cho cán bộ, công chức, viên chức.",
        "Tôi trả lời về văn hóa công sở, đạo đức công vụ, giao tiếp với Nhân dân, những việc không được làm, "
        "quà tặng, tiếp công dân và kỷ luật — luôn trích nguyên văn điều, khoản, điểm và nêu rõ văn bản, hiệu lực.",
        "",
        "Cách hỏi: gõ câu hỏi bằng tiếng Việt (có dấu càng tốt), nêu rõ đối tượng và tình huống. "
        "Trong nhóm, hãy nhắc tên tôi, trả lời tin nhắn của tôi hoặc dùng /hoi.",
        "",
        "Ví dụ:",
        *[f"• {q}" for q in EXAMPLES],
        "",
        "Trắc nghiệm: /quiz [chủ đề] để tự luyện; sau một phiên kiểm tra trong nhóm, nhắn riêng /on_tap để "
        "đọc lại quy định của những câu mình trả lời sai.",
        "",
        "Văn bản chính đang có:",
        *[f"• {d.display_name} ({d.validity.status.label})" for d in main],
    ]
    if others:
        lines.append(f"• cùng {others} thông tư, văn bản hướng dẫn và tài liệu tham khảo khác (xem /docs).")
    return "\n".join(lines)


def document_list(docs: list[Document], register: Register | None = None) -> str:
    """Every document with its status, its basis and date, and how many of its units the validity
    register records as changed."""
    lines = [f"Cơ sở tri thức có {len(docs)} văn bản:"]
    for doc in sorted(docs, key=lambda d: (d.doc_type not in _MAIN_TYPES, d.doc_type, d.id)):
        line = f"• {doc.display_name} — {doc.validity.label}"
        if doc.validity.status is Status.SUPERSEDED and doc.validity.superseded_by:
            line += f", thay thế bởi {', '.join(doc.validity.superseded_by)}"
        changes = register.for_document(doc.id) if register else []
        if changes:
            line += f"; {len(changes)} quy định đã thay đổi: " + ", ".join(
                f"{c.unit.label() or 'toàn văn'} ({CHANGES[c.change]} từ {c.since:%d/%m/%Y})" for c in changes)
        lines.append(line)
    if register is not None and register.reviewed:
        lines.append(f"(Sổ theo dõi hiệu lực rà soát ngày {register.reviewed:%d/%m/%Y}.)")
    return "\n".join(lines)


def change_recorded(change: Change) -> str:
    return (f"Đã ghi nhận: {change.unit.label()} {change.unit.doc} {CHANGES[change.change]} theo {change.by} "
            f"từ {change.since:%d/%m/%Y}. Câu trả lời từ nay nêu rõ điều này; câu hỏi trắc nghiệm về quy định này "
            "không còn được dùng.")


def related(answer: Answer, limit: int = 4) -> str:
    others = answer.citations[1 : 1 + limit]
    if not others:
        return "Không có quy định liên quan nào khác cho câu hỏi này."
    lines = ["Quy định liên quan:"]
    for c in others:
        lines += ["", f"Nguồn: {c.label} ({c.validity or Status(c.status).label})", f"“{clip(c.text, 300)}”"]
        lines += [f"⚠️ {sentence}" for sentence in c.changes]
    return "\n".join(lines)


def stats_usage(default_days: int, max_days: int) -> str:
    return (f"Cách dùng: /stats [SỐ_NGÀY], số ngày từ 1 đến {max_days}, ví dụ: /stats 30 "
            f"(không ghi số ngày thì xem {default_days} ngày gần nhất)")


def stats_text(stats: Stats) -> str:
    lines = [f"Thống kê {len(stats.per_day)} ngày gần nhất:",
             f"• Số câu hỏi: {stats.total}; chưa trả lời được: {stats.refused} ({stats.refused_share:.0%})",
             f"• Đánh giá: 👍 {stats.feedback_up} · 👎 {stats.feedback_down}", "", "Câu hỏi theo ngày:"]
    lines += [f"• {day.strftime('%d/%m')}: {count}" for day, count in stats.per_day]
    if stats.top_citations:
        lines += ["", "Quy định được trích nhiều nhất:"]
        lines += [f"• {label}: {count} lần" for label, count in stats.top_citations]
    if stats.unanswered:
        lines += ["", "Câu hỏi chưa trả lời được gần đây (gợi ý văn bản cần bổ sung):"]
        lines += [f"• {at.strftime('%d/%m %H:%M')} — {text}" for at, text in stats.unanswered]
    return "\n".join(lines)


REINDEX_RUNNING = "Đang có một lần xây lại chỉ mục khác; hãy đợi lần đó xong."


def reindex_failed(exc: Exception) -> str:
    return f"Xây lại chỉ mục thất bại: {exc}. Chỉ mục cũ vẫn đang phục vụ."


def reindex_done(chunks: int) -> str:
    return f"Đã xây xong chỉ mục mới ({chunks} đoạn) và đưa vào phục vụ."


def superseded(doc: Document, by: str) -> str:
    return f"Đã ghi nhận {doc.display_name} hết hiệu lực" + (f", thay thế bởi {by}." if by else ".")


@dataclass(frozen=True)
class Hints:
    """How to go on, said the way each place takes commands: a chat command or a shell line."""

    restore: str = "/khoi_phuc {doc} {n}"
    restore_any: str = "/khoi_phuc SỐ_HIỆU SỐ_BẢN"
    remove: str = "/xoa SỐ_HIỆU"


IN_CHAT = Hints()
IN_SHELL = Hints("conduct-bot index restore {doc} --version {n}", "conduct-bot index restore SỐ_HIỆU --version SỐ_BẢN",
                 "conduct-bot index remove SỐ_HIỆU")


def _kept(version: Version | None, hints: Hints) -> str:
    if version is None:
        return ""
    how = hints.restore.format(doc=version.doc_id, n=version.number)
    return f" Bản cũ được lưu vào lịch sử (bản số {version.number}); khôi phục bằng: {how}"


def added(doc: Document, previous: Document | None, kept: Version | None, hints: Hints = IN_CHAT) -> str:
    if previous is None:
        return f"Đã thêm {doc.display_name} vào cơ sở tri thức; câu trả lời dùng văn bản này ngay."
    return f"Đã thay {previous.display_name} bằng văn bản mới ({doc.display_name})." + _kept(kept, hints)


def removed(doc_id: str, kept: Version | None = None, hints: Hints = IN_CHAT) -> str:
    return f"Đã gỡ {doc_id} khỏi cơ sở tri thức và chỉ mục." + _kept(kept, hints)


def restored(doc: Document, number: int | None) -> str:
    which = f"bản số {number}" if number else "bản mới nhất trong lịch sử"
    return f"Đã khôi phục {which} của {doc.display_name}; câu trả lời dùng bản này ngay."


def history_text(versions: list[Version], doc_id: str | None, hints: Hints = IN_CHAT) -> str:
    """The kept versions, newest first, with the number to type for a restore."""
    if not versions:
        return (f"Chưa có bản cũ nào của “{doc_id}” trong lịch sử." if doc_id
                else "Lịch sử trống: chưa văn bản nào bị thay thế hay gỡ.")
    head = f"Các bản cũ của {doc_id} (mới nhất trước):" if doc_id else "Lịch sử thay đổi (mới nhất trước):"
    lines = [head]
    for v in versions[:20]:
        reason = f"; lý do: {v.reason}" if v.reason else ""
        lines.append(f"• {v.doc_id} — bản số {v.number}, {v.when:%d/%m/%Y %H:%M} UTC: {v.action_label} "
                     f"({v.actor}{reason}); {v.title or 'tệp lỗi'}, {v.articles} điều")
    if len(versions) > 20:
        lines.append(f"… và {len(versions) - 20} bản cũ hơn.")
    lines.append(f"Khôi phục: {hints.restore_any}")
    return "\n".join(lines)


def skipped_files(skipped: list[Skipped], hints: Hints = IN_CHAT) -> str:
    """Files in the knowledge base that are not served: admins must know, or the law they hold is gone."""
    if not skipped:
        return ""
    lines = [f"⚠️ {len(skipped)} tệp trong cơ sở tri thức bị bỏ qua vì lỗi (sửa tệp, hoặc gỡ bằng {hints.remove}):"]
    lines += [f"• {s.path.name}: {s.reason}" for s in skipped[:10]]
    return "\n".join(lines)


def upload_too_big(size: int, limit: int) -> str:
    return f"Tệp quá lớn ({size / 1048576:.1f} MB); giới hạn là {limit / 1048576:.0f} MB. {NOTHING_CHANGED}"
