"""Reading articles (Markdown, plain text, HTML) into text plus the metadata we cite them by."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
MAX_ARTICLE_BYTES = 5_000_000


@dataclass(frozen=True)
class Article:
    """One article, ready to be chunked."""

    source_id: str  # stable key: "<folder label>/<relative path>"
    path: Path
    title: str
    source: str  # who wrote it / where it comes from, as we cite it
    topics: list[str]
    text: str
    content_hash: str
    kind: str  # markdown | text | html
    extra: dict = field(default_factory=dict)


def iter_article_paths(folder: Path) -> Iterator[Path]:
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith("."):
            yield path


def _title_from_filename(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if 3 <= len(line) <= 120:
            return line
    return None


def _read_markdown(raw: str, path: Path) -> tuple[str, dict]:
    meta: dict = {}
    match = FRONT_MATTER.match(raw)
    body = raw
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
            if isinstance(loaded, dict):
                meta = loaded
        except yaml.YAMLError as exc:
            log.warning("front matter of %s is not valid YAML (%s); using defaults", path.name, exc)
        body = raw[match.end():]
    meta.setdefault("title", _first_heading(body) or _title_from_filename(path))
    return body.strip(), meta


def _read_html(raw: str, path: Path) -> tuple[str, dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        tag.decompose()
    meta: dict = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        meta["source"] = author["content"].strip()
    site = soup.find("meta", attrs={"property": "og:site_name"})
    if site and site.get("content"):
        meta["source"] = f"{meta['source']}, {site['content'].strip()}" if "source" in meta else site["content"].strip()
    blocks = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "blockquote"]):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name in {"h1", "h2", "h3", "h4"}:
            blocks.append("#" * int(element.name[1]) + " " + text)
        else:
            blocks.append(text)
    body = "\n\n".join(blocks) if blocks else " ".join(soup.get_text(" ").split())
    meta.setdefault("title", _first_heading(body) or _title_from_filename(path))
    return body, meta


def _read_text(raw: str, path: Path) -> tuple[str, dict]:
    return raw.strip(), {"title": _first_line(raw) or _title_from_filename(path)}


def read_article(path: Path, folder: Path, label: str) -> Article | None:
    """Read one file; None (with a log line) when it is empty, too large or not text."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_ARTICLE_BYTES:
            log.warning("skipping %s: larger than %d bytes", path.name, MAX_ARTICLE_BYTES)
            return None
        data = path.read_bytes()
    except OSError as exc:
        log.warning("skipping %s: %s", path.name, exc)
        return None
    raw = data.decode("utf-8", errors="replace")
    kind = ARTICLE_SUFFIXES[path.suffix.lower()]
    reader = {"markdown": _read_markdown, "html": _read_html, "text": _read_text}[kind]
    body, meta = reader(raw, path)
    if not body.strip():
        log.warning("skipping %s: no text", path.name)
        return None
    relative = path.relative_to(folder).as_posix()
    topics = meta.get("topics") or []
    if isinstance(topics, str):
        topics = [t.strip() for t in topics.split(",") if t.strip()]
    source = str(meta.get("source") or f"Your library: {relative}")
    extra = {k: str(v) for k, v in meta.items() if k in {"source_file", "url", "author"}}
    return Article(
        source_id=f"{label}/{relative}",
        path=path,
        title=str(meta["title"]).strip(),
        source=source.strip(),
        topics=[str(t) for t in topics],
        text=body,
        content_hash=hashlib.sha256(data).hexdigest(),
        kind=kind,
        extra=extra,
    )


def load_articles(folder: Path, label: str | None = None) -> list[Article]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"knowledge folder not found: {folder}")
    label = label or folder.name
    articles = []
    for path in iter_article_paths(folder):
        article = read_article(path, folder, label)
        if article is not None:
            articles.append(article)
    return articles
