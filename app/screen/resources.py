"""Help lines per region and kind group, read from a YAML/JSON file."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import yaml

from app.rule_data import DataFileError
from app.screen.types import Resource

logger = logging.getLogger(__name__)

RESOURCE_GROUPS: tuple[str, ...] = ("self_harm", "abuse", "general")


def load_resources(region: str, path: Path) -> dict[str, list[Resource]]:
    """Resources of one region, per group ("self_harm", "abuse", "general").

    ``path`` (the locale's ``safety/resources.yaml`` or ``SOFTSTART_SAFETY__RESOURCES_FILE``) maps region ->
    group -> list of ``{name, contact, description, url?}``. A bad file or unknown region raises ``ValueError``
    (``DataFileError`` for a file that is missing or not JSON/YAML).
    """
    source = Path(path)
    regions = _read_file(source)
    if region not in regions:
        known = ", ".join(sorted(str(name) for name in regions)) or "none"
        raise ValueError(f"unknown region {region!r} in {source} (known regions: {known})")
    groups = regions[region]
    if not isinstance(groups, dict):
        raise ValueError(f"region {region!r} in {source} must map group names to lists of resources")
    missing = [group for group in RESOURCE_GROUPS if not groups.get(group)]
    if missing:
        raise ValueError(f"region {region!r} in {source} has no resources for: {', '.join(missing)}")
    loaded = {str(group): _parse_group(entries, f"{source}: {region}.{group}") for group, entries in groups.items()}
    logger.debug("loaded safety resources for region %s from %s", region, source)
    return loaded


def _read_file(source: Path) -> dict[str, Any]:
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(source, f"cannot read the safety resources: {error.strerror or error}") from error
    try:
        data = json.loads(text) if source.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise DataFileError(source, f"not valid JSON/YAML: {error}") from error
    if not isinstance(data, dict) or not data:
        raise ValueError(f"safety resources file {source} must map region names to resource groups")
    return data


def _parse_group(entries: Any, where: str) -> list[Resource]:
    if not isinstance(entries, list):
        raise ValueError(f"{where} must be a list of resources")
    resources = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"{where}[{index}] must be a mapping with name, contact and description")
        missing = [key for key in ("name", "contact", "description") if not str(entry.get(key) or "").strip()]
        if missing:
            raise ValueError(f"{where}[{index}] is missing {', '.join(missing)}")
        unknown = set(entry) - {"name", "contact", "description", "url"}
        if unknown:
            raise ValueError(f"{where}[{index}] has unknown fields: {', '.join(sorted(unknown))}")
        url = entry.get("url")
        resources.append(
            Resource(
                name=str(entry["name"]).strip(),
                contact=str(entry["contact"]).strip(),
                description=str(entry["description"]).strip(),
                url=str(url).strip() if url else None,
            )
        )
    return resources
