"""Where the answers go wrong, question by question, on a set we may look at.

    python benchmarks/diagnose.py [--set staff-tune|dev|oos-tune] [--only-wrong] [--data-dir DIR]

Prints each question with its subject and what it asks, the rank of the first gold article, whether
the quoted unit is strictly right, and the top three provisions. It refuses the frozen test halves:
a failure read there would be tuned on, and the test would stop measuring anything.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import common

from bot.answer import Answerer
from bot.config import Settings
from bot.evaluation import EvalItem, evaluate, quoted_unit
from bot.library import Library

SETS = {
    "staff-tune": lambda: common.staff_items("tune"),
    "dev": common.dev_items,
    "oos-tune": lambda: common.out_of_scope_items("tune"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="staff-tune", help=f"one of {sorted(SETS)} (test halves are refused)")
    parser.add_argument("--only-wrong", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="a data directory with a built index (default: CONDUCT_DATA_DIR)")
    args = parser.parse_args()
    if args.set not in SETS:
        raise SystemExit(f"{args.set!r} is not a set this tool shows (the test halves are frozen)")
    if args.data_dir:
        os.environ["CONDUCT_DATA_DIR"] = str(args.data_dir)
    library = Library(Settings.from_env())
    library.ensure_index(progress=True)
    answerer = Answerer(library.index)
    items: list[EvalItem] = SETS[args.set]()
    answers = {item.question: answerer.ask(item.question) for item in items}
    result = evaluate(items, lambda q: answers[q])
    for item, row in zip(items, result.per_question, strict=True):
        answer = answers[item.question]
        wrong = (row["first_gold_rank"] != 1 or row["strict"] is False) if item.gold else not row["refused"]
        if args.only_wrong and not wrong:
            continue
        quoted = quoted_unit(answer)
        print(f"{'✗' if wrong else '✓'} {item.id} [{item.kind}/{item.subject}/{item.asks}] "
              f"rank={row['first_gold_rank']} strict={row['strict']} refused={row['refused']}")
        print(f"   Q: {item.question}")
        print(f"   gold: {[(g['doc'], g.get('article')) for g in item.gold]} units: "
              f"{[(u['article'], u.get('clause'), u.get('point')) for u in item.units]}")
        print(f"   quoted: {quoted}  top: {row['top']}")
    in_scope_refused = sum(r["refused"] for item, r in zip(items, result.per_question, strict=True) if item.gold)
    print(f"\nhit@1 {result.hit_at[1]:.3f}  hit@3 {result.hit_at[3]:.3f}  MRR@10 {result.mrr_at_10:.3f}  "
          f"strict {result.strict}  refusal recall {result.refusal_recall:.3f}  in-scope refused {in_scope_refused}")


if __name__ == "__main__":
    main()
