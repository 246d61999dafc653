"""Fuzz the whole OpenAPI schema of a live server with the schemathesis command line.

    python -m bench.fuzz_api [--max-examples 200] [--checks all]

Starts the app under uvicorn on loopback (index already built, rate limits off, a new SQLite
database), runs ``schemathesis run <url>/openapi.json`` with every phase (examples, coverage,
fuzzing, stateful) and the chosen checks, prints its report and exits with its exit code
(0: no failures). The in-suite version is tests/api/test_schema_fuzz.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.servers import AppServer
from bench.workspace import DEFAULT_ROOT, prepared_data_dir, server_env

# A server error, an undocumented status, a wrong content type, a body that breaks its schema.
DEFAULT_CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=200, help="generated requests per operation and phase")
    parser.add_argument("--checks", default=DEFAULT_CHECKS, help="schemathesis checks (comma-separated, or 'all')")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)

    data_dir = prepared_data_dir("fuzz")
    database = data_dir / "fuzz.sqlite3"
    database.unlink(missing_ok=True)
    env = server_env(data_dir, build_index_on_start="false", database_url=f"sqlite:///{database}")
    schemathesis = Path(sys.executable).with_name("schemathesis")
    with AppServer(env, log_path=DEFAULT_ROOT / "logs" / "fuzz-server.log") as server:
        server.wait_ready()
        command = [
            str(schemathesis), "run", f"{server.base_url}/openapi.json",
            "--checks", args.checks, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", "1", "--request-timeout", "60", "--suppress-health-check", "filter_too_much", "--no-color",
        ]
        print("$ " + " ".join(command), flush=True)
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
