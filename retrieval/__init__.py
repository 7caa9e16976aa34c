"""From a question to ranked provisions and the decision to answer or refuse, as explicit stages.

    question ─ analysis ─┬─ lexical retriever ─┐
                         └─ dense retriever ───┴─ fusion ─ priors ─ refusal ─ hits

Each stage is a small module with one job and a narrow interface (`retrieval.pipeline` wires
them); every tunable value lives in `retrieval/data/settings.yaml` (`retrieval.settings`). The
index (`index/`) only holds what was built; the bot (`bot/answer.py`) only writes the answer.
"""
