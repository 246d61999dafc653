"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"], description="ready or not_ready")
    index: dict = Field(examples=[{"ready": True, "chunks": 112, "detail": "ok"}])
    llm: dict = Field(examples=[{"ready": True, "backend": "none", "detail": "no LLM configured"}])
    models: dict = Field(
        default_factory=dict,
        examples=[{"ready": True, "detail": "ok", "embedder": "all-MiniLM-L6-v2", "detect": "model", "screen": ["rules", "model"], "intent": "model"}],
        description="The trained heads: when not ready (missing or mismatched), the service falls back to the rules and says why.",
    )


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "index or backend not ready"}},
    summary="The index is loaded and the LLM backend reachable",
)
def readyz(request: Request):
    services = getattr(request.app.state, "services", None)
    if services is None:
        body = Readiness(status="not_ready", index={"ready": False, "detail": "starting"}, llm={"ready": False})
        return JSONResponse(body.model_dump(), status_code=503)
    index = services.index_status
    llm = services.llm_status
    ready = index.ready and llm.ready
    body = Readiness(
        status="ready" if ready else "not_ready",
        index={"ready": index.ready, "chunks": index.chunks, "detail": index.detail},
        llm={"ready": llm.ready, "backend": services.settings.llm.backend, "detail": llm.detail},
        models=dict(vars(services.models_status)) if services.models_status is not None else {},
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
