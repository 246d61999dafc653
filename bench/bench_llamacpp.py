"""Benchmark 3: the llama.cpp backend through our code against a raw llama.cpp call, side by side.

    python -m bench.bench_llamacpp [--rewrites 8] [--asks 8] [--chat-turns 3]

The in-process backend (``SOFTSTART_LLM__BACKEND=llamacpp``, the packaged SmolLM2-135M GGUF) runs
with temperature 0, so a replay of the same prompt produces the same tokens. For each request we
time the route's work through our code (safety screen + ``Rewriter.rewrite`` / ``Answerer.answer``)
while recording the exact ``create_chat_completion`` call it made; then we replay that call
straight on the same ``llama_cpp.Llama`` (no LangChain, no checks). The model's KV cache is reset
before both, so neither gets a prompt-prefix hit the other did not. Overhead = ours / raw - 1;
``outside_model_ms`` is the part of our time spent outside the model call (timed inside the same
request, so it does not depend on the machine's load changing between the two runs).

Time to first token in chat: the chat endpoint (POST /v1/sessions/{id}/messages with
``Accept: text/event-stream``, real uvicorn in a thread over the same services) against the
model's own stream of the recorded chat prompt.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from typing import Any

from bench import workload
from bench.report import Report
from bench.servers import LOOPBACK, free_port
from bench.workspace import bench_settings, prepared_data_dir


class RecordingLlama:
    """Stands in for ``llama_cpp.Llama`` in our backend: resets the KV cache, records each call.

    ``lock`` is the backend's own lock: a raw call takes it too, so it never runs beside a
    generation of ours (e.g. one abandoned after a time-out, which still runs to its end).
    """

    def __init__(self, llama, lock):
        self.llama = llama
        self.lock = lock
        self.calls: list[dict] = []

    def wait_idle(self) -> None:
        with self.lock:
            pass

    def create_chat_completion(self, **kwargs: Any):
        self.llama.reset()
        started = time.perf_counter()
        out = self.llama.create_chat_completion(**kwargs)
        if kwargs.get("stream"):
            return out
        self.calls.append({"kwargs": kwargs, "usage": out.get("usage", {}), "seconds": time.perf_counter() - started})
        return out

    def __getattr__(self, name: str):
        return getattr(self.llama, name)


def raw_call(recorder: RecordingLlama, kwargs: dict) -> tuple[float, dict]:
    with recorder.lock:
        recorder.llama.reset()
        started = time.perf_counter()
        out = recorder.llama.create_chat_completion(**kwargs)
        return time.perf_counter() - started, out.get("usage", {})


def side_by_side(report: Report, name: str, items: list[str], work, recorder: RecordingLlama) -> None:
    ours_s, raw_s, inside_s, tokens, prompt_tokens, mismatched, no_call, timed_out = [], [], [], 0, 0, 0, 0, 0
    for item in items:
        recorder.wait_idle()
        recorder.calls.clear()
        started = time.perf_counter()
        engine = work(item)
        ours = time.perf_counter() - started
        recorder.wait_idle()  # a generation abandoned at the time-out still runs to its end
        fallback = engine.fallback if engine else None
        if engine is not None and "timed out" in (engine.reason or ""):
            timed_out += 1
            continue
        if len(recorder.calls) != 1:
            no_call += 1
            continue
        call = recorder.calls[0]
        raw, usage = raw_call(recorder, call["kwargs"])
        if usage.get("completion_tokens") != call["usage"].get("completion_tokens"):
            mismatched += 1
        ours_s.append(ours)
        raw_s.append(raw)
        inside_s.append(call["seconds"])
        tokens += usage.get("completion_tokens", 0)
        prompt_tokens += usage.get("prompt_tokens", 0)
        report.row(
            series=name, ours_ms=round(ours * 1000), raw_ms=round(raw * 1000), overhead_pct=round((ours / raw - 1) * 100, 1),
            outside_model_ms=round((ours - call["seconds"]) * 1000),
            prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"), fallback=fallback,
        )
    if not ours_s:
        report.note(f"{name}: no request reached the model in time ({timed_out} timed out)")
        return
    total_overhead = (sum(ours_s) / sum(raw_s) - 1) * 100
    median_overhead = statistics.median((o / r - 1) * 100 for o, r in zip(ours_s, raw_s))
    report.row(
        series=f"{name}: all {len(ours_s)}", ours_ms=round(sum(ours_s) * 1000), raw_ms=round(sum(raw_s) * 1000),
        overhead_pct=round(total_overhead, 1), outside_model_ms=round((sum(ours_s) - sum(inside_s)) * 1000),
        prompt_tokens=prompt_tokens, completion_tokens=tokens,
        fallback=f"median overhead {median_overhead:.1f}%; {tokens / sum(raw_s):.1f} tok/s raw, {tokens / sum(ours_s):.1f} tok/s ours",
    )
    if mismatched or no_call or timed_out:
        report.note(f"{name}: {mismatched} replays produced a different token count; {no_call} requests made no single model call; "
                    f"{timed_out} timed out (30 s) and were left out")


def serve_in_thread(app) -> tuple[Any, int, threading.Thread]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, port, thread


def chat_first_delta(port: int, texts: list[str]) -> list[tuple[float, float]]:
    """(seconds to the first ``delta`` event, seconds to ``done``) for each turn of one session."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=300)
    connection.request("POST", "/v1/sessions")
    created = json.loads(connection.getresponse().read())
    headers = {"authorization": f"Bearer {created['token']}", "accept": "text/event-stream", "content-type": "application/json"}
    out = []
    for text in texts:
        started = time.perf_counter()
        connection.request("POST", f"/v1/sessions/{created['id']}/messages", body=json.dumps({"text": text}), headers=headers)
        response = connection.getresponse()
        first = None
        while True:
            line = response.readline()
            if not line:
                break
            if first is None and line.startswith(b"event: delta"):
                first = time.perf_counter() - started
        out.append((first if first is not None else float("nan"), time.perf_counter() - started))
    connection.close()
    return out


def stream_first_token(recorder: RecordingLlama, kwargs: dict) -> tuple[float, float]:
    with recorder.lock:
        recorder.llama.reset()
        started = time.perf_counter()
        first = None
        for part in recorder.llama.create_chat_completion(**{**kwargs, "stream": True}):
            if first is None and part["choices"][0].get("delta", {}).get("content"):
                first = time.perf_counter() - started
        return first if first is not None else float("nan"), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rewrites", type=int, default=8)
    parser.add_argument("--asks", type=int, default=8)
    parser.add_argument("--chat-turns", type=int, default=3)
    args = parser.parse_args(argv)
    report = Report("bench_llamacpp", "llama.cpp backend: our code against the raw llama.cpp call")

    from app.services import build_services

    data_dir = prepared_data_dir()
    settings = bench_settings(data_dir, build_index_on_start=False, llm={"backend": "llamacpp", "temperature": 0.0})
    services = build_services(settings)
    if services.llm is None:
        raise SystemExit(f"the llamacpp backend did not load: {services.llm_status.detail}")
    recorder = RecordingLlama(services.llm._llama, services.llm.lock)
    services.llm._llama = recorder
    report.note(f"model: {settings.llm.gguf_path or 'packaged SmolLM2-135M-Instruct Q4_1'}, n_threads={settings.llm.n_threads}, max_tokens={settings.llm.max_tokens}, temperature 0")

    def rewrite(text: str):
        if services.safety.screen(text).blocks_coaching:
            return None
        return services.rewriter.rewrite(text).engine

    def ask(question: str):
        if services.safety.screen(question).blocks_coaching:
            return None
        return services.answerer.answer(question).engine

    rewrite(workload.harsh_messages(1)[0])  # warm-up
    side_by_side(report, "rewrite", workload.harsh_messages(args.rewrites + 3)[3:], rewrite, recorder)
    side_by_side(report, "ask", workload.questions(args.asks, off_topic_every=0), ask, recorder)

    from app.main import create_app

    server, port, thread = serve_in_thread(create_app(settings, services=services))
    try:
        recorder.wait_idle()
        recorder.calls.clear()
        turns = ["We had a fight last night and I feel so alone.", "He goes quiet whenever I bring things up.", "I just want us to feel close again."]
        timings = chat_first_delta(port, turns[: args.chat_turns])
        calls = list(recorder.calls)
        for number, (first, done) in enumerate(timings, start=1):
            report.row(series=f"chat turn {number} over SSE", first_delta_ms=round(first * 1000), done_ms=round(done * 1000))
        if calls:
            recorder.wait_idle()
            first, whole = stream_first_token(recorder, calls[-1]["kwargs"])
            report.row(series="raw model stream of the last chat prompt", first_delta_ms=round(first * 1000), done_ms=round(whole * 1000),
                       prompt_tokens=calls[-1]["usage"].get("prompt_tokens"), completion_tokens=calls[-1]["usage"].get("completion_tokens"))
            first, whole = stream_first_token_langchain(services.llm, recorder, calls[-1]["kwargs"])
            report.row(series="our LangChain model's .stream() of the same prompt", first_delta_ms=round(first * 1000), done_ms=round(whole * 1000))
        report.note(f"chat: {len(calls)} model calls in {len(timings)} turns")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    report.note("target: llama.cpp backend overhead < 10% over the raw call")
    report.save()
    return 0


def stream_first_token_langchain(llm, recorder: RecordingLlama, kwargs: dict) -> tuple[float, float]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    messages = [kinds[m["role"]](content=m["content"]) for m in kwargs["messages"]]
    recorder.wait_idle()
    started = time.perf_counter()
    first = None
    for chunk in llm.stream(messages):  # our backend resets the cache through the recorder
        if first is None and chunk.content:
            first = time.perf_counter() - started
    return first if first is not None else float("nan"), time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
