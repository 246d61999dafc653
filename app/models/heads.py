"""Trained heads as plain arrays (``.npz``, no pickle) plus a JSON manifest, and their predictions.

A head is a linear layer: ``softmax(W x + b)`` over its classes, or one independent sigmoid per
class when ``multilabel`` (binary heads are a multilabel head with one class). The manifest holds
the classes, thresholds, the data and embedder hashes and the cross-validated figures.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class LinearHead:
    name: str
    classes: tuple[str, ...]
    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)
    multilabel: bool = False

    def proba(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes) probabilities for feature rows ``x`` (one row is fine)."""
        if not hasattr(x, "tocsr"):  # dense rows; a scipy sparse matrix is already 2-D
            x = np.atleast_2d(x)
        logits = np.asarray(x @ self.weights.T) + self.bias
        if self.multilabel:
            return 1.0 / (1.0 + np.exp(-logits))
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class HeadSet:
    heads: dict[str, LinearHead]
    manifest: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> LinearHead:
        return self.heads[name]

    @property
    def thresholds(self) -> dict[str, Any]:
        return self.manifest.get("thresholds", {})


class HeadsUnavailable(RuntimeError):
    """The heads are missing, unreadable or do not fit the embedder in use."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_heads(folder: Path, heads: dict[str, LinearHead], manifest: dict[str, Any]) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name, head in heads.items():
        # wide heads (hashed n-gram columns) are stored as float16 to keep the file small
        arrays[f"{name}.W"] = head.weights.astype(np.float16 if head.weights.size > 200_000 else np.float32)
        arrays[f"{name}.b"] = head.bias.astype(np.float32)
    np.savez_compressed(folder / HEADS_FILE, **arrays)
    manifest = dict(manifest)
    manifest["heads"] = {name: {"classes": list(h.classes), "multilabel": h.multilabel} for name, h in heads.items()}
    manifest["heads_sha256"] = file_sha256(folder / HEADS_FILE)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def load_heads(folder: Path) -> HeadSet:
    folder = Path(folder)
    manifest_path, heads_path = folder / MANIFEST_FILE, folder / HEADS_FILE
    if not manifest_path.exists() or not heads_path.exists():
        raise HeadsUnavailable(f"no trained heads in {folder} (run `softstart train`)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HeadsUnavailable(f"{manifest_path}: unreadable manifest: {exc}") from exc
    if manifest.get("heads_sha256") != file_sha256(heads_path):
        raise HeadsUnavailable(f"{heads_path} does not match its manifest (heads_sha256)")
    heads = {}
    with np.load(heads_path, allow_pickle=False) as arrays:
        for name, spec in (manifest.get("heads") or {}).items():
            try:
                heads[name] = LinearHead(name, tuple(spec["classes"]), arrays[f"{name}.W"].astype(np.float32), arrays[f"{name}.b"].astype(np.float32), bool(spec["multilabel"]))
            except KeyError as exc:
                raise HeadsUnavailable(f"{heads_path}: head {name} lacks {exc}") from exc
    return HeadSet(heads, manifest)
