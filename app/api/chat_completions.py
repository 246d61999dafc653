"""The OpenAI-compatible endpoint: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Any chat client (Open WebUI, LibreChat, the ``openai`` library, the ``llm`` CLI) can talk to the
coach. Bodies are parsed here, not by FastAPI, so that every bad request gets OpenAI's error
shape (``{"error": {"message", "type", "param", "code"}}``) with a 4xx. Authentication:
``Authorization: Bearer <key>`` with a key from ``chat_clients.api_keys``; with no keys
configured only loopback clients are served. The coaching itself is in ``app.chat_clients``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
import uuid
from typing import Any, Iterator, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.chat_clients.models import MODELS, MODEL_IDS, UnknownModel
from app.chat_clients.replies import AnswerUnavailable, ChatClientReplies, ClientMessage
from app.reply.chunks import reply_chunks
from app.sessions.conversation import ReplyFailed
from app.sessions.store.couples import CoupleStore

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["chat clients (OpenAI-compatible)"])

USER_HEADER = "x-softstart-user"
MAX_CONTENT_CHARS = 4000
CREATED_BY = "softstart"


# ---------------------------------------------------------------------- request schema
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=200, examples=["softstart-coach"])
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=2000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=256, description="A stable id: the conversation is stored and its memory carries over.")


def _inlined_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` inlined (the OpenAPI document has no place for them)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


# ---------------------------------------------------------------------- errors
def openai_error(status: int, message: str, *, kind: str = "invalid_request_error", param: str | None = None, code: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status_code=status)


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
            "required": ["message", "type"],
        }
    },
    "required": ["error"],
}
ERROR_RESPONSES = {
    code: {"description": why, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for code, why in (
        (400, "Malformed body, or no user message."),
        (401, "Missing or wrong API key (or a non-loopback client when no keys are configured)."),
        (404, "Unknown model; the message lists the models."),
        (503, "The coach could not reply just now."),
    )
}


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _authorized(request: Request) -> tuple[bool, str]:
    """(allowed, the key's identity for mapping ``user`` to a session)."""
    keys = request.app.state.settings.chat_clients.api_keys
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    presented = presented.strip() if scheme.lower() == "bearer" else ""
    if not keys:
        return _is_loopback(request.client.host if request.client else None), "loopback"
    matched = [key for key in keys if hmac.compare_digest(presented.encode(), key.encode())]
    return (bool(matched), matched[0] if matched else "")


def _unauthorized() -> JSONResponse:
    return openai_error(401, "Missing or invalid API key: send Authorization: Bearer <key>.", code="invalid_api_key")


# ---------------------------------------------------------------------- conversion
def _text_of(message: ChatMessageIn) -> str:
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(part.text for part in message.content if part.type == "text" and part.text)


def _conversation(request_body: ChatCompletionRequest) -> list[ClientMessage]:
    out = []
    for seq, message in enumerate(request_body.messages, start=1):
        if message.role not in ("user", "assistant"):
            continue
        text = _text_of(message).replace("\x00", "")[:MAX_CONTENT_CHARS]
        out.append(ClientMessage(seq=seq, role="user" if message.role == "user" else "coach", text=text))
    return out


def _words(text: str) -> int:
    return len(text.split())


def _usage(conversation: list[ClientMessage], reply: str) -> dict[str, int]:
    prompt = sum(_words(m.text) for m in conversation)
    completion = _words(reply)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(model: str, reply: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop", "logprobs": None}],
        "usage": usage,
        "system_fingerprint": None,
    }


def _chunks(model: str, reply: str, usage: dict[str, int], include_usage: bool) -> Iterator[bytes]:
    """``chat.completion.chunk`` events whose contents add up to the reply, then ``[DONE]``."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()), "model": model, "system_fingerprint": None}

    def event(choices: list, **extra: Any) -> bytes:
        return f"data: {json.dumps({**base, 'choices': choices, **extra}, ensure_ascii=False)}\n\n".encode("utf-8")

    yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None, "logprobs": None}])
    for piece in reply_chunks(reply):
        yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None, "logprobs": None}])
    yield event([{"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}], **({"usage": None} if include_usage else {}))
    if include_usage:
        yield event([], usage=usage)
    yield b"data: [DONE]\n\n"


# ---------------------------------------------------------------------- routes
@router.get(
    "/models",
    operation_id="list_models",
    responses={200: {"description": "The models.", "content": {"application/json": {"schema": {"type": "object"}}}}, 401: ERROR_RESPONSES[401]},
    summary="The coach's modes as OpenAI models (softstart-coach, softstart-rewrite, softstart-ask)",
)
def list_models(request: Request):
    allowed, _ = _authorized(request)
    if not allowed:
        return _unauthorized()
    return {
        "object": "list",
        "data": [{"id": m.id, "object": "model", "created": 0, "owned_by": CREATED_BY, "description": m.description} for m in MODELS],
    }


@router.post(
    "/chat/completions",
    operation_id="create_chat_completion",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _inlined_schema(ChatCompletionRequest)}}}
    },
    responses={
        200: {
            "description": "A chat.completion, or with stream: true server-sent chat.completion.chunk events ending in [DONE].",
            "content": {"application/json": {"schema": {"type": "object"}}, "text/event-stream": {"schema": {"type": "string"}}},
        },
        **ERROR_RESPONSES,
    },
    summary="Talk to the coach from any OpenAI-compatible chat client",
)
async def chat_completions(request: Request):
    allowed, key_identity = _authorized(request)
    if not allowed:
        return _unauthorized()
    try:
        raw = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return openai_error(400, "The body must be a JSON object.")
    try:
        body = ChatCompletionRequest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0] if error.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())) or None
        return openai_error(400, f"{param or 'body'}: {first.get('msg', 'invalid value')}", param=param)
    if body.model not in MODEL_IDS:
        return openai_error(404, str(UnknownModel(body.model)), param="model", code="model_not_found")
    conversation = _conversation(body)
    if not any(m.role == "user" and m.text.strip() for m in conversation):
        return openai_error(400, "messages must contain a user message with text.", param="messages")
    user = (body.user or request.headers.get(USER_HEADER) or "").strip()
    client_key = f"{key_identity}\x1f{user}" if user else None
    services = request.app.state.services
    replies = ChatClientReplies(services, CoupleStore(services.db_engine))
    try:
        reply = await run_in_threadpool(replies.reply, body.model, conversation, client_key)
    except AnswerUnavailable as exc:
        return openai_error(503, f"The knowledge index is not ready: {exc}", kind="server_error")
    except ReplyFailed:
        return openai_error(503, "The coach could not reply just now; please try again.", kind="server_error")
    usage = _usage(conversation, reply.text)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _chunks(body.model, reply.text, usage, include_usage),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return _completion(body.model, reply.text, usage)
