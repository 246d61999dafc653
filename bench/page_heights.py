"""The Rewrite page's height for a two-sentence harsh message, on an earlier page and on this one (issue 15).

    python -m bench.page_heights [--before 56a53ca] [--message "..."]

Serves the app once (the repository's knowledge base, a temporary data directory) and swaps the page's
files between runs: ``--before`` names the commit whose ``app/web`` is "before"; "after" is the working tree.
Debian's Chromium opens each page at 1280×800 and 390×844, sends the message and measures the content's height
with every "details" closed and then open, and where the suggestion's card starts. Screenshots go to
``test-artifacts/screenshots/height-{before,after}-{desktop,phone}.png``; figures to
``bench/results/page_heights.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MESSAGE = "You never listen to me. You always make plans without asking me first."
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SUGGESTION = "#rewrite-suggestion, #rewrite-softened-block"  # this page's card, and the earlier page's
HEIGHT = (
    "Math.max(document.documentElement.scrollHeight > innerHeight ? document.documentElement.scrollHeight : 0,"
    " Math.ceil(document.body.getBoundingClientRect().height))"
)


def page_files_at(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", commit, "app/web"], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "app" / "web"


def measure(browser, base_url: str, viewport: dict, message: str, shot: Path) -> dict:
    context = browser.new_context(viewport=viewport, base_url=base_url)
    page = context.new_page()
    page.goto("/#rewrite")
    page.fill("#rewrite-message", message)
    with page.expect_response("**/v1/rewrite"):
        page.click("#rewrite-submit")
    page.locator(SUGGESTION).first.wait_for()
    page.wait_for_timeout(800)  # smooth scrolling settles
    closed = page.evaluate(HEIGHT)
    page.evaluate("document.querySelectorAll('#rewrite-result details').forEach((d) => { d.open = true; })")
    opened = page.evaluate(HEIGHT)
    page.evaluate("document.querySelectorAll('#rewrite-result details').forEach((d) => { d.open = false; })")
    page.evaluate("window.scrollTo(0, 0)")
    card = page.locator(SUGGESTION).first.bounding_box()
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    return {"height_px": closed, "height_details_open_px": opened, "suggestion_top_px_unscrolled": round(card["y"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="56a53ca", help="the commit whose page is 'before'")
    parser.add_argument("--message", default=MESSAGE)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from app.backends.embeddings import MiniLMEmbedder
    from app.main import create_app
    from app.services import build_services
    from app.settings import Settings
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer

    shots = REPO / "test-artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pages = {"before": page_files_at(args.before, Path(tmp) / "before"), "after": REPO / "app" / "web"}
        settings = Settings(data_dir=Path(tmp) / "data", environment="test", knowledge_dirs=[REPO / "knowledge"], rate_limit_per_minute=0)
        page_app = create_app(settings, services=build_services(settings, embedder=MiniLMEmbedder()))
        server = LiveServer(page_app).start()
        results: dict = {"message": args.message, "before_commit": args.before}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                for label, folder in pages.items():
                    page_app.state.settings = settings.model_copy(update={"web_dir": folder})
                    for name, viewport in VIEWPORTS.items():
                        results[f"{label}_{name}"] = measure(browser, server.url, viewport, args.message, shots / f"height-{label}-{name}.png")
                browser.close()
        finally:
            server.stop()
    out = REPO / "bench" / "results" / "page_heights.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
