"""The adapter's manifest: what it was trained on and how, so a change of the pairs without a retrain shows."""

from __future__ import annotations

import json
from pathlib import Path

from app.writer.dataset import pairs_sha256

MANIFEST_NAME = "manifest.json"  # in the adapter folder (settings.writer.adapter_dir)


def write_manifest(result: dict, command: str, out_dir: Path) -> Path:
    data = {"command": command, **result}
    path = Path(out_dir) / MANIFEST_NAME
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stale_reasons(path: Path, pairs_dir: Path) -> list[str]:
    """Why the committed adapter no longer matches the committed pairs ([] when it does)."""
    manifest = read_manifest(path)
    if manifest is None:
        return ["no manifest"]
    reasons = []
    if manifest.get("pairs_sha256") != pairs_sha256(pairs_dir):
        reasons.append("the pairs in data/pairs changed since the adapter was trained: retrain (softstart train-writer)")
    return reasons
