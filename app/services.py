"""The long-lived parts of the service, built once from settings and shared by requests."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from langchain_core.language_models import BaseChatModel

from sqlalchemy.engine import Engine

from app.answer.composer import AnswerComposer, ComposerWeights
from app.answer.service import Answerer
from app.knowledge.expansion import QueryExpander
from app.knowledge.hybrid import HybridRetriever, RetrievalParams
from app.knowledge.lexical import LexicalIndex
from app.detect import analyzer
from app.sessions.conversation import Conversations
from app.reply.service import ChatCoach
from app.reply.signals import CueBook
from app.reply.techniques import TechniqueCatalogue
from app.detect.lexicon import load_lexicon
from app.rewrite.message_parser import load_parser
from app.rewrite.rewriter import Rewriter
from app.backends.embeddings import MiniLMEmbedder
from app.backends.vector_index import IndexReport, IndexUnavailable, KnowledgeIndex, make_chroma_client
from app.knowledge.library import FolderRegistry
from app.backends.llm.factory import build_chat_model
from app.locale_data import SAFETY_LANGUAGES, LocaleData
from app.prompts import PromptLibrary
from app.screen.resources import load_resources
from app.language_id import LanguageDetector
from app.models.build import build_head_embedder, embedder_path
from app.models.engines import ModelSafetyCheck, RulesDetector, choose_detector, choose_intent_reader
from app.models.heads import HeadsUnavailable
from app.models.reader import ModelReader
from app.screen.screen import SafetyScreen, load_language_books, load_rule_book
from app.screen.semantic import SemanticSafetyCheck
from app.pipeline.answer_job import AnswerJob
from app.pipeline.engines import LOCAL_LLM_INSTALL, EngineUnavailable, check_engine_names, require_package
from app.pipeline.rewrite_job import RewriteJob
from app.settings import Settings
from app.sessions.store.db import make_engine, upgrade_database
from app.sessions.store.couples import CoupleStore
from app.sessions.store.repository import SessionStore
from app.together.service import Together

log = logging.getLogger(__name__)


@dataclass
class IndexStatus:
    ready: bool = False
    chunks: int = 0
    detail: str = "not built yet"
    last_report: IndexReport | None = None


@dataclass
class LLMStatus:
    ready: bool = True
    detail: str = "no LLM configured: our own composer writes every reply"


@dataclass
class ModelsStatus:
    ready: bool = False
    detail: str = "not loaded"
    embedder: str | None = None
    detect: str = "rules"
    screen: list[str] | None = None
    intent: str = "rules"


@dataclass
class Services:
    settings: Settings
    prompts: PromptLibrary
    embedder: MiniLMEmbedder
    index: KnowledgeIndex | None
    index_status: IndexStatus
    llm: BaseChatModel | None
    llm_status: LLMStatus
    answerer: Answerer | None
    safety: SafetyScreen
    rewriter: Rewriter
    db_engine: Engine
    sessions: SessionStore
    coach: ChatCoach
    conversations: Conversations
    models_status: ModelsStatus | None = None
    reader: ModelReader | None = None
    analyzer: analyzer.ConflictAnalyzer | None = None

    @property
    def together(self) -> Together:
        """Two partners over this session store (cheap to build: it holds no state of its own)."""
        return Together(
            self.sessions, CoupleStore(self.db_engine), self.prompts,
            self.analyzer.analyze if self.analyzer is not None else analyzer.analyze,
            invite_ttl=timedelta(minutes=self.settings.together.invite_ttl_minutes),
        )

    @property
    def rewrite_job(self) -> RewriteJob:
        """The rewrite job with its safety stage: what routers, the CLI and chat clients call."""
        return RewriteJob(screen=self.safety, rewriter=self.rewriter)

    @property
    def answer_job(self) -> AnswerJob:
        """The answer job with its safety stage (it screens even while the index is not ready)."""
        return AnswerJob(screen=self.safety, answerer=self.answerer, unavailable=self.index_status.detail)

    @property
    def llm_model_name(self) -> str | None:
        return self.settings.llm.model if self.llm is not None else None


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def open_index(settings: Settings, embedder: MiniLMEmbedder) -> KnowledgeIndex:
    client = make_chroma_client(
        settings.vector_store.mode, settings.index_dir, settings.vector_store.host, settings.vector_store.port
    )
    return KnowledgeIndex(
        client,
        embedder,
        collection=settings.vector_store.collection,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
    )


def sync_index(settings: Settings, index: KnowledgeIndex, progress: Callable[[int, int], None] | None = None) -> IndexReport:
    registry = FolderRegistry(settings.data_dir, settings.knowledge_dirs)
    return index.sync_folders(registry.folders(), progress=progress)


def open_and_sync_index(settings: Settings, embedder: MiniLMEmbedder) -> tuple[KnowledgeIndex | None, IndexStatus]:
    """Open the index and bring it up to date; an unreadable embedded index is set aside and rebuilt."""
    for attempt in (1, 2):
        try:
            index = open_index(settings, embedder)
            report = sync_index(settings, index) if settings.build_index_on_start else None
            chunks = index.count()
            if chunks == 0:
                return index, IndexStatus(False, 0, "the index is empty: add articles and run `softstart index`", report)
            return index, IndexStatus(True, chunks, "ok", report)
        except (IndexUnavailable, Exception) as exc:  # chromadb raises assorted errors on damaged files
            log.error("index unavailable (attempt %d): %s", attempt, exc)
            if attempt == 1 and settings.vector_store.mode == "embedded" and settings.index_dir.exists():
                aside = settings.index_dir.with_name(f"chroma.corrupt-{int(time.time())}")
                shutil.move(str(settings.index_dir), aside)
                log.warning("moved the unreadable index to %s and rebuilding it", aside)
                continue
            return None, IndexStatus(False, 0, f"index unavailable: {exc}")
    return None, IndexStatus(False, 0, "index unavailable")


def build_llm(settings: Settings) -> tuple[BaseChatModel | None, LLMStatus]:
    if settings.llm.backend == "none":
        return None, LLMStatus()
    try:
        llm = build_chat_model(settings.llm)
    except Exception as exc:
        log.error("LLM backend %s could not be built: %s", settings.llm.backend, exc)
        return None, LLMStatus(False, f"{settings.llm.backend} backend unavailable: {exc}; using our composer")
    return llm, LLMStatus(True, f"{settings.llm.backend} backend ready ({settings.llm.model})")


def load_reader(settings: Settings, embedder: MiniLMEmbedder) -> tuple[ModelReader | None, str]:
    """The trained heads over their embedder, or ``None`` and why (the service then uses the rules)."""
    wanted = "model" in settings.detect.engines or "model" in settings.screen.engines or "model" in settings.chat.intent_engines
    if not wanted:
        return None, "the model engine is not in any engine list"
    try:
        reader = ModelReader.load(build_head_embedder(settings, embedder), settings.models.heads_dir, embedder_path(settings))
        reader.warm_up()
    except (HeadsUnavailable, OSError, ImportError, ValueError) as exc:
        log.error("model engine unavailable, using the rules: %s", exc)
        return None, str(exc)
    return reader, "ok"


def build_writer(settings: Settings):
    """The trained writer (``app.writer``) when ``model`` is in the rewrite engines, else None."""
    if "model" not in settings.rewrite.engines:
        return None
    try:
        require_package("llama_cpp", setting="rewrite.engines", engine="model", install=LOCAL_LLM_INSTALL)
        from app.writer.engine import TrainedWriter
    except (EngineUnavailable, ImportError) as exc:
        log.error("%s; the next rewrite engine answers", exc)
        return None
    return TrainedWriter(settings)


def safety_resources_path(settings: Settings) -> Path:
    """The crisis resources file: the setting's, else the locale's."""
    return settings.safety.resources_file or LocaleData.from_settings(settings).safety_resources


def build_safety_screen(settings: Settings, prompts: PromptLibrary, embedder: MiniLMEmbedder, reader: ModelReader | None = None) -> SafetyScreen:
    """Rules (English and the other languages' rule data) OR the model; optionally the semantic stage."""
    locale = LocaleData.from_settings(settings)
    semantic = None
    if settings.safety.semantic:
        semantic = SemanticSafetyCheck(embedder, locale.safety_exemplars)
        semantic.warm_up()  # embeds the exemplars at start-up, not on someone's first message
    model = ModelSafetyCheck(reader) if reader is not None and "model" in settings.screen.engines else None
    return SafetyScreen(
        load_resources(settings.safety.region, safety_resources_path(settings)), prompts,
        load_rule_book(locale.safety_rules, locale.safety_lexicon), semantic=semantic,
        model=model, language_books=load_language_books(SAFETY_LANGUAGES, locale.safety_book), detect_language=LanguageDetector(),
        use_rules="rules" in settings.screen.engines or model is None,
    )


def build_answerer(settings: Settings, index: KnowledgeIndex, prompts: PromptLibrary, llm: BaseChatModel | None,
                   *, screen: SafetyScreen | None = None) -> Answerer:
    """Hybrid (or dense) retrieval, the glossary's synonyms, the composer, and the LLM when there is one
    (its answers screened by ``screen`` and bounded by ``settings.llm.timeout_s``)."""
    expander = QueryExpander.from_file(settings.retrieval.synonyms_file or LocaleData.from_settings(settings).synonyms)
    match settings.retrieval.mode:
        case "hybrid":
            lexical = LexicalIndex(index.all_chunks, index.count)
        case "dense":
            lexical = None
        case mode:
            raise ValueError(f"retrieval mode {mode!r} is not supported. Available: hybrid, dense")
    retriever = HybridRetriever(index, lexical, expander, retrieval_params(settings))
    return Answerer(
        retriever,
        AnswerComposer(prompts, expander, weights=composer_weights(settings), max_words=settings.answer.max_words),
        prompts,
        llm=llm,
        llm_name=settings.llm.backend if llm is not None else "none",
        llm_model=settings.llm.model,
        llm_timeout_s=settings.llm.timeout_s,
        screen=screen,
        engines=settings.answer.engines,
    )


def composer_weights(settings: Settings) -> ComposerWeights:
    a = settings.answer
    return ComposerWeights(overlap=a.overlap, form=a.form, rank=a.rank, support_ratio=a.support_ratio)


def retrieval_params(settings: Settings) -> RetrievalParams:
    r = settings.retrieval
    return RetrievalParams(
        candidates=r.candidates, rrf_k=r.rrf_k, dense_weight=r.dense_weight, lexical_weight=r.lexical_weight,
        min_dense=settings.relevance_threshold, min_sentence=r.min_sentence, passages=r.passages,
        coverage=tuple(r.coverage), min_coverage=r.min_coverage,
        per_article=r.per_article, related_weight=r.related_weight,
    )


def build_analyzer(locale: LocaleData, prompts: PromptLibrary) -> analyzer.ConflictAnalyzer:
    return analyzer.build_analyzer(prompts, load_lexicon(locale.analyzer_lexicon, locale.topics))


def build_services(settings: Settings, *, embedder: MiniLMEmbedder | None = None) -> Services:
    """Everything the service needs, from settings. A missing or malformed data or prompt file raises
    ``DataFileError`` (one line: the file, the rule, the problem) before anything else starts."""
    check_engine_names(settings)  # an unknown engine stops start-up with one line
    locale = LocaleData.from_settings(settings)
    locale.check()
    prompts = PromptLibrary(locale.prompts_dir)
    rules_analyzer = build_analyzer(locale, prompts)
    techniques = TechniqueCatalogue.load(locale.techniques, settings.knowledge_dirs)
    cues = CueBook.load(locale.cues)
    ensure_private_dir(settings.data_dir)
    embedder = embedder or MiniLMEmbedder(settings.embedding_model_path, threads=settings.embedding_threads)
    index, index_status = open_and_sync_index(settings, embedder)
    llm, llm_status = build_llm(settings)
    llm_name = settings.llm.backend if llm is not None else "none"
    timeout_s = settings.llm.timeout_s  # one time limit for every model call in every job
    reader, reader_detail = load_reader(settings, embedder)
    safety = build_safety_screen(settings, prompts, embedder, reader)
    answerer = None
    if index is not None:
        answerer = build_answerer(settings, index, prompts, llm, screen=safety)
    detect = choose_detector(settings.detect.engines, rules_analyzer, reader, prompts, reader_detail)
    intent_reader = choose_intent_reader(settings.chat.intent_engines, reader)
    models_status = ModelsStatus(
        ready=reader is not None, detail=reader_detail,
        embedder=reader.name if reader is not None else None, detect=detect.name,
        screen=safety.engines, intent=intent_reader.name if intent_reader is not None else "rules",
    )
    rewriter = Rewriter(
        analyze=detect, embedder=embedder, prompts=prompts, locale=locale, llm=llm, llm_name=llm_name, llm_model=settings.llm.model,
        llm_timeout_s=timeout_s, parser=load_parser(settings.rewrite.parser), engines=settings.rewrite.engines,
        speaker=(lambda text: intent_reader.read(text).speaker) if intent_reader is not None else None,
        writer=build_writer(settings), screen=safety,
    )
    db_engine = make_engine(settings.resolved_database_url)
    upgrade_database(db_engine)
    sessions = SessionStore(db_engine)
    # The chat reads the user's own turn (to the coach) with the rules, as before: the model's harsh and move
    # heads are trained on messages to the partner. Drafts the user quotes go through the rewriter (the model).
    coach = ChatCoach(
        analyze=RulesDetector(rules_analyzer, None), rewriter=rewriter, safety=safety, answerer=answerer, prompts=prompts,
        llm=llm, llm_name=llm_name, llm_model=settings.llm.model, llm_timeout_s=timeout_s, intent_reader=intent_reader,
        techniques=techniques, cues=cues, reply_engines=settings.chat.reply_engines,
    )
    rewriter.warm_up()  # loads the embedding model and embeds the soft start-up library, before the first request
    return Services(
        settings, prompts, embedder, index, index_status, llm, llm_status, answerer,
        safety=safety, rewriter=rewriter, db_engine=db_engine, sessions=sessions,
        coach=coach, conversations=Conversations(sessions, coach), models_status=models_status, reader=reader,
        analyzer=rules_analyzer,
    )
