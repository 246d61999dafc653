"""Which folders make up the knowledge base: the configured ones plus any a user added.

Folders added with ``softstart index PATH`` are remembered in ``<data_dir>/library.json`` so the
server keeps citing them after a restart instead of dropping them on its next sync.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class FolderRegistry:
    def __init__(self, data_dir: Path, configured: list[Path]):
        self.file = Path(data_dir) / "library.json"
        self.configured = [Path(p).resolve() for p in configured]

    def added(self) -> list[Path]:
        if not self.file.is_file():
            return []
        try:
            entries = json.loads(self.file.read_text(encoding="utf-8")).get("folders", [])
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.file, exc)
            return []
        return [Path(entry) for entry in entries if isinstance(entry, str)]

    def folders(self) -> list[Path]:
        """Configured folders first, then added ones that still exist."""
        seen: list[Path] = []
        for folder in [*self.configured, *self.added()]:
            if folder not in seen:
                if folder.is_dir():
                    seen.append(folder)
                else:
                    log.warning("knowledge folder %s is missing; its articles are dropped from the index", folder)
        return seen

    def _write(self, folders: list[Path]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"folders": [str(f) for f in folders]}, indent=2), encoding="utf-8")
        os.replace(tmp, self.file)

    def add(self, folder: Path) -> Path:
        folder = Path(folder).resolve()
        if not folder.is_dir():
            raise FileNotFoundError(f"not a folder: {folder}")
        added = self.added()
        if folder not in added and folder not in self.configured:
            self._write([*added, folder])
        return folder

    def remove(self, folder: Path) -> bool:
        folder = Path(folder).resolve()
        added = self.added()
        if folder not in added:
            return False
        self._write([f for f in added if f != folder])
        return True
