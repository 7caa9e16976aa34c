"""Every sentence quiz mode says, in one place, so the Telegram and Zalo wordings never drift apart."""

from __future__ import annotations

from bot.quiz.bank import Bank, QuizQuestion
from bot.quiz.review import Missed, Review
from bot.storage.quiz import Participant

LETTERS = "ABCD"
MEDALS = ("🥇", "🥈", "🥉")

SESSION_USAGE = (
    "Cách bắt đầu phiên kiểm tra: /quiz_start [số câu] [chủ đề] [giây mỗi câu]\n"
    "Ví dụ: /quiz_start 10 kỷ luật 30 — 10 câu về kỷ luật, mỗi câu 30 giây.\n"
    "Số câu từ 1 đến 50, thời gian từ 5 đến 600 giây. Kết thúc sớm: /quiz_stop"
)
BUSY = "Nhóm đang có một phiên kiểm tra. Gõ /quiz_stop để kết thúc phiên đó trước khi bắt đầu phiên mới."
NOT_TRAINER = "Chỉ quản trị viên của bot hoặc quản trị viên nhóm mới bắt đầu hay kết thúc được phiên kiểm tra."
PRIVATE_ONLY = "Luyện tập cá nhân diễn ra trong trò chuyện riêng với bot. Trong nhóm, người hướng dẫn dùng /quiz_start."
GROUP_ONLY = "Phiên kiểm tra dành cho nhóm. Trong trò chuyện riêng, gõ /quiz để tự luyện."
NO_SESSION = "Nhóm này không có phiên kiểm tra nào đang diễn ra."
NO_RESULTS = "Nhóm này chưa có phiên kiểm tra nào đã kết thúc."
STOPPING = "Đang kết thúc phiên kiểm tra…"
NO_PRACTICE = "Bạn chưa bắt đầu lượt luyện tập nào. Gõ /quiz để bắt đầu."
EMPTY_BANK = "Ngân hàng câu hỏi đang trống hoặc có lỗi; vui lòng báo quản trị viên."
SESSION_FAILED = (
    "⚠️ Phiên kiểm tra đã dừng vì bot nhiều lần không gửi được câu hỏi vào nhóm này. "
    "Các câu trả lời đến lúc dừng vẫn được lưu; người hướng dẫn có thể bắt đầu phiên mới bằng /quiz_start."
)


def topics(bank: Bank) -> str:
    lines = [f"• {topic} ({count} câu)" for topic, count in bank.topics()]
    return "Các chủ đề:\n" + "\n".join(lines)


def unknown_topic(text: str, bank: Bank) -> str:
    return f"Không tìm thấy chủ đề “{text}”.\n{topics(bank)}"


def practice_intro(n: int, topic: str | None) -> str:
    about = f" về chủ đề “{topic}”" if topic else ""
    return f"Bắt đầu luyện tập: {n} câu{about}. Câu bạn trả lời sai sẽ được hỏi lại ở các lượt sau."


def session_intro(n: int, topic: str | None, seconds: int) -> str:
    about = f" — chủ đề “{topic}”" if topic else ""
    return (f"📝 Bắt đầu phiên kiểm tra: {n} câu{about}, mỗi câu {seconds} giây.\n"
            "Mọi người chọn đáp án trên từng câu; chỉ lần chọn đầu tiên được tính.")


def header(position: int, total: int) -> str:
    return f"Câu {position + 1}/{total}"


def text_question(q: QuizQuestion, options: list[str], position: int, total: int, seconds: int | None) -> str:
    """The question as plain text, for channels without native quiz polls (Zalo, the terminal)."""
    lines = [f"{header(position, total)}: {q.question}", ""]
    lines += [f"{LETTERS[i]}. {option}" for i, option in enumerate(options)]
    letters = ", ".join(LETTERS[: len(options)])
    timing = f" trong {seconds} giây" if seconds else ""
    lines += ["", f"Trả lời bằng một chữ cái ({letters}){timing}."]
    return "\n".join(lines)


def feedback(q: QuizQuestion, options: list[str], chosen: int, correct: int) -> str:
    right = f"{LETTERS[correct]}. {options[correct]}"
    verdict = "✅ Chính xác!" if chosen == correct else f"❌ Chưa đúng. Đáp án đúng: {right}"
    return f"{verdict}\n{q.explanation}"


AGAIN_IN_CHAT = "Gõ /quiz để luyện tiếp."


def practice_done(correct: int, total: int, retry: int, again: str) -> str:
    tail = f" Có {retry} câu bạn từng trả lời sai sẽ được hỏi lại ở lượt sau." if retry else ""
    return f"Kết thúc lượt luyện tập: đúng {correct}/{total} câu.{tail} {again}"


def leaderboard(people: list[Participant], asked: int, total: int, final: bool, stopped: bool = False) -> str:
    if final:
        title = "🏁 Phiên kiểm tra đã kết thúc sớm." if stopped else "🏁 Phiên kiểm tra đã kết thúc."
        title += f" Bảng xếp hạng ({asked}/{total} câu):"
    else:
        title = f"🏆 Bảng xếp hạng sau {asked}/{total} câu:"
    if not people:
        return f"{title}\nChưa có ai trả lời."
    lines = [title]
    for rank, p in enumerate(people[:10], 1):
        mark = MEDALS[rank - 1] if rank <= 3 else f"{rank}."
        lines.append(f"{mark} {p.name}: {p.correct} câu đúng")
    if len(people) > 10:
        lines.append(f"… và {len(people) - 10} người khác")
    return "\n".join(lines)


def question_rates(rates: list[tuple[int, int, int]]) -> str:
    """Per-question correct rates as lines of text, for channels that cannot send the CSV and chart."""
    lines = []
    for pos, answered, correct in rates:
        share = round(100 * correct / answered) if answered else 0
        lines.append(f"Câu {pos + 1}: {correct}/{answered} người trả lời đúng ({share}%)")
    return "\n".join(lines)


def results_caption(round_id: int) -> str:
    return f"Kết quả phiên kiểm tra #{round_id}: bảng điểm (CSV) và biểu đồ."


# ---------------------------------------------------------------- reviewing a session in private (/on_tap)

REVIEW_COMMAND = "/on_tap"
REVIEW_USAGE = (
    "Cách dùng: /on_tap [số phiên], ví dụ /on_tap 12. Không ghi số phiên thì bot gửi phần ôn tập của phiên "
    "kiểm tra gần nhất bạn đã tham gia."
)
REVIEW_NONE = (
    "Bạn chưa tham gia phiên kiểm tra nào nên chưa có gì để ôn lại. Khi người hướng dẫn mở phiên kiểm tra "
    "trong nhóm (/quiz_start), hãy chọn đáp án cho từng câu; sau phiên, nhắn /on_tap cho bot trong trò chuyện "
    "riêng để đọc lại các quy định ứng với những câu bạn trả lời sai. Muốn tự luyện ngay: gõ /quiz."
)
REVIEW_PRIVATE_ONLY = (
    "Lệnh /on_tap chỉ dùng trong trò chuyện riêng với bot, để đồng nghiệp không thấy câu trả lời sai của nhau. "
    "Hãy nhắn /on_tap cho bot trong tin nhắn riêng."
)


def review_private_only(link: str | None = None) -> str:
    return f"{REVIEW_PRIVATE_ONLY}\nMở trò chuyện riêng với bot: {link}" if link else REVIEW_PRIVATE_ONLY


def review_not_found(round_id: int) -> str:
    return (f"Không tìm thấy phiên kiểm tra #{round_id} có bạn tham gia. "
            "Gõ /on_tap để ôn lại phiên gần nhất bạn đã tham gia.")


def review_not_over(round_id: int) -> str:
    return f"Phiên kiểm tra #{round_id} chưa kết thúc. Khi phiên kết thúc, hãy nhắn lại /on_tap {round_id}."


def review_link(username: str, round_id: int | None = None) -> str:
    """The deep link that opens a private chat with the bot and sends it `/start on_tap_<round id>`."""
    payload = "on_tap" if round_id is None else f"on_tap_{round_id}"
    return f"https://t.me/{username}?start={payload}"


def review_hint_telegram(username: str | None, round_id: int) -> str:
    """The line under a session's final leaderboard on Telegram."""
    if not username:
        return review_hint_zalo(round_id)
    return (f"📚 Xem lại các quy định ứng với câu mình trả lời sai (chỉ riêng bạn thấy): "
            f"{review_link(username, round_id)} — hoặc nhắn /on_tap cho bot trong trò chuyện riêng.")


def review_hint_zalo(round_id: int) -> str:
    return (f"📚 Để xem lại các quy định ứng với câu mình trả lời sai (chỉ riêng bạn thấy), "
            f"nhắn /on_tap cho bot trong tin nhắn riêng (phiên này: /on_tap {round_id}).")


def review_blocks(review: Review) -> list[str]:
    """The review as blocks of text, one per missed question after an opening line; a channel packs them
    into messages of its size."""
    rnd = review.round
    about = f" (chủ đề “{rnd.topic}”)" if rnd.topic else ""
    if not review.missed:
        return [f"🎉 Chúc mừng! Bạn trả lời đúng cả {review.correct}/{review.asked} câu của phiên kiểm tra "
                f"#{rnd.id}{about}, không có câu nào cần ôn lại."]
    intro = (f"📚 Ôn tập phiên kiểm tra #{rnd.id}{about}: bạn trả lời đúng {review.correct}/{review.asked} câu. "
             f"Dưới đây là quy định ứng với {len(review.missed)} câu bạn trả lời sai hoặc chưa trả lời, "
             "để bạn đọc lại.")
    return [intro, *(review_item(m) for m in review.missed)]


def review_item(m: Missed) -> str:
    if m.question is None:
        return (f"❓ Câu {m.position + 1}: câu hỏi này đã được gỡ khỏi ngân hàng câu hỏi.\n"
                f"✅ Đáp án đúng: {m.answer}")
    lines = [f"❓ Câu {m.position + 1}: {m.question}"]
    if m.given is None:
        lines.append("⏱ Bạn chưa trả lời câu này.")
    elif m.late:
        lines.append(f"⏱ Bạn chọn “{m.given}” sau khi câu hỏi đã hết giờ, nên không được tính.")
    else:
        lines.append(f"❌ Bạn chọn: {m.given}")
    lines.append(f"✅ Đáp án đúng: {m.answer}")
    if m.label:
        lines.append(f"📖 Quy định: {m.label}")
    if m.text:
        lines.append(f"“{m.text}”")
    if m.changed:
        lines.append("⚠️ Quy định này đã được sửa đổi, thay thế hoặc hết hiệu lực sau khi câu hỏi được soạn; "
                     "gõ /docs để xem văn bản đang có hiệu lực.")
    if m.explanation:
        lines.append(f"💡 {m.explanation}")
    return "\n".join(lines)
