"""Rate limits: in memory, and in the machine's real Redis shared by two app instances."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from app.api.rate_limit import MemoryRateLimiter, RedisRateLimiter
from app.main import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_memory_limiter_counts_per_client_and_window():
    now = [1000.0]
    limiter = MemoryRateLimiter(3, clock=lambda: now[0])
    assert [limiter.hit("a")[0] for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b")[0] is True  # another client has its own budget
    now[0] += 60
    assert limiter.hit("a")[0] is True  # a new minute


def test_app_answers_429_with_retry_after(app_settings, services):
    settings = app_settings.model_copy(update={"rate_limit_per_minute": 3})
    with TestClient(create_app(settings, services=services)) as client:
        codes = [client.post("/v1/ask", json={"question": "What is flooding?"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = client.post("/v1/ask", json={"question": "What is flooding?"})
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "too many requests" in limited.json()["detail"]
        assert client.get("/healthz").status_code == 200  # health checks are never limited


@pytest.mark.redis
def test_redis_limit_is_shared_by_replicas(app_settings, services):
    prefix = f"softstart:test:{uuid.uuid4().hex}"
    first, second = RedisRateLimiter(REDIS_URL, 4, prefix=prefix), RedisRateLimiter(REDIS_URL, 4, prefix=prefix)
    results = [first.hit("10.0.0.1")[0], second.hit("10.0.0.1")[0], first.hit("10.0.0.1")[0], second.hit("10.0.0.1")[0]]
    assert results == [True, True, True, True]
    assert first.hit("10.0.0.1")[0] is False and second.hit("10.0.0.1")[0] is False
    assert first.hit("10.0.0.2")[0] is True

    settings = app_settings.model_copy(update={"rate_limit_per_minute": 2, "redis_url": REDIS_URL})
    same_client = (f"client-{uuid.uuid4().hex}", 1)
    with TestClient(create_app(settings, services=services), client=same_client) as replica_a, TestClient(
        create_app(settings, services=services), client=same_client
    ) as replica_b:
        assert replica_a.get("/v1/ask").status_code in (405, 200)  # counts one
        assert replica_b.get("/v1/ask").status_code in (405, 200)  # counts two, through the other replica
        assert replica_a.get("/v1/ask").status_code == 429


def test_unreachable_redis_fails_open():
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", 1)
    assert limiter.hit("x")[0] is True and limiter.hit("x")[0] is True
