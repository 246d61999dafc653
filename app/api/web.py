"""The web page: ``/`` and its static files under ``/static/``, all served by this app (no CDN, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from app.api import articles, crisis_help
from app.api.deps import SettingsDep

router = APIRouter()
router.include_router(articles.router)  # the page opens cited articles through it
router.include_router(crisis_help.router)  # and the crisis resources behind "Need help now?"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}

# Everything the page needs comes from this server; nothing else may load or be contacted.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidate (ETag) so an upgrade shows at once
}


def web_file(web_dir: Path, relative: str) -> Path:
    """The file under ``web_dir`` (settings.web_dir) for a URL path, or 404 for anything outside it or of an
    unknown type."""
    if not relative or "\\" in relative or "\x00" in relative:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    root = Path(web_dir).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix not in CONTENT_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    return path


def serve(path: Path) -> FileResponse:
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.get("/", include_in_schema=False)
def index_page(settings: SettingsDep) -> FileResponse:
    return serve(web_file(settings.web_dir, "index.html"))


@router.get("/favicon.ico", include_in_schema=False)
def favicon(settings: SettingsDep) -> FileResponse:
    return serve(web_file(settings.web_dir, "favicon.svg"))


@router.get("/static/{relative:path}", include_in_schema=False)
def static_file(relative: str, settings: SettingsDep) -> FileResponse:
    return serve(web_file(settings.web_dir, relative))
