"""Property-based fuzzing of the whole OpenAPI schema with schemathesis, in-process over ASGI.

Every operation gets generated requests, valid and invalid (wrong types, huge and odd strings,
control characters, missing fields). Every response must be documented, match its schema, never
be a 5xx. Session routes are fuzzed both with made-up ids and tokens and, for half of the cases,
with a real session's id and token, so the coach itself runs on generated text.

The real services (index, SQLite database, safety screen, rewriter) stand behind the app. A longer
run against a live server is a command: see "Fuzzing" in bench/RESULTS.md.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 40  # per operation and mode; `schemathesis run` (bench/RESULTS.md) goes further
CHAT_CLIENT_KEY = "fuzz-key"
CHAT_CLIENT_ROUTES = ("/v1/chat/completions", "/v1/models")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_app(app_settings, services):
    """The app, started (its lifespan ran), as schemathesis calls it over ASGI."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    from app.settings import ChatClientSettings

    settings = app_settings.model_copy(update={"chat_clients": ChatClientSettings(api_keys=[CHAT_CLIENT_KEY])})
    app = create_app(settings, services=services)
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(scope="module")
def new_session(fuzz_app):
    """Makes a real session, so generated messages reach the coach."""
    from fastapi.testclient import TestClient

    client = TestClient(fuzz_app)  # not entered: the app is already started (entering would stop it after)

    def make() -> dict:
        return client.post("/v1/sessions").json()

    return make


def test_the_schema_covers_every_route(api_schema):
    labels = {f"{op.method.upper()} {op.path}" for op in operations(api_schema)}
    for expected in ("POST /v1/rewrite", "POST /v1/ask", "POST /v1/sessions", "POST /v1/sessions/{session_id}/messages",
                     "GET /v1/sessions/{session_id}/messages", "DELETE /v1/sessions/{session_id}",
                     "GET /v1/articles/{source_id}", "GET /v1/help", "GET /healthz", "GET /readyz",
                     "POST /v1/sessions/{session_id}/invite", "POST /v1/together/join", "GET /v1/sessions/{session_id}/together",
                     "POST /v1/sessions/{session_id}/together/share", "GET /v1/sessions/{session_id}/together/draft",
                     "POST /v1/sessions/{session_id}/together/agree", "PUT /v1/sessions/{session_id}/together/role",
                     "POST /v1/sessions/{session_id}/together/leave", "POST /v1/chat/completions", "GET /v1/models"):
        assert expected in labels, sorted(labels)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_answers_5xx_or_breaks_its_schema(api_schema, new_session, mode):
    fuzzed, calls = [], {}
    for operation in operations(api_schema):
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=strategy, use_real_session=st.booleans())
        def fuzz(case, use_real_session):
            if "session_id" in (case.path_parameters or {}) and use_real_session:
                session = new_session()
                case.path_parameters["session_id"] = session["id"]
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {session['token']}"}
            if case.path in CHAT_CLIENT_ROUTES and use_real_session:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {CHAT_CLIENT_KEY}"}
            case.call_and_validate(checks=CHECKS)
            calls[label] = calls.get(label, 0) + 1

        label = f"{operation.method.upper()} {operation.path}"
        try:
            fuzz()
        except Unsatisfiable:  # nothing to make invalid: no body, and any string is a valid path segment
            assert mode is GenerationMode.NEGATIVE and not operation.body, label
            continue
        fuzzed.append(label)
    must_fuzz = {
        "POST /v1/rewrite", "POST /v1/ask", "POST /v1/sessions/{session_id}/messages", "POST /v1/chat/completions",
        "POST /v1/together/join", "POST /v1/sessions/{session_id}/together/share", "PUT /v1/sessions/{session_id}/together/role",
    }
    if mode is GenerationMode.POSITIVE:
        must_fuzz |= {
            "GET /v1/articles/{source_id}", "GET /v1/sessions/{session_id}/messages", "DELETE /v1/sessions/{session_id}",
            "POST /v1/sessions/{session_id}/invite", "GET /v1/sessions/{session_id}/together", "GET /v1/models",
            "GET /v1/sessions/{session_id}/together/draft", "POST /v1/sessions/{session_id}/together/agree",
            "POST /v1/sessions/{session_id}/together/leave",
        }
    assert must_fuzz <= set(fuzzed), fuzzed
    many = {"POST /v1/rewrite", "POST /v1/ask", "POST /v1/sessions/{session_id}/messages", "POST /v1/chat/completions",
            "POST /v1/together/join", "POST /v1/sessions/{session_id}/together/share"}
    assert all(calls.get(label, 0) >= MAX_EXAMPLES // 2 for label in many), calls  # the rest have few distinct inputs
    print(f"{mode.value}: requests per operation {calls}")
