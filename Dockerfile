# Softstart: multi-stage image. The dependency layer is cached before the code is copied.
# Build:  docker build -t softstart .            (add --build-arg EXTRAS=local-llm for in-process llama.cpp)
# Run:    docker run -p 8000:8000 -v softstart-data:/data softstart
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG EXTRAS=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 UV_LINK_MODE=copy
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir uv \
 && /opt/venv/bin/uv pip install --python /opt/venv/bin/python --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple "torch==2.13.0"
# dependencies first (cached while only code changes)
COPY pyproject.toml README.md ./
RUN mkdir -p app && touch app/__init__.py \
 && /opt/venv/bin/uv pip install --python /opt/venv/bin/python \
    -C "cmake.args=-DGGML_NATIVE=OFF;-DGGML_AVX2=ON;-DGGML_AMX_TILE=OFF;-DGGML_AMX_INT8=OFF;-DGGML_AMX_BF16=OFF" \
    ".${EXTRAS:+[$EXTRAS]}" \
 && /opt/venv/bin/uv pip uninstall --python /opt/venv/bin/python softstart
COPY setup.py ./
COPY app ./app
COPY evals ./evals
COPY prompts ./prompts
COPY knowledge ./knowledge
# a non-editable install: setup.py copies prompts/ and knowledge/ into the wheel (app/bundled/), so the
# package runs without the folders below too; the image still keeps editable copies under /srv/softstart.
RUN /opt/venv/bin/uv pip install --python /opt/venv/bin/python --no-deps .

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False \
    SOFTSTART_DATA_DIR=/data SOFTSTART_KNOWLEDGE_DIRS='["/srv/softstart/knowledge"]' SOFTSTART_PROMPTS_DIR=/srv/softstart/prompts
RUN useradd --create-home --uid 10001 softstart && mkdir -p /data && chown softstart /data && chmod 700 /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/prompts /srv/softstart/prompts
COPY --from=build /src/knowledge /srv/softstart/knowledge
USER softstart
WORKDIR /srv/softstart
VOLUME ["/data"]
EXPOSE 8000
# the index is built on first start (about a minute) and kept in the /data volume
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status==200 else 1)"
CMD ["uvicorn", "app.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
