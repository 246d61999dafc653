"""A real Softstart server on a loopback port and Debian's Chromium driving the page.

The server runs the app from ``create_app`` with the test settings and the services built once for
the whole test run (tests/conftest.py), under uvicorn in a background thread. Every page records the
requests it makes; a request to any host but the test server fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("SOFTSTART_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# axe-core from npm, in an ignored folder; `scripts/install.sh --dev` installs it, or the first test run does.
AXE_VERSION = "4.14"
AXE_PREFIX = REPO_ROOT / ".node"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
EXPECT_TIMEOUT_MS = 30_000


class LiveServer:
    """uvicorn serving one app on 127.0.0.1:<free port>, in a daemon thread."""

    def __init__(self, app):
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, name="live-server", daemon=True)

    def start(self, timeout_s: float = 120.0) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the live server stopped during start-up; see the log above")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start within {timeout_s:.0f} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture(scope="session")
def live_server(app_settings, services):
    """The app on a real port; start-up work (index, model) is the shared ``services``, built once."""
    from app.main import create_app

    server = LiveServer(create_app(app_settings, services=services)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; missing Chromium is a failure, not a skip."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM}: install it with "
            "`apt-get install chromium` (scripts/install.sh --dev does this), or point SOFTSTART_CHROMIUM at it",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


class RecordedPage:
    """A page plus every URL it (or its context) requested."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []

    def foreign_requests(self) -> list[str]:
        server = urlsplit(self.base_url).netloc
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in {"data", "blob", "about"}:
                continue
            if parts.scheme not in {"http", "https"} or parts.netloc != server:
                foreign.append(url)
        return foreign


def open_context(browser, live_server, viewport: dict, **options):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    recorded = RecordedPage(context.new_page(), live_server.url)
    context.on("request", lambda request: recorded.requests.append(request.url))
    return context, recorded


@pytest.fixture
def web(browser, live_server):
    """A fresh desktop-sized browser context (empty localStorage) on the live server."""
    context, recorded = open_context(
        browser, live_server, DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    yield recorded
    context.close()
    assert recorded.requests, "the page made no requests at all"
    assert not recorded.foreign_requests(), f"the page contacted another host: {recorded.foreign_requests()}"


@pytest.fixture
def phone(browser, live_server):
    """A 390 × 844 touch screen."""
    context, recorded = open_context(browser, live_server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield recorded
    context.close()
    assert not recorded.foreign_requests(), f"the page contacted another host: {recorded.foreign_requests()}"


@pytest.fixture(scope="session")
def screenshot():
    """screenshot(page, "name") saves test-artifacts/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture(scope="session")
def axe_script() -> str:
    """The source of axe-core, installed from npm into .node/ when it is not there yet."""
    if not AXE_SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the accessibility tests need npm to install axe-core (apt-get install npm)", pytrace=False)
        subprocess.run(
            [npm, "install", "--prefix", str(AXE_PREFIX), "--no-audit", "--no-fund", "--no-save", f"axe-core@{AXE_VERSION}"],
            check=True, capture_output=True, timeout=300,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe(axe_script):
    """axe(page, "state") runs axe-core on the page as it is now and fails on any violation."""

    def run(page, state: str) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(axe_script)  # through DevTools: the page's CSP stays as strict as ever
        result = page.evaluate(
            "() => axe.run(document, { resultTypes: ['violations'] })"
            ".then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary) })))"
        )
        assert result == [], f"axe-core found violations in state {state!r}:\n{json.dumps(result, indent=1)}"

    return run
