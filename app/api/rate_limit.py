"""Per-client rate limits: in memory for one process, Redis when several replicas share the load."""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

EXEMPT_PATHS = ("/healthz", "/readyz", "/static/", "/docs", "/openapi.json", "/favicon")


class RateLimiter(Protocol):
    def hit(self, client: str) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until the window resets)."""


class MemoryRateLimiter:
    """Fixed one-minute windows per client, in this process only."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> tuple[bool, int]:
        now = self.clock()
        window = int(now // 60)
        with self._lock:
            if len(self._windows) > 100_000:  # forget old windows so memory stays bounded
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(client, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[client] = (start, count)
        return count <= self.per_minute, max(1, math.ceil((window + 1) * 60 - now))


class RedisRateLimiter:
    """The same windows kept in Redis, so every replica counts against one limit."""

    def __init__(self, url: str, per_minute: int, prefix: str = "softstart:rate", clock=time.time):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.per_minute = per_minute
        self.prefix = prefix
        self.clock = clock

    def hit(self, client: str) -> tuple[bool, int]:
        now = self.clock()
        window = int(now // 60)
        key = f"{self.prefix}:{client}:{window}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = pipe.execute()
        except Exception as exc:  # Redis down: fail open rather than refuse everyone
            log.warning("rate limit store unavailable (%s); allowing the request", type(exc).__name__)
            return True, 60
        return int(count) <= self.per_minute, max(1, math.ceil((window + 1) * 60 - now))


def build_rate_limiter(per_minute: int, redis_url: str | None) -> RateLimiter | None:
    if per_minute <= 0:
        return None
    if redis_url:
        return RedisRateLimiter(redis_url, per_minute)
    return MemoryRateLimiter(per_minute)


class RateLimitMiddleware:
    """429 with Retry-After once a client (by address) has used its requests for the minute."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is None or scope["type"] != "http" or scope.get("path", "").startswith(EXEMPT_PATHS) or scope.get("path") == "/":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        allowed, retry_after = self.limiter.hit(client)
        if allowed:
            await self.app(scope, receive, send)
            return
        body = b'{"detail":"too many requests: slow down and try again shortly"}'
        await send({
            "type": "http.response.start",
            "status": 429,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})
