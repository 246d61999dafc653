"""Train the writer: a LoRA adapter on SmolLM2-135M-Instruct, converted to a GGUF adapter for llama.cpp.

Needs the ``train`` extra (transformers, peft, gguf, accelerate) and the llama.cpp sources' converter
(``convert_lora_to_gguf.py`` in the llama-cpp-python sdist). Never run in tests or CI.

    softstart train-writer --out app/writer/adapter --max-steps 350 --max-minutes 40
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.writer.dataset import Pair, load_pairs, pairs_sha256, split

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    out_dir: Path
    pairs_dir: Path  # settings.writer.pairs_dir
    seed: int = 13
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    lr: float = 2.5e-4
    warmup_steps: int = 10
    batch_size: int = 8
    max_len: int = 160
    epochs: float = 1.0
    max_steps: int = 350
    max_minutes: float = 40.0
    held_out: float = 0.05
    eval_every: int = 40
    eval_items: int = 64
    threads: int = 2
    outtype: str = "f16"
    converter: Path | None = None
    base_gguf: Path | None = None
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_converter() -> Path:
    """convert_lora_to_gguf.py from an unpacked llama-cpp-python sdist (env SOFTSTART_LORA_CONVERTER wins)."""
    env = os.environ.get("SOFTSTART_LORA_CONVERTER")
    if env:
        return Path(env)
    roots = [Path("/tmp/lcsdist"), Path.home() / ".cache" / "uv" / "sdists-v11"]
    for root in roots:
        if root.is_dir():
            for hit in root.rglob("convert_lora_to_gguf.py"):
                if (hit.parent / "convert_hf_to_gguf.py").is_file():
                    return hit
    raise FileNotFoundError(
        "convert_lora_to_gguf.py not found: `pip download --no-deps --no-binary :all: llama-cpp-python==<version>`, "
        "unpack it, and set SOFTSTART_LORA_CONVERTER to vendor/llama.cpp/convert_lora_to_gguf.py"
    )


def fix_base_config(path: Path) -> None:
    """The converter needs "architectures" and a plain (not GGUF-quantized) config."""
    data = json.loads(path.read_text())
    data["architectures"] = ["LlamaForCausalLM"]
    data.pop("quantization_config", None)
    rope = data.get("rope_parameters") or {}
    if "rope_theta" in rope:
        data.setdefault("rope_theta", rope["rope_theta"])
    path.write_text(json.dumps(data, indent=2))


def encode(tok, pair: Pair, max_len: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 on the prompt: the loss is on the target only), cut at max_len."""
    p = tok(pair.prompt, add_special_tokens=False)["input_ids"]
    t = tok(pair.target, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    ids = (p + t)[:max_len]
    labels = ([-100] * len(p) + t)[:max_len]
    return ids, labels


def collate(batch, pad_id: int):
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (i, lab) in enumerate(batch):
        ids[row, : len(i)] = torch.tensor(i)
        labels[row, : len(lab)] = torch.tensor(lab)
        mask[row, : len(i)] = 1
    return ids, labels, mask


def train(cfg: TrainConfig, progress=print) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from app.backends.llm.factory import packaged_gguf_path

    started = time.time()
    torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "_work"
    work.mkdir(exist_ok=True)

    base = Path(cfg.base_gguf or packaged_gguf_path())
    tok = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name, torch_dtype=torch.float32)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    pairs = load_pairs(cfg.pairs_dir)
    train_pairs, held = split(pairs, cfg.held_out, cfg.seed)
    held = held[: cfg.eval_items]
    train_enc = [encode(tok, p, cfg.max_len) for p in train_pairs]
    held_enc = [encode(tok, p, cfg.max_len) for p in held]
    steps_per_epoch = math.ceil(len(train_enc) / cfg.batch_size)
    total_steps = min(cfg.max_steps, max(1, int(steps_per_epoch * cfg.epochs)))
    progress(f"pairs {len(pairs)} (train {len(train_enc)}, held out {len(held_enc)}); {total_steps} steps planned")

    lora = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=cfg.target_modules, task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=0.0)

    def lr_at(step: int) -> float:
        if step < cfg.warmup_steps:
            return cfg.lr * (step + 1) / cfg.warmup_steps
        frac = (step - cfg.warmup_steps) / max(1, total_steps - cfg.warmup_steps)
        return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))

    def held_loss() -> float:
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(held_enc), cfg.batch_size):
                ids, labels, mask = collate(held_enc[i : i + cfg.batch_size], pad_id)
                n = int((labels[:, 1:] != -100).sum())
                total += float(model(input_ids=ids, attention_mask=mask, labels=labels).loss) * n
                count += n
        model.train()
        return total / max(1, count)

    def lora_state():
        return {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k}

    order: list[int] = []
    rng = random.Random(cfg.seed)
    history: list[dict] = []
    best = {"loss": held_loss(), "step": 0, "state": lora_state()}
    history.append({"step": 0, "held_out_loss": round(best["loss"], 4)})
    progress(f"step 0 held-out loss {best['loss']:.3f}")
    worse_in_a_row, step, losses = 0, 0, []
    train_started = time.time()
    stop_reason = "max steps"
    model.train()
    while step < total_steps:
        if not order:
            order = list(range(len(train_enc)))
            rng.shuffle(order)
        batch = [train_enc[order.pop()] for _ in range(min(cfg.batch_size, len(order)))]
        ids, labels, mask = collate(batch, pad_id)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss))
        step += 1
        if step % 10 == 0:
            progress(f"step {step}/{total_steps} loss {sum(losses[-10:]) / len(losses[-10:]):.3f} ({(time.time() - train_started) / step:.1f} s/step)")
        timed_out = (time.time() - started) / 60 > cfg.max_minutes
        if step % cfg.eval_every == 0 or step == total_steps or timed_out:
            h = held_loss()
            history.append({"step": step, "train_loss": round(sum(losses[-10:]) / len(losses[-10:]), 4), "held_out_loss": round(h, 4)})
            progress(f"step {step} held-out loss {h:.3f}")
            if h < best["loss"]:
                best = {"loss": h, "step": step, "state": lora_state()}
                worse_in_a_row = 0
            else:
                worse_in_a_row += 1
                if worse_in_a_row >= 2:
                    stop_reason = "early stop (held-out loss rose twice)"
                    break
        if timed_out:
            stop_reason = f"time limit ({cfg.max_minutes} min)"
            break
    train_seconds = time.time() - train_started

    model.load_state_dict(best["state"], strict=False)
    hf_dir = work / "hf_adapter"
    model.save_pretrained(str(hf_dir))
    base_cfg = work / "base_config"
    model.base_model.model.config.save_pretrained(str(base_cfg))
    tok.save_pretrained(str(base_cfg))
    fix_base_config(base_cfg / "config.json")
    adapter = out / "writer-lora.gguf"
    converter = Path(cfg.converter or find_converter())
    cmd = [sys.executable, str(converter), "--base", str(base_cfg), "--outtype", cfg.outtype, "--outfile", str(adapter), str(hf_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        progress(f"convert_lora_to_gguf failed (the PEFT adapter is kept in {hf_dir}): {proc.stderr[-2000:]}")

    result = {
        "adapter": adapter.name,
        "adapter_sha256": sha256_file(adapter) if adapter.is_file() else None,
        "adapter_bytes": adapter.stat().st_size if adapter.is_file() else None,
        "base_model": base.name,
        "base_model_sha256": sha256_file(base),
        "pairs_sha256": pairs_sha256(cfg.pairs_dir),
        "pairs": len(pairs),
        "train_pairs": len(train_enc),
        "held_out_pairs": len(held_enc),
        "seed": cfg.seed,
        "hyper_parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items() if k not in ("out_dir", "pairs_dir", "converter", "base_gguf")},
        "steps_done": step,
        "best_step": best["step"],
        "best_held_out_loss": round(best["loss"], 4),
        "stop_reason": stop_reason,
        "history": history,
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.time() - started, 1),
        "seconds_per_step": round(train_seconds / max(1, step), 2),
        "trainable_parameters": sum(p.numel() for p in trainable),
        "torch": torch.__version__,
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return result
