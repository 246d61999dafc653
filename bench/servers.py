"""Servers a benchmark starts on loopback and stops again: the app under uvicorn, a Chroma server.

Every process is started in its own session and stopped by its own process group, so nothing
else on the machine is touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
QUIET_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def current_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class ManagedProcess:
    """A child process in its own process group, with its output appended to a log file."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log_path: Path, cwd: Path = REPO_ROOT):
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.start()

    def start(self) -> None:
        self._log = open(self.log_path, "ab")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, url: str, *, expect: int = 200, timeout: float = 300.0) -> float:
        """Seconds from the start of the process until ``url`` answers ``expect``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.argv[0]} exited with {self.process.returncode}; see {self.log_path}:\n{self.tail()}")
            if http_status(url) == expect:
                return time.perf_counter() - self.started_at
            time.sleep(0.05)
        raise TimeoutError(f"{url} did not answer {expect} within {timeout:.0f} s; see {self.log_path}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._log.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> "ManagedProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def app_env(settings_env: dict[str, str]) -> dict[str, str]:
    """The environment of an app process: ours, quiet and offline, plus ``SOFTSTART_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTSTART_")}
    env.update(QUIET_ENV)
    env.update(settings_env)
    return env


class AppServer(ManagedProcess):
    """``uvicorn app.main:create_app --factory`` on a loopback port."""

    def __init__(self, settings_env: dict[str, str], *, workers: int = 1, port: int | None = None, log_path: Path, extra_args: list[str] | None = None):
        self.port = port or free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        argv = [
            sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
            "--host", LOOPBACK, "--port", str(self.port), "--workers", str(workers),
            "--log-level", "warning", "--no-access-log", *(extra_args or []),
        ]
        super().__init__(argv, env=app_env(settings_env), log_path=log_path)

    def wait_ready(self, timeout: float = 300.0) -> float:
        return self.wait_for(self.base_url + "/readyz", timeout=timeout)

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn's spawned workers, or the process itself."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        workers = [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        return workers or [self.pid]


class ChromaServer(ManagedProcess):
    """``chroma run`` on a loopback port, persisting to ``path``."""

    def __init__(self, path: Path, *, port: int | None = None, log_path: Path):
        self.path = path
        self.port = port or free_port()
        chroma = Path(sys.executable).with_name("chroma")
        argv = [str(chroma), "run", "--path", str(path), "--host", LOOPBACK, "--port", str(self.port)]
        env = dict(os.environ, **QUIET_ENV)
        super().__init__(argv, env=env, log_path=log_path)

    def wait_ready(self, timeout: float = 120.0) -> float:
        return self.wait_for(f"http://{LOOPBACK}:{self.port}/api/v2/heartbeat", timeout=timeout)
