"""``softstart eval chat``: plays scripted multi-turn conversations through the real chat service
(sessions, state, the store) and prints the issue's measures, with the failures listed.

Conversations are JSON lines: ``persona``, ``partner`` {name, pronouns}, ``user_role`` and
``turns`` [{``user``, ``expect``: {intent, answer_terms, draft, draft_keeps, partner_words, ...}}].
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from evals import chat_checks as checks
from evals.chat_checks import PlayedConversation, PlayedTurn
from app.detect.types import AnalysisContext

DEFAULT_DEV = Path("tests") / "data" / "chat_dev_conversations.jsonl"  # from the checkout (the current directory)
REDIRECT_MARKER = "I don't have anything in my knowledge base that covers this"
TARGETS = {
    "questions answered": 0.90,
    "drafts and revisions honoured": 0.95,
    "partner's words answered with a reply": 1.0,
    "role/feeling follow corrections": 1.0,
    "name used when known (conversations)": 1.0,
    "nothing re-asked": 1.0,
    "safety held after a disclosure": 1.0,
    "never mind gets a check": 1.0,
    "off-topic redirected": 1.0,
}
MAX_REPEATS = 0.10
MAX_OPENER = 0.10


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def played_turn(user: str, expect: dict[str, Any], turn) -> PlayedTurn:
    """A ``CoachTurn`` as the checks see it (works with older turns that lack the newer fields)."""
    offered = getattr(turn, "offered", None)
    if offered is None and getattr(turn, "rewrite", None) is not None and not turn.rewrite.unchanged:
        offered = turn.rewrite.rewrite
    state = turn.state
    return PlayedTurn(
        user=user,
        expect=expect,
        reply=turn.reply,
        intent=turn.intent,
        offered=offered,
        role=state.role,
        feeling=list(getattr(state, "feelings", []) or []),
        safety_mode=bool(getattr(state, "safety_mode", False)),
        stopped=turn.safety.blocks_coaching,
    )


def play(conversations: Iterable[dict[str, Any]], service) -> list[PlayedConversation]:
    """Each conversation in a fresh session of ``service`` (``Conversations``)."""
    played = []
    for convo in conversations:
        session = service.start()
        turns = []
        for step in convo["turns"]:
            exchange = service.post(session.id, step["user"])
            turns.append(played_turn(step["user"], step.get("expect", {}), exchange.turn))
        service.delete(session.id)
        played.append(PlayedConversation(convo.get("id", ""), convo.get("persona", ""), convo.get("partner", {}),
                                         convo.get("user_role", ""), turns))
    return played


def measure(played: list[PlayedConversation], is_soft: Callable[[str], bool]) -> dict[str, Any]:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors: dict[str, list[str]] = defaultdict(list)

    def count(name: str, result: tuple[bool, str], where: str) -> None:
        ok, why = result
        tally[name][1] += 1
        tally[name][0] += int(ok)
        if not ok:
            errors[name].append(f"{where}: {why}")

    name_replies = [0, 0]
    for convo in played:
        previous_offer: str | None = None
        users: list[str] = []
        name = (convo.partner or {}).get("name", "")
        name_seen_used = None
        for n, turn in enumerate(convo.turns, start=1):
            where = f"{convo.id}#{n}"
            e = turn.expect
            intent = e.get("intent", "")
            users.append(turn.user)
            if intent.startswith("q_"):
                count("questions answered", checks.check_question(turn), where)
            if intent == "off_topic":
                count("off-topic redirected", checks.check_off_topic(turn, REDIRECT_MARKER), where)
            if e.get("draft"):
                count("drafts and revisions honoured", checks.check_draft(turn, previous_offer, is_soft), where)
            if e.get("partner_words"):
                count("partner's words answered with a reply", checks.check_partner_words(turn), where)
            if e.get("sent_text"):
                count("sent text not approved as a draft", checks.check_sent_text(turn), where)
            if e.get("role_after"):
                count("role/feeling follow corrections", checks.check_role(turn), where)
            if e.get("feeling_after"):
                count("role/feeling follow corrections", checks.check_feeling(turn), where)
            if e.get("no_reask"):
                count("nothing re-asked", checks.check_no_reask(turn), where)
            if e.get("safety"):
                count("disclosure noticed", (turn.stopped or turn.safety_mode, "not noticed"), where)
            if e.get("safety_hold"):
                count("safety held after a disclosure", checks.check_safety_hold(turn), where)
            if e.get("never_mind"):
                count("never mind gets a check", checks.check_never_mind(turn), where)
            if turn.offered:
                previous_offer = turn.offered
            if name and checks.name_known(name, users[:-1]) and not (turn.stopped or turn.safety_mode):
                used = name in turn.reply
                name_replies[1] += 1
                name_replies[0] += int(used)
                name_seen_used = bool(name_seen_used) or used
        if name and name_seen_used is not None:
            count("name used when known (conversations)", (name_seen_used, f"{name} never used"), convo.id)

    repeated, total = checks.repeat_share(played)
    openers = checks.opener_counts(played)
    replies = sum(openers.values())
    top, top_n = openers.most_common(1)[0] if openers else ("", 0)
    return {
        "conversations": len(played),
        "turns": sum(len(c.turns) for c in played),
        "checks": {k: {"passed": v[0], "of": v[1], "share": round(v[0] / v[1], 3) if v[1] else None,
                       "target": TARGETS.get(k)} for k, v in sorted(tally.items())},
        "name in replies once known": {"passed": name_replies[0], "of": name_replies[1]},
        "repeated sentences": {"repeated": repeated, "of": total, "share": round(repeated / total, 3) if total else 0.0, "max": MAX_REPEATS},
        "most common opener": {"opener": top, "replies": top_n, "of": replies, "share": round(top_n / replies, 3) if replies else 0.0, "max": MAX_OPENER},
        "errors": {k: v for k, v in errors.items()},
    }


def passed(report: dict[str, Any]) -> bool:
    ok = all(c["share"] is None or c["target"] is None or c["share"] >= c["target"] for c in report["checks"].values())
    return ok and report["repeated sentences"]["share"] <= MAX_REPEATS and report["most common opener"]["share"] <= MAX_OPENER


def print_report(report: dict[str, Any], *, show_errors: int, out=print) -> None:
    out(f"{report['conversations']} conversations, {report['turns']} turns")
    for name, c in report["checks"].items():
        target = f"  (target {c['target']:.0%})" if c["target"] is not None else ""
        share = f"{c['share']:.1%}" if c["share"] is not None else "-"
        out(f"  {name:42s} {c['passed']:4d}/{c['of']:<4d} {share:>7s}{target}")
    n = report["name in replies once known"]
    out(f"  {'name in replies once known':42s} {n['passed']:4d}/{n['of']:<4d}")
    r = report["repeated sentences"]
    out(f"  {'repeated sentences':42s} {r['repeated']:4d}/{r['of']:<4d} {r['share']:>7.1%}  (max {r['max']:.0%})")
    o = report["most common opener"]
    out(f"  {'most common opener':42s} {o['replies']:4d}/{o['of']:<4d} {o['share']:>7.1%}  (max {o['max']:.0%})  \"{o['opener']}\"")
    if show_errors:
        for name, lines in report["errors"].items():
            out(f"-- {name}")
            for line in lines[:show_errors]:
                out(f"   {line}")


def transcript(convo: PlayedConversation) -> str:
    partner = convo.partner or {}
    lines = [f"### {convo.id}: {convo.persona} (partner {partner.get('name', '?')}, {convo.user_role})", ""]
    for turn in convo.turns:
        lines.append(f"**User:** {turn.user}")
        lines.append("")
        lines.append("**Coach:** " + turn.reply.replace("\n\n", "\n\n> ").replace("\n", "\n"))
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, build=None) -> int:
    parser = argparse.ArgumentParser(prog="softstart eval chat")
    parser.add_argument("--conversations", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--errors", type=int, default=0, help="list up to N failures per check")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument("--transcripts", type=Path, default=None, help="write every transcript here (markdown)")
    parser.add_argument("--sample", type=int, default=0, help="with --transcripts: only N conversations, chosen at random (seed 14)")
    args = parser.parse_args(argv)
    services = build()
    played = play(load(args.conversations), services.conversations)

    def is_soft(text: str) -> bool:
        analysis = services.coach.analyze(text, AnalysisContext())
        return not any(flag.kind in ("criticism", "contempt") for flag in analysis.flags)

    report = measure(played, is_soft)
    print_report(report, show_errors=args.errors)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.transcripts:
        chosen = played if not args.sample else random.Random(14).sample(played, min(args.sample, len(played)))
        args.transcripts.write_text("\n\n".join(transcript(c) for c in chosen), encoding="utf-8")
    return 0 if passed(report) else 1
