#!/usr/bin/env bash
# Runs every benchmark in turn; each prints its figures and keeps them in bench/results/<name>.json.
#   bash bench/run_all.sh            # the figures recorded in bench/RESULTS.md
#   QUICK=1 bash bench/run_all.sh    # small sizes, to check the benchmarks still run
# Everything runs on 127.0.0.1 and stops by itself; the work files go to $SOFTSTART_BENCH_DIR
# (default /tmp/softstart-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False

failed=()
run() {
  echo "### $*  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PYTHON" -m "$@" || failed+=("$1")
}

if [ "${QUICK:-0}" = 1 ]; then
  run bench.bench_rewrite --messages 30
  run bench.bench_ask --questions 30 --sizes 1000
  run bench.bench_llamacpp --rewrites 2 --asks 2 --chat-turns 1
  run bench.bench_concurrency --clients 1 8 --requests 16 --llamacpp-requests 4
  run bench.bench_startup --starts 1
  run bench.bench_index --synthetic-chunks 100
  run bench.load_test --clients 8 --seconds 10 --kill-at 4
  run bench.fuzz_api --max-examples 10
else
  run bench.bench_rewrite --messages 287
  run bench.bench_rewrite --messages 287 --embed-cache 0      # before the embedder cache
  run bench.bench_ask --questions 200 --sizes 1000 10000
  run bench.bench_ask --questions 200 --sizes --no-http --embed-cache 0   # before the embedder cache
  run bench.bench_llamacpp --rewrites 8 --asks 8 --chat-turns 3
  run bench.bench_concurrency --clients 1 8 32 --workers 1 2 --requests 200 --llamacpp-requests 32
  run bench.bench_startup --starts 3
  run bench.bench_index --synthetic-chunks 1000
  run bench.bench_embedding --repeat 30
  run bench.load_test --clients 32 --seconds 60
  run bench.load_test --clients 32 --seconds 60 --kill-at 25
  if psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS softstart_load" -c "CREATE DATABASE softstart_load" >/dev/null 2>&1; then
    run bench.load_test --clients 32 --seconds 60 --kill-at 25 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/softstart_load
  fi
  run bench.fuzz_api --max-examples 200
fi
"$PYTHON" -m bench.results_tables > bench/results/tables.md
echo "tables: bench/results/tables.md"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
