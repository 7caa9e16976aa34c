"""Everything the chat channels say besides the answers, in one place: one wording per situation.

Plain text; each channel escapes or formats it (`bot.render`).
"""

from __future__ import annotations

from bot.answer import Answer, clip
from bot.storage import Stats
from knowledge_base.model import Document, Status

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
REMOVE_USAGE = "Cách dùng: /xoa SỐ_HIỆU, ví dụ: /xoa 17-CT/TU"

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
        "Văn bản chính đang có:",
        *[f"• {d.display_name} ({d.validity.status.label})" for d in main],
    ]
    if others:
        lines.append(f"• cùng {others} thông tư, văn bản hướng dẫn và tài liệu tham khảo khác (xem /docs).")
    return "\n".join(lines)


def document_list(docs: list[Document]) -> str:
    lines = [f"Cơ sở tri thức có {len(docs)} văn bản:"]
    for doc in sorted(docs, key=lambda d: (d.doc_type not in _MAIN_TYPES, d.doc_type, d.id)):
        line = f"• {doc.display_name} — {doc.validity.status.label}"
        if doc.validity.status is Status.SUPERSEDED and doc.validity.superseded_by:
            line += f", thay thế bởi {', '.join(doc.validity.superseded_by)}"
        lines.append(line)
    return "\n".join(lines)


def related(answer: Answer, limit: int = 4) -> str:
    others = answer.citations[1 : 1 + limit]
    if not others:
        return "Không có quy định liên quan nào khác cho câu hỏi này."
    lines = ["Quy định liên quan:"]
    for c in others:
        lines += ["", f"Nguồn: {c.label} ({Status(c.status).label})", f"“{clip(c.text, 300)}”"]
    return "\n".join(lines)


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


def removed(doc_id: str) -> str:
    return f"Đã xóa {doc_id} khỏi cơ sở tri thức và chỉ mục."


def upload_too_big(size: int, limit: int) -> str:
    return f"Tệp quá lớn ({size / 1048576:.1f} MB); giới hạn là {limit / 1048576:.0f} MB. {NOTHING_CHANGED}"


def unknown_document(doc_id: str) -> str:
    return f"Không có văn bản số hiệu “{doc_id}” trong cơ sở tri thức. Xem danh sách bằng /docs."
