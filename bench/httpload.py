"""HTTP clients for the benchmarks: one request at a time, and N concurrent clients (asyncio + aiohttp)."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import urlsplit


class SequentialClient:
    """One keep-alive connection, one request at a time (the least client overhead there is)."""

    def __init__(self, base_url: str, timeout: float = 120.0):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def post_json(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict, float]:
        """(status, JSON body, seconds)."""
        payload = json.dumps(body).encode()
        started = time.perf_counter()
        self.connection.request("POST", path, body=payload, headers={"content-type": "application/json", **(headers or {})})
        response = self.connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        return response.status, (json.loads(data) if data else {}), elapsed

    def close(self) -> None:
        self.connection.close()


@dataclass
class LoadResult:
    clients: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    fallbacks: int = 0
    wall_seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200) + len(self.errors)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_seconds if self.wall_seconds else 0.0


async def _run_load(base_url: str, path: str, bodies: Sequence[dict], clients: int, timeout: float, deadline_s: float) -> LoadResult:
    import aiohttp

    result = LoadResult(clients=clients)
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    stop_at = time.monotonic() + deadline_s
    connector = aiohttp.TCPConnector(limit=clients)
    client_timeout = aiohttp.ClientTimeout(total=timeout)

    async def one_client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < stop_at:
            try:
                body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                async with session.post(base_url + path, json=body) as response:
                    data = await response.read()
                    elapsed = time.perf_counter() - started
                    result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
                    result.latencies.append(elapsed)
                    if response.status == 200 and b'"fallback":true' in data:
                        result.fallbacks += 1
            except Exception as exc:  # noqa: BLE001 - every failure is an error to count
                result.errors.append(f"{type(exc).__name__}: {exc}")

    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(session) for _ in range(clients)))
        result.wall_seconds = time.perf_counter() - started
    return result


def run_load(base_url: str, path: str, bodies: Sequence[dict], *, clients: int, timeout: float = 120.0, deadline_s: float = 300.0) -> LoadResult:
    """Send every body once, from ``clients`` concurrent keep-alive clients; bounded by ``deadline_s``."""
    return asyncio.run(_run_load(base_url, path, bodies, clients, timeout, deadline_s))
