"""The FastAPI app factory: ``uvicorn app.main:create_app --factory``."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from app import __version__
from app.api import ask, chat_completions, health, rewrite, sessions, together
from app.api import web
from app.api.limits import BodySizeLimit
from app.api.rate_limit import RateLimitMiddleware, build_rate_limiter
from app.api.schemas import COMMON_RESPONSES
from app.data_check import check_data
from app.rule_data import DataFileError
from app.services import Services, build_services
from app.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Softstart coaches people caught in the pursuer–distancer cycle: it rewrites a harsh message into a soft "
    "start-up, coaches through a live conflict, and answers questions from its knowledge base with citations. "
    "It runs offline; every response carries a `safety` object."
)


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    detail = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        message = error.get("msg", "invalid value").removeprefix("Value error, ")
        detail.append({"loc": list(error.get("loc", ())), "msg": f"{location}: {message}", "type": error.get("type", "")})
    return detail


def refuse_to_start_on_bad_data(settings: Settings) -> None:
    try:
        check_data(settings)
    except DataFileError as exc:
        log.error("cannot start: %s", exc)
        raise SystemExit(f"softstart: cannot start: {exc}") from None


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings, or ready-made services to skip start-up work.

    Without services, the locale's data and prompts are checked first: a missing or malformed file ends the
    process with one line (the file, the rule, the problem) instead of a traceback from the lifespan."""
    settings = settings or get_settings()
    if services is None:
        refuse_to_start_on_bad_data(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        started = time.perf_counter()
        app.state.services = services or build_services(settings)
        log.info("Softstart ready in %.1f s (index: %s)", time.perf_counter() - started, app.state.services.index_status.detail)
        yield
        app.state.services = None

    app = FastAPI(title="Softstart", version=__version__, description=DESCRIPTION, lifespan=lifespan, responses=COMMON_RESPONSES)
    app.state.settings = settings
    app.state.services = None

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RateLimitMiddleware, limiter=build_rate_limiter(settings.rate_limit_per_minute, settings.redis_url))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the problem was logged"}, status_code=500)

    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(rewrite.router)
    app.include_router(sessions.router)
    app.include_router(together.router)
    app.include_router(chat_completions.router)
    app.include_router(web.router)
    return app
