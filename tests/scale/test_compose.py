"""compose.yaml and deploy/nginx.conf, checked without Docker: parsed, and held against the code.

The app's environment is read by the real ``Settings``; every service it talks to must exist in
the file, on the port that service listens on.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from app.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = REPO_ROOT / "compose.yaml"
DEPENDENCY_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SETTINGS_PREFIX = "SOFTSTART_"


# ---------------------------------------------------------------------- reading the files
def interpolate(value, given: dict[str, str]):
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` with the variables ``given``."""
    if isinstance(value, dict):
        return {key: interpolate(item, given) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, given) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        if given.get(name):
            return given[name]
        if op.endswith("?"):
            raise KeyError(f"{name} is required: {arg}")
        return arg if op.endswith("-") else ""

    return INTERPOLATION.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return interpolate(raw, {"POSTGRES_PASSWORD": "from-the-environment"})


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def dependencies(service: dict) -> dict[str, str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()}


def listening_ports(service: dict) -> set[int]:
    ports = {int(str(p).split(":")[-1].split("/")[0]) for p in service.get("expose", [])}
    command = service.get("command") or []
    if "--port" in command:
        ports.add(int(command[command.index("--port") + 1]))
    return ports


def settings_field_path(variable: str) -> list[str]:
    """``SOFTSTART_LLM__BASE_URL`` -> ["llm", "base_url"], checked against the Settings model."""
    parts = variable.removeprefix(SETTINGS_PREFIX).lower().split("__")
    model = Settings
    for depth, part in enumerate(parts):
        fields = model.model_fields
        assert part in fields, f"{variable}: {part!r} is not a setting (known: {', '.join(sorted(fields))})"
        if depth < len(parts) - 1:
            model = fields[part].annotation
            assert hasattr(model, "model_fields"), f"{variable}: {part!r} has no nested settings"
    return parts


def nginx_blocks(text: str) -> list:
    """nginx.conf as nested lists: a directive is [name, *args]; a block is [name, *args, [children]]."""
    tokens = re.findall(r'"[^"]*"|[{};]|[^\s{};]+', re.sub(r"#[^\n]*", "", text))
    stack: list[list] = [[]]
    current: list[str] = []
    for token in tokens:
        if token == "{":
            block = [*current, []]
            stack[-1].append(block)
            stack.append(block[-1])
            current = []
        elif token == "}":
            assert not current, f"unterminated directive before }}: {current}"
            stack.pop()
        elif token == ";":
            stack[-1].append(current)
            current = []
        else:
            current.append(token.strip('"'))
    assert len(stack) == 1 and not current, "unbalanced braces in nginx.conf"
    return stack[0]


def find(blocks: list, name: str) -> list[list]:
    return [entry for entry in blocks if entry and entry[0] == name]


def children(block: list) -> list:
    return block[-1]


# ---------------------------------------------------------------------- compose.yaml
def test_every_service_has_an_image_or_a_build(services):
    assert {"proxy", "app", "chroma", "postgres", "redis", "model"} <= set(services)
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        build = service.get("build")
        if build:
            context = REPO_ROOT / (build if isinstance(build, str) else build.get("context", "."))
            assert (context / "Dockerfile").is_file(), name


def test_dependencies_exist_and_health_conditions_have_healthchecks(services):
    for name, service in services.items():
        for target, condition in dependencies(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert condition in DEPENDENCY_CONDITIONS, f"{name} -> {target}: {condition}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is a one-shot job and must not restart"


def test_long_running_services_have_healthchecks(services):
    for name, service in services.items():
        if service.get("restart") == "no":
            continue
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_only_the_proxy_publishes_a_port_and_the_app_runs_replicas(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["app"]["deploy"]["replicas"] >= 2
    host, container = services["proxy"]["ports"][0].split(":")
    assert int(host) > 0 and container == "80"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                if name == "proxy":
                    assert (REPO_ROOT / source).is_file(), f"{name} mounts missing {source}"
                continue
            assert source in declared, f"{name} uses undeclared volume {source}"


@pytest.mark.parametrize("service_name", ["app", "indexer"])
def test_app_environment_is_real_settings_pointing_at_real_services(services, service_name, monkeypatch):
    env = environment(services[service_name])
    softstart = {key: value for key, value in env.items() if key.startswith(SETTINGS_PREFIX)}
    for variable in softstart:
        settings_field_path(variable)
    for variable in list(os.environ):
        if variable.startswith(SETTINGS_PREFIX):
            monkeypatch.delenv(variable)
    for key, value in softstart.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)

    assert settings.environment == "production"
    assert settings.vector_store.mode == "http"
    assert settings.vector_store.host in services
    assert settings.vector_store.port in listening_ports(services[settings.vector_store.host])

    database = urlsplit(settings.database_url)
    assert database.scheme == "postgresql+psycopg" and database.hostname in services
    postgres_env = environment(services[database.hostname])
    assert database.username == postgres_env["POSTGRES_USER"] and database.path == "/" + postgres_env["POSTGRES_DB"]
    assert database.password == postgres_env["POSTGRES_PASSWORD"] == "from-the-environment"
    assert database.port in listening_ports(services[database.hostname])

    redis = urlsplit(settings.redis_url)
    assert redis.hostname in services and redis.port in listening_ports(services[redis.hostname])
    assert settings.rate_limit_per_minute > 0

    assert settings.llm.backend == "openai"
    model = urlsplit(settings.llm.base_url)
    assert model.hostname in services and model.port in listening_ports(services[model.hostname])
    assert model.path == "/v1"
    if service_name == "app":
        assert settings.build_index_on_start is False  # the indexer job builds the index once


def test_a_settings_variable_that_does_not_exist_is_caught():
    with pytest.raises(AssertionError, match="not a setting"):
        settings_field_path("SOFTSTART_VECTOR_STORE__HOSTNAME")
    assert settings_field_path("SOFTSTART_LLM__BASE_URL") == ["llm", "base_url"]


def test_a_missing_database_password_stops_compose():
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(raw, {})


def test_the_app_trusts_the_proxy_for_client_addresses(services):
    command = services["app"]["command"]
    assert command[:3] == ["uvicorn", "app.main:create_app", "--factory"]
    assert "--proxy-headers" in command and "--forwarded-allow-ips" in command


# ---------------------------------------------------------------------- deploy/nginx.conf
def test_nginx_balances_over_the_app_service_and_streams_events(services):
    mount = next(v for v in services["proxy"]["volumes"] if v.endswith(":/etc/nginx/nginx.conf:ro"))
    conf = nginx_blocks((REPO_ROOT / mount.split(":")[0]).read_text(encoding="utf-8"))
    http = children(find(conf, "http")[0])
    upstream = find(http, "upstream")[0]
    app_port = next(iter(listening_ports(services["app"])))
    servers = [entry[1] for entry in find(children(upstream), "server")]
    assert servers == [f"app:{app_port}"]
    assert find(http, "resolver"), "without a resolver nginx never sees new replicas"

    server = children(find(http, "server")[0])
    assert find(server, "listen")[0][1] == "80"
    assert find(server, "client_max_body_size")[0][1] == "64k"
    forwarded = [entry for entry in find(server, "proxy_set_header") if entry[1] == "X-Forwarded-For"]
    assert forwarded == [["proxy_set_header", "X-Forwarded-For", "$remote_addr"]]
    locations = {entry[1]: children(entry) for entry in find(server, "location")}
    assert find(locations["/"], "proxy_pass")[0][1] == f"http://{upstream[1]}"
    sessions = locations["/v1/sessions/"]
    assert find(sessions, "proxy_pass")[0][1] == f"http://{upstream[1]}"
    assert find(sessions, "proxy_buffering")[0][1] == "off"
