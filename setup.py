"""Build step: ship the checkout's top-level ``prompts/`` and ``knowledge/`` inside the wheel.

The folders stay at the top of the checkout (the product card fixes that); a wheel copies them into
``app/bundled/`` so that ``app.settings`` finds them in an installed package as well (see
``app.settings.shipped_folder``). Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FOLDERS = ("prompts", "knowledge")


class BuildWithSharedFolders(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders directly
            return
        root = Path(__file__).resolve().parent
        for name in SHIPPED_FOLDERS:
            source = root / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing; the wheel needs it")
            target = Path(self.build_lib) / "app" / "bundled" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithSharedFolders})
