"""Safety for two: which private safety results close the shared space for both partners.

Couples work is not advised when one partner is afraid of, harmed, threatened or controlled by
the other, so any result whose direction points at the partner (victim, perpetrator, partner)
closes the space; a concern only about oneself (self-harm) does not involve the partner.
"""

from __future__ import annotations

from app.screen.types import SafetyResult

JOINT_WORK_STOPPERS = frozenset({"victim", "perpetrator", "partner"})


def closes_shared_space(result: SafetyResult | None) -> bool:
    return result is not None and result.blocks_coaching and result.direction in JOINT_WORK_STOPPERS


def resources_text(result: SafetyResult) -> str:
    """The safety message with its resources as plain lines (for clients that show only text)."""
    lines = [result.message.strip()] if result.message.strip() else []
    for resource in result.resources:
        line = f"- {resource.name}: {resource.contact}"
        if resource.url:
            line += f" ({resource.url})"
        lines.append(line)
    return "\n".join(lines)
