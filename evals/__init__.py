"""Evaluation commands (`softstart eval …`); not part of the runtime package."""
