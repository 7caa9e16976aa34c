"""Reranking: the leading candidates re-scored by reading the question and each unit together.

Fusion only knows how close a chunk is to the question in two ways; it does not know that the
question is about a viên chức and the chunk binds công chức, that it asks for a whole list and
the chunk is one item, that it names a time limit and the chunk has none, or that half of its
words appear nowhere in the chunk. `features` computes such question–unit evidence for the top
`rerank.top_n` candidates, and two logistic heads (`retrieval/data/reranker.json`, a few kilobytes,
trained by `benchmarks/tune.py` on data that is not evaluated on) read it:

- the **article** head: the probability that the candidate's article answers the question. An
  article scores its best candidate's probability;
- the **unit** head: within an article, which clause or point to quote (trained on our own
  questions' unit-level gold, which ALQAC does not have);
- the **domain** head: over the question's own embedding (the vector dense retrieval already
  computed), the probability that it asks about what this knowledge base covers at all — the
  conduct of cán bộ, công chức, viên chức — rather than pay scales, Party dues, land or the weather.
  Nothing about the candidates tells that as well: a question on "phụ cấp chức vụ" finds
  provisions with every one of its words;
- the **answerable** head: from the likeliest article's probability and the domain log-odds, the
  probability that anything found answers, which refusal reads (`refusal.min_confidence`).

Out of fold on the tune questions (benchmarks/tune.py, shipped model), refusal on the article
probability alone refuses 100 of 142 out-of-scope questions at 9 of 234 in-scope; with the domain
head, 127 at 7. (Before the domain head, the article probability with a separate cosine floor
refused 110 of 142 at 8 of 216.) On the dev set, never trained on, the product refuses 2 of 39
in-scope questions and 5 of 6 out of scope (RESULTS.md). The domain head learns from how our
out-of-scope questions are worded, so it is the one part of this stage most likely to overfit its
writers; RESULTS.md reports it on the frozen test half.
Candidate-level summaries tried as the answerable head's input instead (coverage, word pairs,
facet misses, question length) did no better out of fold, and the question's length and coverage
only looked useful because the out-of-scope training questions include short small talk.

A cross-encoder over the bundled e5 was the other candidate for this stage and was not built: run
through torch it needs more memory than the 800 MB budget and about a second per ten candidates (the
issue's measurement), where this stage adds ~3 ms to a warm `ask`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.searcher import HybridIndex
from index.text import expand_abbreviations, plain_words
from retrieval.analysis import Query, applicability, cues, without_chat_words

MODEL_FILE = Path(__file__).resolve().parent / "data" / "reranker.json"

FEATURES = (
    "bias",
    "dense",  # raw cosine question–chunk
    "dense_window",  # the cosine rescaled over the candidates (fusion's view)
    "lexical",  # BM25, scaled to the question's best
    "fused",  # fusion's score
    "log_prior",  # validity status and document type
    "peripheral",  # job grades, one ministry's procedures, public-unit finance
    "reference",  # a news article, not a norm
    "coverage",  # IDF share of the question's words found in the chunk and its headings
    "title_coverage",  # IDF share of the question's words found in the article's title
    "names_document",  # IDF share of the document's subject words found in the question
    "binds_asked",  # the provision binds the group the question names
    "binds_other",  # the provision binds only other groups
    "is_point",  # one điểm of a list
    "is_list",  # a clause or article that holds a list (its points, or a lead-in ending in ':')
    "list_asked_list",  # the question asks for a whole list and this unit is one
    "list_asked_point",  # … and this unit is a single item of it
    "facet_match",  # the question asks a facet (time limit, who decides, which form) the unit states
    "facet_miss",  # … and the unit states none of it
    "rank",  # 1 / (1 + rank after fusion)
    "article_support",  # other leading candidates from the same article
    "document_support",  # other leading candidates from the same document
    "log_length",  # characters of the unit's own text
    "unit_coverage",  # IDF share of the question's words in the unit's own words (not its headings)
    "pair_coverage",  # IDF share of the question's adjacent word pairs found in the chunk and its title
    "uncovered_unmentioned",  # it asks about a subject the knowledge base has no source for, which
    # this candidate does not mention either
    "best_in_article",  # the best-fused candidate of its article
    "dense_gap",  # cosine below the question's best cosine
    "coverage_gap",  # coverage below the best candidate's
    # Of the question, the same for every candidate: how well anything answers it at all.
    "question_dense_max",
    "question_dense_spread",  # best cosine minus the hundredth: does anything stand out
    "question_coverage_max",
    "question_terms",  # log of its distinct words
    "question_pair_coverage_max",  # phrases, not only words: "đảng phí" is neither "đảng" nor "phí"
)

# What the answerable head reads, per question.
ANSWERABLE_FEATURES = (
    "bias",
    "best_probability",  # the article head's probability of the likeliest candidate
    "domain",  # the domain head's log-odds that the question is about what the knowledge base covers
)


def answerable_row(article_p: np.ndarray, domain_logit: float) -> np.ndarray:
    """The answerable head's input: the likeliest candidate's article probability and the domain log-odds."""
    return np.asarray([1.0, float(article_p.max()) if article_p.size else 0.0, domain_logit])


@dataclass(frozen=True)
class Head:
    """Logistic regression on standardised features."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        return {"mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "weights": self.weights.round(6).tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Head:
        return cls(*(np.asarray(data[k], np.float64) for k in ("mean", "scale", "weights")))


@dataclass(frozen=True)
class Model:
    article: Head
    unit: Head
    # Refusal's heads; None only while benchmarks/tune.py fits the other two.
    domain: Head | None = None  # over the question's embedding by `domain_model`
    answerable: Head | None = None
    domain_model: str = ""
    documents: frozenset[str] = frozenset()  # the knowledge base the domain head learnt the edges of
    about: dict = field(default_factory=dict)

    def order(self, x: np.ndarray, articles: list[tuple], reorder: str = "unit",
              floor: float = 0.0) -> tuple[list[int], np.ndarray]:
        """Candidate positions best first, and each candidate's article probability.

        `reorder` says how far the heads may move candidates (`rerank.reorder` in the settings):
        - "all": articles by their best article probability, units by the unit head;
        - "answer": the article head picks the answer's article, the others keep fusion's order;
        - "unit": fusion's order of articles stays; the unit head picks the clause or point the answer
          quotes from the first article.
        Measured on the staff tune questions (5-fold, out of sample) the article head moved hit@1 by
        +.015 (two questions) while reordering every article cost hit@3 (.883 → .854); on ALQAC 2025
        "answer" cost hit@1 .872 → .866. A stage that moves the ranking must show more than that, so
        the shipped setting is "unit". One exception: when fusion's first article is below `floor`
        (`refusal.min_article`) and another candidate's is not, that one leads — fusion ranking a
        peripheral text first must not put it before a likely answer (the badge question once Luật
        Tiếp công dân was removed).
        """
        article_p = self.article.probability(x)
        unit_p = self.unit.probability(x)
        best: dict[tuple, float] = {}
        for key, p in zip(articles, article_p, strict=True):
            best[key] = max(best.get(key, 0.0), float(p))
        scores = np.asarray([best[key] for key in articles])
        if reorder == "all":
            return sorted(range(len(articles)), key=lambda r: (-scores[r], -unit_p[r])), scores
        likeliest = max(range(len(articles)), key=lambda r: scores[r])
        top = articles[0] if reorder == "unit" and scores[0] >= floor else articles[likeliest]
        first = sorted((r for r in range(len(articles)) if articles[r] == top), key=lambda r: -unit_p[r])
        return first + [r for r in range(len(articles)) if articles[r] != top], scores

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES or tuple(data.get("answerable_features", ())) != ANSWERABLE_FEATURES:
            raise ValueError(f"{path} was trained on other features; run benchmarks/tune.py")
        return cls(Head.from_dict(data["article"]), Head.from_dict(data["unit"]), Head.from_dict(data["domain"]),
                   Head.from_dict(data["answerable"]), data["domain_model"], frozenset(data["documents"]),
                   data.get("about", {}))

    def answerable_probability(self, x: np.ndarray, vector: np.ndarray | None, model_id: str,
                               likeliest_doc: str) -> float | None:
        """How likely it is that anything found answers the question, which refusal reads. None —
        refusal then reads the article head alone — when the domain head cannot judge: the question
        was embedded by another model than it was trained on (an index built with a configured
        sentence-transformers model), or the likeliest answer comes from a document it never saw
        (one an admin added since, on a subject it learnt to call out of scope; or another corpus)."""
        if (self.domain is None or self.answerable is None or vector is None or model_id != self.domain_model
                or likeliest_doc not in self.documents):
            return None
        domain = float(self.domain.probability(domain_row(vector))[0])
        row = answerable_row(self.article.probability(x), math.log(max(domain, 1e-9) / max(1 - domain, 1e-9)))
        return float(self.answerable.probability(row[None, :])[0])

    def save(self, path: Path = MODEL_FILE) -> None:
        data = {"features": list(FEATURES), "answerable_features": list(ANSWERABLE_FEATURES),
                "article": self.article.to_dict(), "unit": self.unit.to_dict(),
                "domain_model": self.domain_model, "documents": sorted(self.documents),
                "domain": self.domain.to_dict() if self.domain else None,
                "answerable": self.answerable.to_dict() if self.answerable else None, "about": self.about}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def domain_row(vector: np.ndarray) -> np.ndarray:
    """The domain head's input: a bias column and the question's embedding."""
    v = np.asarray(vector, dtype=np.float64).reshape(1, -1)
    return np.hstack([np.ones((1, 1)), v])


@lru_cache(maxsize=1)
def default_model() -> Model:
    return Model.load()


def features(index: HybridIndex, query: Query, order: np.ndarray, fused: np.ndarray, dense_window: np.ndarray,
             dense: np.ndarray, lexical: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """One row of FEATURES per candidate position in `order` (best fused first)."""
    chunks = [index.chunks[i] for i in order]
    terms = plain_words(without_chat_words(expand_abbreviations(query.typed)))
    bm25 = index.bm25_plain
    matched, total = bm25.matched_idf(terms)
    total = max(total, 1e-9)
    term_set = set(terms)
    cosines = np.sort(dense[dense > 0])[::-1]
    dense_max = float(cosines[0]) if cosines.size else 0.0
    dense_floor = float(cosines[min(99, cosines.size - 1)]) if cosines.size else 0.0
    coverage = matched[order] / total
    coverage_max = float(coverage.max()) if coverage.size else 0.0
    first_of_article: set[int] = set()
    seen_articles: set[tuple] = set()
    for r, c in enumerate(chunks):
        if (c.doc, c.article, c.attachment) not in seen_articles:
            seen_articles.add((c.doc, c.article, c.attachment))
            first_of_article.add(r)
    idf = {t: bm25.idf_of(t) for t in term_set}
    facets = cues().facets
    articles = [(c.doc, c.article, c.attachment) for c in chunks]
    docs = [c.doc for c in chunks]
    subjects = {doc_id: meta.get("subject", "") for doc_id, meta in index.manifest.documents.items()}
    pairs = {(a, b): idf[a] + idf[b] for a, b in zip(terms, terms[1:], strict=False)}
    pairs_total = max(sum(pairs.values()), 1e-9)
    pair_coverage = np.zeros(len(order))
    plain_texts = []
    for r, chunk in enumerate(chunks):
        words = plain_words(chunk.text)
        plain_texts.append(" ".join(words))
        title_words = plain_words(chunk.article_title)
        present = set(zip(words, words[1:], strict=False)) | set(zip(title_words, title_words[1:], strict=False))
        pair_coverage[r] = sum(w for pair, w in pairs.items() if pair in present) / pairs_total
    pair_coverage_max = float(pair_coverage.max()) if pair_coverage.size else 0.0
    rows = np.zeros((len(order), len(FEATURES)), dtype=np.float64)
    for r, (i, chunk) in enumerate(zip(order, chunks, strict=True)):
        title = set(plain_words(chunk.article_title))
        subject_words = set(plain_words(subjects.get(chunk.doc, "")))
        plain_text = plain_texts[r]
        padded = f" {plain_text} "
        binds = applicability(query, chunk.applies_to)
        is_point = chunk.point is not None
        lead_in = chunk.text.rstrip().endswith(":")
        is_list = lead_in or (not is_point and chunk.clause is not None and "\n" in chunk.text)
        stated = [f for f in query.facets if facets[f][1].search(plain_text)]
        rows[r] = (
            1.0,
            dense[i],
            dense_window[i],
            lexical[i],
            fused[i],
            math.log(max(float(priors[i]), 1e-6)),
            float(chunk.scope == "peripheral"),
            float(not chunk.is_norm),
            coverage[r],
            sum(idf[t] for t in term_set & title) / total,
            _share(bm25, subject_words, term_set),
            float(binds > 0),
            float(binds < 0),
            float(is_point),
            float(is_list),
            float(query.asks_list and is_list),
            float(query.asks_list and is_point),
            float(bool(stated)),
            float(bool(query.facets) and not stated),
            1.0 / (1.0 + r),
            (articles.count(articles[r]) - 1) / len(order),
            (docs.count(docs[r]) - 1) / len(order),
            math.log1p(len(chunk.text)),
            sum(idf[t] for t in term_set & set(plain_text.split())) / total,
            pair_coverage[r],
            float(bool(query.uncovered_cues) and not any(f" {c} " in padded for c in query.uncovered_cues)),
            float(r in first_of_article),
            dense[i] - dense_max,
            coverage[r] - coverage_max,
            dense_max,
            dense_max - dense_floor,
            coverage_max,
            math.log1p(len(term_set)),
            pair_coverage_max,
        )
    return rows


def _share(bm25, words: set[str], question: set[str]) -> float:  # noqa: ANN001 - index.lexical.BM25
    """IDF share of a document's subject words that the question uses: "Ủy ban Dân tộc" names 01/2015/TT-UBDT."""
    if not words:
        return 0.0
    weights = {w: bm25.idf_of(w) for w in words}
    total = sum(weights.values())
    return sum(weights[w] for w in words & question) / total if total else 0.0
