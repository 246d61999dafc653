"""The committed adapter matches the committed pairs, and its manifest says how it was made."""

import json
from pathlib import Path

import pytest

from app.settings import Settings
from app.writer.dataset import import_pairs, load_pairs, pairs_sha256, split, validate_line
from app.writer.manifest import MANIFEST_NAME, read_manifest, stale_reasons

WRITER = Settings(_env_file=None).writer
PAIRS_DIR, ADAPTER_DIR = WRITER.pairs_dir, WRITER.adapter_dir
MANIFEST = ADAPTER_DIR / MANIFEST_NAME
from app.writer.train import sha256_file


needs_manifest = pytest.mark.skipif(not MANIFEST.is_file(), reason="no trained adapter committed yet (softstart train-writer)")


@needs_manifest
def test_manifest_matches_the_pairs():
    """Fails when data/pairs changes and the manifest does not: retrain with `softstart train-writer`."""
    assert stale_reasons(MANIFEST, PAIRS_DIR) == []


@needs_manifest
def test_manifest_records_how_the_adapter_was_made():
    manifest = read_manifest(MANIFEST)
    assert manifest is not None
    for key in ("pairs_sha256", "base_model_sha256", "command", "seed", "hyper_parameters", "train_seconds", "best_held_out_loss", "pairs"):
        assert key in manifest, key
    adapter = ADAPTER_DIR / manifest["adapter"]
    assert adapter.is_file() and adapter.stat().st_size < 10_000_000
    assert sha256_file(adapter) == manifest["adapter_sha256"]


@needs_manifest
def test_a_changed_pair_file_changes_the_hash(tmp_path):
    for path in PAIRS_DIR.glob("*.jsonl"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = pairs_sha256(tmp_path)
    first = sorted(tmp_path.glob("*.jsonl"))[0]
    first.write_text(first.read_text() + json.dumps({"id": "x-0001", "kind": "softstart", "message": "m", "rewrite": "r"}) + "\n")
    assert pairs_sha256(tmp_path) != before
    assert stale_reasons(MANIFEST, tmp_path)


def test_pairs_are_valid_with_provenance_and_split_is_stable():
    pairs = load_pairs(PAIRS_DIR)
    assert len(pairs) >= 1000
    assert {p.kind for p in pairs} == {"softstart", "break", "defensive", "mixed", "reply"}
    assert all(p.source.startswith("corpus/") for p in pairs)
    assert len({p.id for p in pairs}) == len(pairs)
    train, held = split(pairs)
    assert 0.04 < len(held) / len(pairs) < 0.06 and not {p.id for p in train} & {p.id for p in held}
    assert split(pairs)[1] == held


def test_import_drops_bad_lines(tmp_path):
    src = tmp_path / "pairs-x"
    src.mkdir()
    good = {"id": "x-0001", "kind": "reply", "message": "hi", "rewrite": "hello", "writer": "w", "batch": "x"}
    (src / "part-01.jsonl").write_text(json.dumps(good) + "\n{broken\n" + json.dumps({**good, "id": "x-0002", "kind": "poem"}) + "\n" + json.dumps(good) + "\n")
    report = import_pairs([src], tmp_path / "out")
    assert report["kept"] == 1 and len(report["dropped"]) == 3
    assert validate_line({"id": "a", "kind": "softstart", "message": "", "rewrite": "x"})
