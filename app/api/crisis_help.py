"""GET /v1/help: the crisis resources of the configured region, for the page's "Need help now?" link.

The same list the safety screen draws on, available at any time, whatever was typed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import SettingsDep
from app.api.schemas import ResourceOut
from app.locale_data import LocaleData
from app.screen.resources import RESOURCE_GROUPS, load_resources

router = APIRouter(prefix="/v1", tags=["help"])


class HelpOut(BaseModel):
    region: str = Field(examples=["US"], description="The region the resources are for (setting SOFTSTART_SAFETY__REGION).")
    resources: list[ResourceOut] = Field(description="Crisis lines first, then help with abuse, then general support; each once.")


@lru_cache(maxsize=8)
def _resources(region: str, path: Path) -> tuple[ResourceOut, ...]:
    groups = load_resources(region, path)
    seen: set[tuple[str, str]] = set()
    listed: list[ResourceOut] = []
    for group in RESOURCE_GROUPS:
        for r in groups.get(group, []):
            if (r.name, r.contact) in seen:
                continue
            seen.add((r.name, r.contact))
            listed.append(ResourceOut(name=r.name, contact=r.contact, description=r.description, url=r.url))
    return tuple(listed)


@router.get("/help", response_model=HelpOut, summary="Crisis lines and support for the configured region")
def crisis_help(settings: SettingsDep) -> HelpOut:
    path = settings.safety.resources_file or LocaleData.from_settings(settings).safety_resources
    return HelpOut(region=settings.safety.region, resources=list(_resources(settings.safety.region, path)))
