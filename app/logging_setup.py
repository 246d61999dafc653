"""Logging is configured once, at start-up; modules use ``logging.getLogger(__name__)``."""

from __future__ import annotations

import logging

QUIET_LIBRARIES = ("chromadb", "httpx", "sentence_transformers", "urllib3", "transformers", "huggingface_hub")


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
