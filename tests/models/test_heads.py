"""The committed heads: they match the corpus in data/ (a changed corpus fails here until
`softstart train` is run again), they are small, and they load without pickle."""

from __future__ import annotations

import numpy as np
import pytest

from app.models.corpus import CorpusLine, corpus_sha256, load_corpus
from app.models.heads import HEADS_FILE, HeadsUnavailable, LinearHead, load_heads, save_heads
from app.models.train import TrainConfig, train_heads
from app.settings import Settings


@pytest.fixture(scope="module")
def settings():
    return Settings()


def test_manifest_matches_the_corpus(settings):
    heads = load_heads(settings.models.heads_dir)
    assert heads.manifest["corpus"]["sha256"] == corpus_sha256(settings.models.corpus_dir), (
        "data/corpus changed since the heads were trained: run `softstart train`"
    )
    assert heads.manifest["corpus"]["lines"] == len(load_corpus(settings.models.corpus_dir))


def test_manifest_records_what_rebuilds_the_heads(settings):
    manifest = load_heads(settings.models.heads_dir).manifest
    for key in ("command", "seed", "thresholds", "cv", "embedder", "label_counts"):
        assert key in manifest, key
    assert len(manifest["embedder"]["model_sha256"]) == 64
    assert {"harsh", "gentle_below", "danger", "crisis"} <= set(manifest["thresholds"])
    assert (settings.models.heads_dir / HEADS_FILE).stat().st_size < 8_000_000  # n-gram columns stored as float16


def test_heads_cover_every_label(settings):
    heads = load_heads(settings.models.heads_dir)
    assert {"harsh", "kinds", "move", "safety", "direction", "level", "intent", "speaker"} <= set(heads.heads)
    assert set(heads["move"].classes) == {"pursue", "withdraw", "defend", "neutral"}


def test_a_tampered_heads_file_is_refused(tmp_path, settings):
    heads = load_heads(settings.models.heads_dir)
    save_heads(tmp_path, heads.heads, heads.manifest)
    (tmp_path / HEADS_FILE).write_bytes((tmp_path / HEADS_FILE).read_bytes()[:-10] + b"0123456789")
    with pytest.raises(HeadsUnavailable, match="does not match"):
        load_heads(tmp_path)


def test_missing_heads_are_reported(tmp_path):
    with pytest.raises(HeadsUnavailable, match="softstart train"):
        load_heads(tmp_path)


def _tiny_corpus() -> tuple[list[CorpusLine], np.ndarray]:
    rng = np.random.default_rng(0)
    lines, rows = [], []
    labels = [("pursue", True, "none"), ("withdraw", True, "none"), ("neutral", False, "none"), ("pursue", False, "self_harm")]
    for i in range(80):
        move, harsh, safety = labels[i % 4]
        direction = {"none": "none", "self_harm": "self"}[safety]
        lines.append(CorpusLine(
            id=f"x-{i:04d}", text=f"line {i}", context="to_partner" if i % 5 else "to_coach", harsh=harsh,
            kinds=("criticism",) if harsh else (), move=move, safety=safety, direction=direction,
            level="crisis" if safety != "none" and i % 8 == 3 else ("concern" if safety != "none" else "none"),
            intent=None if i % 5 else ("share" if i % 2 else "q_how"), speaker="none", writer="w", batch="x",
        ))
        centre = np.zeros(16)
        centre[i % 4] = 3.0
        rows.append(centre + rng.normal(size=16))
    return lines, np.asarray(rows, dtype=np.float32)


def test_training_on_a_tiny_corpus_gives_usable_heads(tmp_path):
    lines, x = _tiny_corpus()
    trained = train_heads(lines, x, TrainConfig(folds=3, min_kind_examples=2), log=lambda *_: None)
    assert trained.cv["move"]["accuracy"] > 0.9
    assert 0 < trained.thresholds["danger"] < 1
    save_heads(tmp_path, trained.heads, {"thresholds": trained.thresholds})
    loaded = load_heads(tmp_path)
    move = loaded["move"]
    predicted = np.asarray(move.classes)[move.proba(x).argmax(axis=1)]
    assert (predicted == np.asarray([l.move for l in lines])).mean() > 0.9
    harsh = loaded["harsh"].proba(x)[:, 0]
    assert harsh.shape == (80,) and ((harsh >= 0.5) == np.asarray([l.harsh for l in lines])).mean() > 0.9


def test_a_linear_head_is_softmax_or_sigmoid():
    head = LinearHead("h", ("a", "b"), np.asarray([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))
    p = head.proba(np.asarray([2.0, 0.0]))
    assert p.shape == (1, 2) and abs(p.sum() - 1) < 1e-6 and p[0, 0] > p[0, 1]
    multi = LinearHead("m", ("a", "b"), np.asarray([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), multilabel=True)
    assert np.allclose(multi.proba(np.asarray([0.0, 0.0])), 0.5)


def test_ngram_features_are_sparse_and_heads_read_them():
    from app.models.features import features

    texts = ["Oh good, you finally noticed.", "can we talk tonight?"]
    x = features(np.zeros((2, 4), dtype=np.float32), texts, ngram_bits=8)
    assert x.shape == (2, 4 + 6 + 2 * 256)
    head = LinearHead("h", ("a", "b"), np.ones((2, x.shape[1]), dtype=np.float32), np.zeros(2, dtype=np.float32))
    p = head.proba(x)
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(head.proba(x[0]), p[0])
