"""The page's own routes without a browser: `/`, `/static/…` and `GET /v1/articles/{source_id}`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.knowledge.articles import load_articles
from app.backends.vector_index import collect_articles
from app.knowledge.library import FolderRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = Settings().web_dir
WEB_FILES = sorted(p.relative_to(WEB_DIR).as_posix() for p in WEB_DIR.rglob("*") if p.is_file())
PAGE_FILES = ["index.html", "app.css", "app.js", "favicon.svg"] + [name for name in WEB_FILES if name.startswith("js/")]
SCRIPTS = [name for name in PAGE_FILES if name.endswith(".js")]


# ---------------------------------------------------------------------------------------------- page and static files
def test_the_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert 'src="/static/app.js"' in response.text and 'href="/static/app.css"' in response.text


@pytest.mark.parametrize("name", PAGE_FILES)
def test_each_static_file_is_served_as_it_is_on_disk(client, name):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.content == (WEB_DIR / name).read_bytes()
    expected_type = {"html": "text/html", "css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}[name.rsplit(".", 1)[1]]
    assert response.headers["content-type"].startswith(expected_type)


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2Fapi%2Fweb.py",
        "/static/%2e%2e/api/web.py",
        "/static/..%2F..%2Fpyproject.toml",
        "/static/%2Fetc%2Fpasswd",
        "/static/missing.js",
        "/static/",
        "/static/..%5Capi%5Cweb.py",
    ],
)
def test_static_files_never_leave_the_web_folder(client, path):
    assert client.get(path).status_code == 404


def test_page_loads_nothing_from_other_hosts():
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    css = (WEB_DIR / "app.css").read_text(encoding="utf-8")
    for reference in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert reference.startswith(("/", "#")), f"index.html refers to {reference}"
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(?:https?:)?//", css)


@pytest.mark.parametrize("name", SCRIPTS)
def test_page_scripts_never_turn_text_into_html(name):
    script = (WEB_DIR / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"style"):
        assert sink not in script, f"{name} uses {sink}; build DOM nodes and set textContent instead"


def test_the_page_scripts_import_only_files_of_the_page():
    for name in SCRIPTS:
        script = (WEB_DIR / name).read_text(encoding="utf-8")
        for target in re.findall(r'from\s+"([^"]+)"|import\(\s*"([^"]+)"', script):
            path = next(t for t in target if t)
            assert path.startswith("./"), f"{name} imports {path}: only relative imports of the page's own files"
            assert ((WEB_DIR / name).parent / path).resolve().is_file(), f"{name} imports {path}, which is missing"


def test_crisis_help_lists_the_configured_regions_lines(client):
    body = client.get("/v1/help").json()
    assert body["region"] == "US"
    names = [r["name"] for r in body["resources"]]
    assert names and len(names) == len(set(names))
    assert any("988" in r["contact"] for r in body["resources"])


# ---------------------------------------------------------------------------------------------- articles
def test_every_article_of_the_knowledge_base_opens_by_its_source_id(client):
    articles = load_articles(REPO_ROOT / "knowledge", "knowledge")
    assert articles
    for article in articles:
        response = client.get(f"/v1/articles/{article.source_id}")
        assert response.status_code == 200, article.source_id
        body = response.json()
        assert body == {
            "source_id": article.source_id,
            "title": article.title,
            "source": article.source,
            "topics": article.topics,
            "text": article.text,
        }


def test_sources_cited_by_ask_open_as_articles(client):
    answer = client.post("/v1/ask", json={"question": "What is a soft start-up?"}).json()
    assert answer["sources"]
    for source in answer["sources"]:
        article = client.get(f"/v1/articles/{source['source_id']}").json()
        assert article["title"] == source["title"]
        assert " ".join(source["passage"].split()[-8:]) in " ".join(article["text"].split())


@pytest.fixture
def library(tmp_path, app_settings, services):
    """An app over two folders both named "knowledge", plus one added with `softstart index`."""
    from app.main import create_app
    from app.settings import Settings

    first = tmp_path / "one" / "knowledge"
    second = tmp_path / "two" / "knowledge"
    added = tmp_path / "added-notes"
    for folder, title in ((first, "First"), (second, "Second"), (added, "Added")):
        (folder / "sub").mkdir(parents=True)
        (folder / "note.md").write_text(f"# {title} note\n\nAbout the {title.lower()} folder.\n", encoding="utf-8")
        (folder / "sub" / "deep.txt").write_text(f"{title} deep note\n\nPlain text.\n", encoding="utf-8")
    (first / ".hidden.md").write_text("# Hidden\n\nnot for readers\n", encoding="utf-8")
    (first / "settings.yaml").write_text("secret: 1\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("# Outside\n\nnot in the knowledge base\n", encoding="utf-8")
    (first / "link.md").symlink_to(tmp_path / "outside.md")
    data_dir = tmp_path / "data"
    FolderRegistry(data_dir, []).add(added)
    settings = Settings(data_dir=data_dir, environment="test", knowledge_dirs=[first, second], rate_limit_per_minute=0)
    with TestClient(create_app(settings, services=services)) as test_client:
        yield test_client, settings


def test_folder_labels_match_the_index(library):
    client, settings = library
    folders = FolderRegistry(settings.data_dir, settings.knowledge_dirs).folders()
    indexed = collect_articles(folders)
    assert {a.source_id for a in indexed} >= {"knowledge/note.md", "knowledge-2/note.md", "added-notes/sub/deep.txt"}
    for article in indexed:
        if article.path.is_symlink():  # indexed, but the endpoint never follows a link out of its folder
            continue
        body = client.get(f"/v1/articles/{article.source_id}").json()
        assert (body["source_id"], body["title"], body["text"]) == (article.source_id, article.title, article.text)


@pytest.mark.parametrize(
    "source_id",
    [
        "knowledge/../../outside.md",
        "knowledge/..%2F..%2Foutside.md",
        "knowledge/%2e%2e/%2e%2e/outside.md",
        "knowledge/link.md",  # a symlink out of the folder
        "knowledge/.hidden.md",
        "knowledge/settings.yaml",
        "knowledge/sub",
        "knowledge/",
        "knowledge",
        "nowhere/note.md",
        "knowledge//note.md",
        "knowledge/sub/%2e%2e/note.md",
        "knowledge/note.md%00.txt",
        "%2Fetc%2Fpasswd",
        "knowledge/..%5C..%5Coutside.md",
    ],
)
def test_article_lookup_refuses_anything_outside_the_knowledge_folders(library, source_id):
    client, _ = library
    response = client.get(f"/v1/articles/{source_id}")
    assert response.status_code == 404
    assert "detail" in response.json()
