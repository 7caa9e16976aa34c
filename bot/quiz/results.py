"""A finished session as the organiser wants it: a CSV for the spreadsheet and a chart for the slides."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.quiz.bank import Bank
from bot.storage.quiz import Ask, Participant, Round


def question_rates(asks: list[Ask], people: list[Participant]) -> list[tuple[int, int, int]]:
    """(position, answered, correct) for each question that was posted."""
    out = []
    for ask in asks:
        answers = [p.by_position[ask.position] for p in people if ask.position in p.by_position]
        out.append((ask.position, len(answers), sum(answers)))
    return out


def to_csv(rnd: Round, asks: list[Ask], people: list[Participant], bank: Bank) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Vietnamese names correctly; one row per participant,
    then one row per question with its correct rate."""
    out = io.StringIO()
    w = csv.writer(out)
    positions = [a.position for a in asks]
    w.writerow(["Người tham gia", "Mã người dùng", "Số câu đúng", "Số câu đã trả lời", "Tổng số câu",
                "Tỉ lệ đúng (%)", *[f"Câu {p + 1}" for p in positions]])
    for p in people:
        share = round(100 * p.correct / len(asks)) if asks else 0
        marks = ["" if pos not in p.by_position else int(p.by_position[pos]) for pos in positions]
        w.writerow([p.name, p.user_id, p.correct, p.answered, len(asks), share, *marks])
    w.writerow([])
    w.writerow(["Câu", "Mã câu hỏi", "Số người trả lời", "Số người đúng", "Tỉ lệ đúng (%)", "Trích dẫn", "Câu hỏi"])
    for ask, (pos, answered, correct) in zip(asks, question_rates(asks, people), strict=True):
        q = bank.get(ask.question_id)
        rate = round(100 * correct / answered) if answered else 0
        citation = "" if q is None else " ".join(filter(None, [q.citation.doc, q.citation.article and
                                                               f"Điều {q.citation.article}"]))
        w.writerow([pos + 1, ask.question_id, answered, correct, rate, citation, q.question if q else ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_chart(rnd: Round, asks: list[Ask], people: list[Participant]) -> bytes:
    """Two bar charts in one PNG: scores per participant, correct rate per question."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib import pyplot as plt

    rates = question_rates(asks, people)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
    shown = people[:20]
    left.barh([p.name[:24] for p in shown][::-1], [p.correct for p in shown][::-1], color="#2e7d32")
    left.set_title("Số câu đúng của từng người")
    left.set_xlim(0, max(1, len(asks)))
    left.set_xlabel(f"trên {len(asks)} câu")
    right.bar([str(pos + 1) for pos, _, _ in rates],
              [100 * c / a if a else 0 for _, a, c in rates], color="#1565c0")
    right.set_ylim(0, 100)
    right.set_title("Tỉ lệ trả lời đúng từng câu (%)")
    right.set_xlabel("câu")
    fig.suptitle(f"Kết quả phiên kiểm tra #{rnd.id}" + (f" — chủ đề: {rnd.topic}" if rnd.topic else ""))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


RATES_FILE = Path(__file__).resolve().parents[2] / "knowledge_base" / "data" / "quiz_rates.yaml"


@dataclass(frozen=True)
class RateRules:
    """How a question's correct rate is read (`knowledge_base/data/quiz_rates.yaml`)."""

    flag_after: int
    too_easy: float
    too_hard: float
    easy_from: float
    hard_below: float


@lru_cache(maxsize=1)
def rate_rules(path: Path = RATES_FILE) -> RateRules:
    return RateRules(**yaml.safe_load(path.read_text(encoding="utf-8")))


def rate_flag(answered: int, correct: int) -> str:
    """"quá dễ", "quá khó" or "" for a question's answers from sessions and practice."""
    rules = rate_rules()
    if answered < rules.flag_after:
        return ""
    share = correct / answered
    return "quá dễ" if share >= rules.too_easy else "quá khó" if share <= rules.too_hard else ""


def observed_difficulty(answered: int, correct: int) -> str:
    """"dễ", "vừa" or "khó" as the answers say, or "" while there are too few of them."""
    rules = rate_rules()
    if answered < rules.flag_after:
        return ""
    share = correct / answered
    return "dễ" if share >= rules.easy_from else "khó" if share < rules.hard_below else "vừa"
