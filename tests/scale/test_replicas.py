"""The scale-out topology, with processes instead of containers.

Two app replicas (real uvicorn processes on two loopback ports, each with its own empty data
directory) share one Chroma server, one fresh PostgreSQL database (dropped afterwards) and Redis.
Like compose.yaml's ``indexer`` job, the test builds the index in Chroma once; the replicas start
with ``SOFTSTART_BUILD_INDEX_ON_START=false``. A chat session started on one replica goes on, token
and history intact, on the other; both answer questions from the shared index; the rate limit
is one budget across both.

Each test talks from its own loopback address (127.x.y.z), so its rate-limit budget in Redis is
its own and nothing else on the machine shares it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.api.sessions import HistoryOut, TurnOut
from app.backends.vector_index import KnowledgeIndex, make_chroma_client
from bench.servers import LOOPBACK, AppServer
from tests.scale.conftest import unique_collection
from tests.store.conftest import (  # noqa: F401 - fixtures: the module's own PostgreSQL database
    postgres_admin_engine,
    postgres_databases,
    postgres_module_database,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
RATE_LIMIT = 20  # per client address and minute, across both replicas

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def shared_collection(chroma_server, embedder) -> str:
    """The repository's knowledge base, indexed once into a collection on the Chroma server."""
    name = unique_collection("replicas")
    client = make_chroma_client("http", Path("unused"), LOOPBACK, chroma_server.port)
    report = KnowledgeIndex(client, embedder, collection=name).sync_folders([REPO_ROOT / "knowledge"])
    assert report.chunks_total > 0
    return name


@pytest.fixture(scope="module")
def replicas(chroma_server, shared_collection, postgres_module_database, tmp_path_factory) -> Iterator[list[AppServer]]:
    folder = tmp_path_factory.mktemp("replicas")
    shared = {
        "SOFTSTART_ENVIRONMENT": "test",
        "SOFTSTART_KNOWLEDGE_DIRS": json.dumps([str(REPO_ROOT / "knowledge")]),
        "SOFTSTART_VECTOR_STORE__MODE": "http",
        "SOFTSTART_VECTOR_STORE__HOST": LOOPBACK,
        "SOFTSTART_VECTOR_STORE__PORT": str(chroma_server.port),
        "SOFTSTART_VECTOR_STORE__COLLECTION": shared_collection,
        "SOFTSTART_DATABASE_URL": postgres_module_database,
        "SOFTSTART_REDIS_URL": REDIS_URL,
        "SOFTSTART_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
        "SOFTSTART_BUILD_INDEX_ON_START": "false",
    }
    servers = [
        AppServer({**shared, "SOFTSTART_DATA_DIR": str(folder / name)}, log_path=folder / f"{name}.log")
        for name in ("replica-a", "replica-b")
    ]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.wait_ready(timeout=300), servers))
        yield servers
    finally:
        for server in servers:
            server.stop()


def own_address() -> str:
    return f"127.{random.randrange(1, 255)}.{random.randrange(0, 255)}.{random.randrange(1, 255)}"


@pytest.fixture
def clients(replicas) -> Iterator[list[httpx.Client]]:
    """One HTTP client per replica, both from this test's own loopback address."""
    transport_from = own_address()
    made = [
        httpx.Client(base_url=server.base_url, timeout=60, transport=httpx.HTTPTransport(local_address=transport_from))
        for server in replicas
    ]
    yield made
    for client in made:
        client.close()


def say(client: httpx.Client, session_id: str, token: str, text: str) -> TurnOut:
    response = client.post(f"/v1/sessions/{session_id}/messages", json={"text": text}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return TurnOut.model_validate(response.json())


def history(client: httpx.Client, session_id: str, token: str) -> HistoryOut:
    response = client.get(f"/v1/sessions/{session_id}/messages", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return HistoryOut.model_validate(response.json())


def test_replicas_keep_nothing_locally_that_the_other_needs(replicas):
    ready = [httpx.get(server.base_url + "/readyz", timeout=30).json() for server in replicas]
    assert all(body["status"] == "ready" for body in ready)
    assert ready[0]["index"]["chunks"] == ready[1]["index"]["chunks"] > 0  # the one shared collection


def test_a_chat_session_continues_on_the_other_replica(clients):
    first, second = clients
    created = first.post("/v1/sessions")
    assert created.status_code == 201, created.text
    session_id, token = created.json()["id"], created.json()["token"]

    opening = "He hasn't answered my texts all evening and I keep texting him."
    follow_up = "I've sent him like eight messages now and still nothing. I miss him."
    turn_one = say(first, session_id, token, opening)
    turn_two = say(second, session_id, token, follow_up)

    # the second replica read the state the first one stored: the conversation moved on
    assert turn_two.state.turn == turn_one.state.turn + 1
    assert turn_two.state.role == "pursuer"
    assert turn_two.memory.remembered_messages >= 2  # read back from PostgreSQL, not from memory
    assert turn_two.reply.seq == 4

    for client in clients:  # the token works on both, and both show the whole conversation
        messages = history(client, session_id, token).messages
        assert [(m.seq, m.role) for m in messages] == [(1, "user"), (2, "coach"), (3, "user"), (4, "coach")]
        assert [messages[0].text, messages[2].text] == [opening, follow_up]
        assert [messages[1].text, messages[3].text] == [turn_one.reply.text, turn_two.reply.text]
        wrong = client.get(f"/v1/sessions/{session_id}/messages", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 404

    # a streamed turn through the first replica again continues the same history
    streamed = first.post(
        f"/v1/sessions/{session_id}/messages",
        json={"text": "Why does he shut down when I bring up a problem?"},
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
    )
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    events = [block for block in streamed.text.split("\n\n") if block.strip()]
    done = TurnOut.model_validate(json.loads(events[-1].split("data: ", 1)[1]))
    deltas = "".join(json.loads(block.split("data: ", 1)[1])["text"] for block in events[:-1])
    assert done.reply.seq == 6 and deltas == done.reply.text
    assert len(history(second, session_id, token).messages) == 6

    # erased through one replica, gone on both
    deleted = second.delete(f"/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 204
    assert first.get(f"/v1/sessions/{session_id}/messages", headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_both_replicas_answer_from_the_shared_index(clients):
    question = {"question": "Why does my partner shut down when I bring up a problem?"}
    answers = [client.post("/v1/ask", json=question) for client in clients]
    assert [answer.status_code for answer in answers] == [200, 200]
    bodies = [answer.json() for answer in answers]
    assert all(body["grounded"] and body["sources"] for body in bodies)
    assert [s["source_id"] for s in bodies[0]["sources"]] == [s["source_id"] for s in bodies[1]["sources"]]
    assert all(s["source_id"].startswith("knowledge/") for s in bodies[0]["sources"])

    off_topic = clients[1].post("/v1/ask", json={"question": "What's the capital of France?"})
    assert off_topic.status_code == 200 and off_topic.json()["grounded"] is False


def test_the_rate_limit_is_one_budget_across_replicas(clients):
    seconds_into_minute = time.time() % 60
    if seconds_into_minute > 45:  # the budget is per calendar minute: don't straddle two
        time.sleep(60.5 - seconds_into_minute)
    codes = [clients[n % 2].get("/v1/ask").status_code for n in range(RATE_LIMIT)]
    assert codes == [405] * RATE_LIMIT  # each counted, alternating replicas: 10 + 10 = the budget
    limited = [client.get("/v1/ask") for client in clients]
    assert [response.status_code for response in limited] == [429, 429]
    assert all(1 <= int(response.headers["retry-after"]) <= 60 for response in limited)
    assert all(client.get("/healthz").status_code == 200 for client in clients)  # health checks stay open
