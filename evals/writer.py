"""Blind figures for the trained writer (``softstart eval writer``).

For every blind item (a harsh message with its specifics, the sender's request, the category) the writer
writes its answer: the first candidate that passes the gate, else nothing (the caller would fall back).
Figures are given twice: over the answers the writer gives (gate passed), and over its best text for every
item (the passing candidate, else the greedy one), so a low pass rate cannot hide the quality of the rest.

* specifics kept: every listed specific is in the text (case-insensitive string, or each content word of it
  by a simple lemma: "your phone" matches "my phone", "towels" matches "towel");
* request kept: of items with a request, at least two thirds of its content words are in the text;
* invents: a capitalised word or number in the text that the message lacks (break times excepted);
* feeling+request: the form checks of the gate (feeling and request; a reply: validation and a next step;
  a break: a pause of 20+ minutes and a return);
* seconds per rewrite: wall time of the whole call (all candidates).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from app.writer.gate import _STOP, _WORD, _norm, _stem, check, invented

CATEGORY_KIND = {"pursue": "softstart", "withdraw": "break", "defend": "defensive", "mixed": "mixed", "partner_words": "reply"}
FORM_PREFIXES = ("no ", "a pause", "too long")


def load_blind(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def source_of(item: dict) -> tuple[str, str]:
    kind = CATEGORY_KIND.get(item.get("category", "pursue"), "softstart")
    if kind == "reply" or (item.get("partner_message") and not item.get("message")):
        return item.get("partner_message") or item.get("message", ""), "reply"
    return item.get("message", ""), kind


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if _norm(w) not in _STOP and len(w) > 1] + re.findall(r"\d+", text)


def _vocab(text: str) -> set[str]:
    words = {_norm(w) for w in _WORD.findall(text)}
    return words | {_stem(w) for w in words} | set(re.findall(r"\d+", text))


def specific_kept(specific: str, text: str) -> bool:
    if specific.lower() in text.lower():
        return True
    vocab = _vocab(text)
    words = _content(specific)
    return bool(words) and all(_norm(w) in vocab or _stem(w) in vocab for w in words)


def request_kept(request: str, text: str) -> bool:
    words = _content(request)
    if not words:
        return True
    vocab = _vocab(text)
    hits = sum(1 for w in words if _norm(w) in vocab or _stem(w) in vocab)
    return hits / len(words) >= 2 / 3


def score(item: dict, text: str | None) -> dict:
    src, kind = source_of(item)
    if not text:
        return {"specifics": False, "request": False if item.get("request") else None, "invents": False, "form": False}
    gate = check(src, text, kind)
    context = " ".join([item.get("message", ""), item.get("partner_message", "")])
    return {
        "specifics": all(specific_kept(s, text) for s in item.get("specifics", [])),
        "request": request_kept(item["request"], text) if item.get("request") else None,
        "invents": bool(invented(context, text)),
        "form": not any(p.startswith(FORM_PREFIXES) for p in gate.problems),
    }


def share(rows: list[dict], key: str) -> tuple[float, int]:
    vals = [r[key] for r in rows if r[key] is not None]
    return (sum(vals) / len(vals) if vals else 0.0), len(vals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blind", type=Path, default=Path("tests/data/rewrite_blind.jsonl"))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--adapter", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-minutes", type=float, default=0, help="Stop after this long and report the items done (0 = no limit).")
    args = parser.parse_args(argv)

    from app.settings import get_settings
    from app.writer.engine import TrainedWriter

    items = load_blind(args.blind)
    if args.limit:
        items = items[: args.limit]
    writer = TrainedWriter(get_settings(), adapter_path=args.adapter, candidates=args.candidates, timeout_s=120)
    if not writer.load():
        print(f"the writer is unavailable: {writer.unavailable}", file=sys.stderr)
        return 3
    rows, seconds = [], []
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    run_started = time.time()
    for n, item in enumerate(items, 1):
        if args.max_minutes and (time.time() - run_started) / 60 > args.max_minutes:
            print(f"time limit: stopped after {n - 1} of {len(items)} items", file=sys.stderr)
            break
        src, kind = source_of(item)
        started = time.perf_counter()
        answer = writer.write(src, kind)
        seconds.append(time.perf_counter() - started)
        best = answer or (writer.last_candidates[0][0] if writer.last_candidates else "")
        row = {
            "id": item["id"], "category": item.get("category"), "kind": kind, "message": src, "answer": answer,
            "best": best, "tried": len(writer.last_candidates), "failure": writer.last_failure,
            "answer_scores": score(item, answer), "best_scores": score(item, best), "seconds": round(seconds[-1], 2),
        }
        rows.append(row)
        if out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
        if n % 20 == 0:
            print(f"… {n}/{len(items)}", file=sys.stderr)
    if out:
        out.close()

    answered = [r for r in rows if r["answer"]]
    best_scores = [r["best_scores"] for r in rows]
    ans_scores = [r["answer_scores"] for r in answered]
    figures = {
        "items": len(rows),
        "items_in_set": len(items),
        "gate_pass": round(len(answered) / max(1, len(rows)), 3),
        "mean_seconds_per_rewrite": round(sum(seconds) / max(1, len(seconds)), 2),
        "answers (gate passed)": {k: round(share(ans_scores, k)[0], 3) for k in ("specifics", "request", "invents", "form")},
        "best text, every item": {k: round(share(best_scores, k)[0], 3) for k in ("specifics", "request", "invents", "form")},
        "items with a request": share(best_scores, "request")[1],
        "by category (gate pass)": {
            cat: round(sum(1 for r in rows if r["category"] == cat and r["answer"]) / max(1, sum(1 for r in rows if r["category"] == cat)), 3)
            for cat in sorted({r["category"] for r in rows})
        },
    }
    print(json.dumps(figures, indent=2))
    print("\nkeys: specifics = share keeping every specific; request = share keeping the sender's request (of those with one);")
    print("invents = share adding a name/number not in the message; form = feeling+request (break: pause+return)")
    if args.examples:
        rng = random.Random(args.seed)
        print(f"\n{args.examples} random examples (seed {args.seed}):")
        for r in rng.sample(rows, min(args.examples, len(rows))):
            shown = r["answer"] or f"[no answer; greedy was: {r['best']}]"
            print(f"\n- {r['id']} ({r['category']}) BEFORE: {r['message']}\n  AFTER: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
