"""Bounded load test: concurrent chat clients against a live server on loopback, optionally killed mid-run.

    python -m bench.load_test --clients 32 --seconds 60
    python -m bench.load_test --clients 32 --seconds 60 --kill-at 25        # SIGKILL, restart, go on
    python -m bench.load_test --database-url postgresql+psycopg://postgres@127.0.0.1/test --kill-at 25

Each client starts a chat session and then, until the time is up, mostly talks to the coach
(``POST /v1/sessions/{id}/messages``) with an occasional rewrite or question. A chat message
counts as *acknowledged* when the server answered it with 200 (the user's message and the
coach's reply, each with its ``seq``) or with the 503 that says the message was saved.

With ``--kill-at`` the whole server (uvicorn and its workers) gets SIGKILL at that second and is
started again on the same port and database; clients see refused connections meanwhile and keep
trying. At the end every acknowledged message is looked up in the database itself (same session,
same seq, same text), the database's integrity is checked, and a new session must work.

The run passes when there was no 5xx (other than the documented "message saved" 503), no
acknowledged message is missing, and the database is usable. Rate limits are off for the run:
all clients share one address. Figures go to stdout and bench/results/load_test.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Report
from bench.servers import AppServer
from bench.stats import summarise_seconds
from bench.workspace import DEFAULT_ROOT, prepared_data_dir, server_env

REPO_ROOT = Path(__file__).resolve().parent.parent
MESSAGES_FILE = REPO_ROOT / "tests" / "data" / "messages.jsonl"
SAVED_BUT_NOT_ANSWERED = 503  # the chat route's "your message was saved" answer
QUESTIONS = [
    "Why does my partner shut down when I bring up a problem?",
    "How long should a break last when I'm flooded?",
    "What is a soft start-up?",
    "Why do I keep chasing when they pull away?",
]


@dataclass(frozen=True)
class LoadPlan:
    clients: int = 32
    seconds: float = 60.0
    kill_at: float | None = None  # seconds after the start; None: no kill
    workers: int = 2
    database_url: str | None = None  # None: SQLite in the data directory
    after_restart: float = 10.0  # seconds of load the restarted server gets, at least
    request_timeout: float = 120.0
    seed: int = 7


@dataclass
class RunClock:
    """When the clients stop: at ``until``, but not while the server is down (a kill moves ``until`` on)."""

    until: float
    server_down: bool = False

    def running(self) -> bool:
        return time.monotonic() < self.until or self.server_down


@dataclass(frozen=True)
class Acknowledged:
    session_id: str
    seq: int
    text: str
    reply_seq: int | None
    reply_text: str | None


@dataclass
class LoadOutcome:
    plan: LoadPlan
    statuses: dict[str, int] = field(default_factory=dict)  # "chat 200", "rewrite 200", ...
    latencies: dict[str, list[float]] = field(default_factory=dict)
    timeline: list[tuple[float, str, float]] = field(default_factory=list)  # (started, kind, seconds) of every answer
    started: float = 0.0
    connection_errors: int = 0
    acknowledged: list[Acknowledged] = field(default_factory=list)
    sessions: int = 0
    missing: list[str] = field(default_factory=list)
    kill: dict | None = None
    acknowledged_at_restart: int = 0
    database_ok: bool = False
    database_detail: str = ""
    wall_seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(
            count
            for key, count in self.statuses.items()
            if int(key.split()[1]) >= 500 and key != f"chat {SAVED_BUT_NOT_ANSWERED}"
        )

    @property
    def passed(self) -> bool:
        return self.server_errors == 0 and not self.missing and self.database_ok and bool(self.acknowledged)

    def count(self, kind: str, status: int, seconds: float) -> None:
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status < 500:
            self.latencies.setdefault(kind, []).append(seconds)
        self.timeline.append((time.monotonic() - seconds - self.started, kind, seconds))

    def slowest(self, count: int = 5) -> list[tuple[float, str, float]]:
        return sorted(self.timeline, key=lambda item: item[2], reverse=True)[:count]


def chat_texts() -> list[str]:
    """What clients say: the labelled messages (harsh and gentle), plus a few questions."""
    rows = [json.loads(line) for line in MESSAGES_FILE.read_text().splitlines() if line.strip()]
    return [row["text"] for row in rows] + QUESTIONS


# ---------------------------------------------------------------------- clients
async def run_clients(base_url: str, plan: LoadPlan, outcome: LoadOutcome, clock: RunClock) -> None:
    import httpx

    texts = chat_texts()
    limits = httpx.Limits(max_connections=plan.clients, max_keepalive_connections=plan.clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=plan.request_timeout, limits=limits) as http:

        async def request(kind: str, method: str, path: str, **kwargs):
            """(status, JSON) or None when the server could not be reached (counted, then retried later)."""
            started = time.perf_counter()
            try:
                response = await http.request(method, path, **kwargs)
            except httpx.TransportError:
                outcome.connection_errors += 1
                await asyncio.sleep(0.25)
                return None
            outcome.count(kind, response.status_code, time.perf_counter() - started)
            try:
                return response.status_code, response.json()
            except ValueError:
                return response.status_code, {}

        async def one_client(number: int) -> None:
            rng = random.Random(plan.seed * 1000 + number)
            session: tuple[str, dict] | None = None
            turn = 0
            while clock.running():
                if session is None:
                    answer = await request("session", "POST", "/v1/sessions")
                    if answer and answer[0] == 201:
                        session = answer[1]["id"], {"authorization": f"Bearer {answer[1]['token']}"}
                        outcome.sessions += 1
                    continue
                roll = rng.random()
                if roll < 0.15:
                    await request("rewrite", "POST", "/v1/rewrite", json={"message": rng.choice(texts)})
                    continue
                if roll < 0.25:
                    await request("ask", "POST", "/v1/ask", json={"question": rng.choice(QUESTIONS)})
                    continue
                turn += 1
                session_id, headers = session
                text = f"{rng.choice(texts)} (client {number}, turn {turn})"  # unique, so a lookup is exact
                answer = await request("chat", "POST", f"/v1/sessions/{session_id}/messages", json={"text": text}, headers=headers)
                if answer is None:
                    continue
                status, body = answer
                if status == 200:
                    outcome.acknowledged.append(
                        Acknowledged(session_id, body["user_message"]["seq"], text, body["reply"]["seq"], body["reply"]["text"])
                    )
                elif status == SAVED_BUT_NOT_ANSWERED and "seq" in str(body.get("detail", "")):
                    seq = int(str(body["detail"]).split("(seq ")[1].split(")")[0])
                    outcome.acknowledged.append(Acknowledged(session_id, seq, text, None, None))
                if turn % 20 == 0:
                    session = None  # a new conversation now and then, as real users do

        await asyncio.gather(*(one_client(n) for n in range(plan.clients)))


async def kill_and_restart(server: AppServer, plan: LoadPlan, outcome: LoadOutcome, started: float, clock: RunClock) -> None:
    await asyncio.sleep(plan.kill_at)
    acknowledged_before = len(outcome.acknowledged)
    clock.server_down = True  # clients keep trying until the server is back
    os.killpg(server.pid, signal.SIGKILL)  # uvicorn and every worker, with no chance to clean up
    await asyncio.to_thread(server.process.wait)
    killed_at = time.monotonic() - started
    server.start()
    await asyncio.to_thread(server.wait_ready)
    clock.until = max(clock.until, time.monotonic() + plan.after_restart)  # the new server gets load too
    clock.server_down = False
    outcome.kill = {
        "killed_at_s": round(killed_at, 1),
        "back_after_s": round(time.monotonic() - started - killed_at, 1),
        "acknowledged_before_kill": acknowledged_before,
    }
    outcome.acknowledged_at_restart = len(outcome.acknowledged)


async def drive(server: AppServer, plan: LoadPlan, outcome: LoadOutcome) -> None:
    started = outcome.started = time.monotonic()
    clock = RunClock(until=started + plan.seconds)
    tasks = [run_clients(server.base_url, plan, outcome, clock)]
    if plan.kill_at is not None:
        tasks.append(kill_and_restart(server, plan, outcome, started, clock))
    await asyncio.gather(*tasks)
    outcome.wall_seconds = time.monotonic() - started


# ---------------------------------------------------------------------- verification
def verify_database(database_url: str, outcome: LoadOutcome) -> None:
    """Every acknowledged message is stored (same session, seq and text); the database is intact."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = {}
            for row in connection.execute(text("SELECT session_id, seq, role, text FROM chat_messages")):
                stored[(row.session_id, row.seq)] = (row.role, row.text)
            for ack in outcome.acknowledged:
                user = stored.get((ack.session_id, ack.seq))
                if user != ("user", ack.text):
                    outcome.missing.append(f"{ack.session_id} seq {ack.seq}: user message {'differs' if user else 'missing'}")
                if ack.reply_seq is not None and stored.get((ack.session_id, ack.reply_seq)) != ("coach", ack.reply_text):
                    outcome.missing.append(f"{ack.session_id} seq {ack.reply_seq}: coach reply missing or different")
            gaps = connection.execute(
                text(
                    "SELECT count(*) FROM chat_sessions s WHERE s.last_seq <> "
                    "(SELECT coalesce(max(m.seq), 0) FROM chat_messages m WHERE m.session_id = s.id)"
                )
            ).scalar()
            details = [f"{len(stored)} messages stored", f"{gaps} sessions whose last_seq disagrees with their messages"]
            ok = gaps == 0
            if engine.dialect.name == "sqlite":
                integrity = connection.execute(text("PRAGMA integrity_check")).scalar()
                details.append(f"integrity_check: {integrity}")
                ok = ok and integrity == "ok"
            outcome.database_ok = ok
            outcome.database_detail = "; ".join(details)
    finally:
        engine.dispose()


def new_session_works(base_url: str) -> bool:
    import httpx

    with httpx.Client(base_url=base_url, timeout=120) as http:
        created = http.post("/v1/sessions")
        if created.status_code != 201:
            return False
        body = created.json()
        headers = {"authorization": f"Bearer {body['token']}"}
        turn = http.post(f"/v1/sessions/{body['id']}/messages", json={"text": "Are you still there after the restart?"}, headers=headers)
        history = http.get(f"/v1/sessions/{body['id']}/messages", headers=headers)
        return turn.status_code == 200 and history.status_code == 200 and len(history.json()["messages"]) == 2


# ---------------------------------------------------------------------- run
def run_load_test(plan: LoadPlan, *, data_dir: Path, log_path: Path) -> LoadOutcome:
    """Start a server over ``data_dir`` (index already built), load it, verify; the server is stopped after."""
    database_url = plan.database_url or f"sqlite:///{data_dir / 'softstart.sqlite3'}"
    env = server_env(data_dir, build_index_on_start="false", database_url=database_url)
    outcome = LoadOutcome(plan=plan)
    with AppServer(env, workers=plan.workers, log_path=log_path) as server:
        server.wait_ready()
        asyncio.run(drive(server, plan, outcome))
        verify_database(database_url, outcome)
        if not new_session_works(server.base_url):
            outcome.database_ok = False
            outcome.database_detail += "; a new session after the run failed"
    return outcome


def report(outcome: LoadOutcome, database: str) -> Report:
    plan = outcome.plan
    name = f"load_test_{database.lower()}" + ("_kill" if plan.kill_at is not None else "")
    title = f"Load test: {plan.clients} clients for {plan.seconds:.0f} s, {plan.workers} workers, {database}"
    out = Report(name, title + (", SIGKILL mid-run" if plan.kill_at is not None else ""), module="load_test")
    for kind, samples in sorted(outcome.latencies.items()):
        statuses = {key.split()[1]: count for key, count in outcome.statuses.items() if key.split()[0] == kind}
        out.row(kind=kind, statuses=json.dumps(statuses), **summarise_seconds(samples))
    chat_ok = outcome.statuses.get("chat 200", 0)
    out.row(
        kind="total",
        requests=sum(outcome.statuses.values()),
        per_second=round(sum(outcome.statuses.values()) / outcome.wall_seconds, 1) if outcome.wall_seconds else 0,
        server_errors=outcome.server_errors,
        connection_errors=outcome.connection_errors,
        sessions=outcome.sessions,
        chat_acknowledged=len(outcome.acknowledged),
        chat_answered=chat_ok,
        missing_in_database=len(outcome.missing),
    )
    if outcome.kill:
        out.note(
            f"SIGKILL at {outcome.kill['killed_at_s']} s with {outcome.kill['acknowledged_before_kill']} messages acknowledged; "
            f"serving again {outcome.kill['back_after_s']} s later (connection errors meanwhile: {outcome.connection_errors}); "
            f"{len(outcome.acknowledged) - outcome.acknowledged_at_restart} messages acknowledged by the restarted server"
        )
    slowest = ", ".join(f"{kind} {seconds:.1f} s (sent at {at:.1f} s)" for at, kind, seconds in outcome.slowest())
    out.note(f"slowest answers: {slowest}")
    out.note(f"database: {outcome.database_detail}; usable: {outcome.database_ok}")
    for problem in outcome.missing[:20]:
        out.note(f"MISSING: {problem}")
    out.note("PASSED" if outcome.passed else "FAILED")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-at", type=float, default=None, help="SIGKILL the server this many seconds in, then restart it")
    parser.add_argument("--after-restart", type=float, default=10.0, help="at least this many seconds of load after a restart")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (the README recommends one per core)")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in the run's data directory")
    args = parser.parse_args(argv)
    if args.kill_at is not None and not 0 < args.kill_at < args.seconds:
        parser.error("--kill-at must fall inside the run")

    data_dir = prepared_data_dir("load-test")
    db_file = data_dir / "softstart.sqlite3"
    for stale in (db_file, *(db_file.with_name(db_file.name + suffix) for suffix in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)  # every run starts with an empty SQLite database
    plan = LoadPlan(clients=args.clients, seconds=args.seconds, kill_at=args.kill_at, after_restart=args.after_restart, workers=args.workers, database_url=args.database_url)
    outcome = run_load_test(plan, data_dir=data_dir, log_path=DEFAULT_ROOT / "logs" / "load-test.log")
    database = "PostgreSQL" if args.database_url and args.database_url.startswith("postgres") else "SQLite"
    report(outcome, database).save()
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
