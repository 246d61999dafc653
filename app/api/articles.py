"""GET /v1/articles/{source_id}: the whole article behind a citation, so a reader can open what was cited."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.api.deps import SettingsDep
from app.api.schemas import ErrorOut
from app.knowledge.articles import ARTICLE_SUFFIXES, read_article
from app.backends.vector_index import folders_by_label
from app.knowledge.library import FolderRegistry

router = APIRouter(prefix="/v1", tags=["articles"])

MAX_SOURCE_ID_CHARS = 500


class ArticleOut(BaseModel):
    source_id: str = Field(examples=["knowledge/for-the-distancer-why-i-shut-down.md"])
    title: str = Field(examples=["For the distancer: why I shut down"])
    source: str = Field(examples=["Tracy Askilsrud, a couples therapist's blog"])
    topics: list[str] = Field(examples=[["distancer", "flooding"]])
    text: str = Field(description="The article's text (Markdown for .md files, plain text otherwise).")


def article_path(source_id: str, folders: dict[str, Path]) -> tuple[Path, Path, str] | None:
    """(file, its folder, the folder's label) for a source_id, or None when it names nothing readable inside a folder."""
    if not source_id or len(source_id) > MAX_SOURCE_ID_CHARS or "\\" in source_id or "\x00" in source_id:
        return None
    label, _, relative = source_id.partition("/")
    folder = folders.get(label)
    parts = relative.split("/")
    if folder is None or not relative or any(part in {"", ".", ".."} or part.startswith(".") for part in parts):
        return None
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file() or path.suffix.lower() not in ARTICLE_SUFFIXES:
        return None
    return path, folder, label


@router.get(
    "/articles/{source_id:path}",
    response_model=ArticleOut,
    responses={404: {"model": ErrorOut}},
    summary="The full article a citation points to (source_id as given in sources)",
)
def get_article(source_id: str, settings: SettingsDep) -> ArticleOut:
    folders = folders_by_label(FolderRegistry(settings.data_dir, settings.knowledge_dirs).folders())
    found = article_path(source_id, folders)
    article = read_article(found[0], found[1], found[2]) if found else None
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such article in the knowledge base")
    return ArticleOut(source_id=article.source_id, title=article.title, source=article.source, topics=article.topics, text=article.text)
