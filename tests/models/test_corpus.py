"""The corpus loader: every bad line stops the import with its file, line and reason; near-duplicates go."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.models.corpus import CorpusError, corpus_sha256, import_corpus, read_lines, remove_near_duplicates

GOOD = {
    "id": "t1-0001", "text": "You never text me back when you're out.", "lang": "en", "context": "to_partner",
    "harsh": True, "kinds": ["criticism"], "move": "pursue", "safety": "none", "direction": "none", "subkind": "",
    "level": "none", "intent": "", "speaker": "none", "topic": "phones", "register": "plain", "writer": "tester", "batch": "t1",
}


def write(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), encoding="utf-8")
    return path


def line(**changes) -> dict:
    return {**GOOD, **changes}


def test_a_good_file_loads(tmp_path):
    lines = read_lines([write(tmp_path / "a.jsonl", [line(), line(id="t1-0002", text="Can we talk tonight after dinner?", harsh=False, kinds=[], move="pursue")])])
    assert [l.id for l in lines] == ["t1-0001", "t1-0002"]
    assert lines[0].writer == "tester" and lines[0].batch == "t1"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("{not json", "not JSON"),
        (line(move="chase"), "move"),
        (line(kinds=["sulking"]), "kinds"),
        (line(safety="danger", direction="self", level="crisis"), "safety"),
        (line(safety="self_harm", direction="victim", level="crisis"), "direction"),
        (line(safety="threat", direction="perpetrator", level="none"), "level"),
        (line(context="to_coach", intent=""), "intent"),
        (line(surprise=1), "surprise"),
        (line(harsh=False), "kinds given"),
    ],
)
def test_a_bad_line_names_file_line_and_reason(tmp_path, row, reason):
    path = write(tmp_path / "bad.jsonl", [line(id="t1-0009"), row])
    with pytest.raises(CorpusError) as caught:
        read_lines([path])
    assert caught.value.path == str(path) and caught.value.line == 2
    assert reason in caught.value.reason


def test_a_duplicate_id_across_files_stops_the_load(tmp_path):
    first = write(tmp_path / "a.jsonl", [line()])
    second = write(tmp_path / "b.jsonl", [line(text="Something else entirely, said another way.")])
    with pytest.raises(CorpusError, match="duplicate id t1-0001") as caught:
        read_lines([first, second])
    assert caught.value.path == str(second) and caught.value.line == 1


def test_near_duplicates_are_dropped_and_the_rest_kept(tmp_path):
    rows = [
        line(id="t1-0001", text="You never text me back when you're out with your friends."),
        line(id="t1-0002", text="you never text me back when you're out with your friends!!"),
        line(id="t1-0003", text="You never text me back when you're out with your friends, ever."),
        line(id="t1-0004", text="I miss you. Could we have breakfast together on Sunday?", harsh=False, kinds=[]),
    ]
    lines = read_lines([write(tmp_path / "a.jsonl", rows)])
    dedup = remove_near_duplicates(lines)
    assert [l.id for l in dedup.kept] == ["t1-0001", "t1-0004"]
    assert {d.id for d, _ in dedup.dropped} == {"t1-0002", "t1-0003"}


def test_import_writes_one_file_per_batch_with_provenance_and_a_stable_hash(tmp_path):
    source = tmp_path / "corpus"
    write(source / "t1" / "part-01.jsonl", [line()])
    write(source / "t2" / "part-01.jsonl", [line(id="t2-0001", batch="t2", writer="other", text="Please tell me when you'll be home tonight.", harsh=False, kinds=[])])
    write(source / "t2" / "_src" / "scratch.jsonl", ["not even json"])  # writers' working files are skipped
    target = tmp_path / "data"
    lines, dedup = import_corpus(source, target)
    assert len(lines) == 2 and not dedup.dropped
    assert sorted(p.name for p in target.glob("*.jsonl")) == ["t1.jsonl", "t2.jsonl"]
    again = read_lines(sorted(target.glob("*.jsonl")))
    assert {(l.writer, l.batch) for l in again} == {("tester", "t1"), ("other", "t2")}
    digest = corpus_sha256(target)
    import_corpus(source, target)
    assert corpus_sha256(target) == digest
