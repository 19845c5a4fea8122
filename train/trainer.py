"""The training loop: typed config in, self-describing checkpoint and ``metrics.json`` out."""

from __future__ import annotations

import copy
import json
import random
import time
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
import yaml
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from infer.actors import ActorFinder
from infer.config import to_dict
from infer.encoding import encode_in_context
from infer.model import build_model, collate, featurize, save_checkpoint
from infer.predictor import StancePredictor
from infer.schema import LABEL2ID
from train.config import TrainConfig
from train.data import read_pairs
from train.metrics import classification_metrics, fit_temperature


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode_rows(rows: list[dict[str, Any]], finder: ActorFinder, mask_names: bool, style: str = "markers") -> list[str]:
    """Marked pair texts for corpus rows (actors located by the same finder inference uses)."""
    return [encode_in_context(r["text"], {a.code: a for a in finder.find(r["text"])}, r["source"], r["target"], mask_names, style)
            for r in rows]


def length_grouped_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: sort within shuffled chunks of 50 batches, then shuffle.

    >>> sorted(len(b) for b in length_grouped_batches([5, 1, 3, 2, 4], 2, random.Random(0)))
    [1, 2, 2]
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i:i + chunk], key=lambda j: lengths[j])
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def evaluate(predictor: StancePredictor, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], np.ndarray]:
    """Metrics of ``predictor`` on corpus rows, and the probabilities."""
    preds = predictor.predict_pairs([(r["text"], r["source"], r["target"]) for r in rows])
    probs = np.array([p.probs for p in preds])
    return classification_metrics([r["label"] for r in rows], [p.label for p in preds]), probs


def calibrate(checkpoint: str | Path, predictor: StancePredictor, dev_rows: list[dict[str, Any]]) -> float:
    """Fit the softmax temperature on dev and record it in the checkpoint's ``geostance.json``."""
    predictor.temperature = 1.0
    _, probs = evaluate(predictor, dev_rows)
    temperature = fit_temperature(probs, [LABEL2ID[r["label"]] for r in dev_rows])
    meta_path = Path(checkpoint, "geostance.json")
    meta = json.loads(meta_path.read_text())
    meta["temperature"] = temperature
    meta_path.write_text(json.dumps(meta, indent=2))
    return temperature


def run(cfg: TrainConfig) -> dict[str, Any]:
    """Train, select on dev macro-F1, write the checkpoint and ``metrics.json``; return the metrics."""
    start = time.time()
    set_seed(cfg.training.seed)
    if cfg.training.threads:
        torch.set_num_threads(cfg.training.threads)
    with open(cfg.data.aliases, encoding="utf-8") as f:
        aliases = yaml.safe_load(f)
    finder = ActorFinder(aliases, include_organisations=cfg.data.include_organisations)
    train_rows = read_pairs(cfg.data.train, finder)[: cfg.data.max_train_examples]
    dev_rows = read_pairs(cfg.data.dev, finder)
    test_rows = read_pairs(cfg.data.test, finder) if cfg.data.test else []

    model, tokenizer = build_model(cfg.model.encoder, cfg.model.dropout)
    marked = encode_rows(train_rows, finder, cfg.model.mask_names, cfg.model.pair_encoding)
    features = featurize(tokenizer, marked, cfg.model.max_length)
    train_ds = datasets.Dataset.from_list(
        [{**f, "label": LABEL2ID[r["label"]]} for f, r in zip(features, train_rows)]
    )
    lengths = [len(ids) for ids in train_ds["input_ids"]]
    rng = random.Random(cfg.training.seed)
    steps_per_epoch = -(-len(train_ds) // cfg.training.batch_size)
    total_steps = steps_per_epoch * cfg.training.epochs
    if cfg.training.max_steps is not None:
        total_steps = min(total_steps, cfg.training.max_steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.training.learning_rate, weight_decay=cfg.training.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.training.warmup_ratio * total_steps), total_steps)
    meta = {"max_length": cfg.model.max_length, "mask_names": cfg.model.mask_names, "pair_encoding": cfg.model.pair_encoding,
            "config": to_dict(cfg)}
    predictor = StancePredictor(model, tokenizer, meta, finder, batch_size=cfg.training.eval_batch_size, device="cpu")
    pad = tokenizer.pad_token_id or 0

    best_f1, best_state, best_epoch, stale, step = -1.0, None, 0, 0, 0
    history = []
    bar = tqdm(total=total_steps, desc="train", disable=not cfg.training.progress, unit="step")
    for epoch in range(1, cfg.training.epochs + 1):
        model.train()
        losses = []
        for batch_idx in length_grouped_batches(lengths, cfg.training.batch_size, rng):
            if step >= total_steps:
                break
            batch = collate([train_ds[i] for i in batch_idx], pad)
            labels = batch.pop("labels")
            loss = torch.nn.functional.cross_entropy(model(**batch), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            step += 1
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{np.mean(losses[-50:]):.3f}")
        model.eval()
        dev_metrics, _ = evaluate(predictor, dev_rows)
        history.append({"epoch": epoch, "step": step, "train_loss": float(np.mean(losses)) if losses else None,
                        "dev_macro_f1": dev_metrics["macro_f1"], "dev_accuracy": dev_metrics["accuracy"]})
        bar.write(f"epoch {epoch}: loss {history[-1]['train_loss']}, dev macro-F1 {dev_metrics['macro_f1']:.4f}")
        if dev_metrics["macro_f1"] > best_f1:
            best_f1, best_state, best_epoch, stale = dev_metrics["macro_f1"], copy.deepcopy(model.state_dict()), epoch, 0
        else:
            stale += 1
        if stale >= cfg.training.patience or step >= total_steps:
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    train_seconds = time.time() - start
    save_checkpoint(cfg.training.output_dir, model, tokenizer, cfg.model.max_length, to_dict(cfg), aliases)
    predictor.temperature = calibrate(cfg.training.output_dir, predictor, dev_rows)
    dev_metrics, _ = evaluate(predictor, dev_rows)
    metrics: dict[str, Any] = {
        "temperature": predictor.temperature, "best_epoch": best_epoch, "steps": step, "train_examples": len(train_rows),
        "train_seconds": round(train_seconds, 1),
        "train_examples_per_second": round(step * cfg.training.batch_size / max(train_seconds, 1e-9), 2),
        "history": history, "dev": dev_metrics,
    }
    if test_rows:
        metrics["test"], _ = evaluate(predictor, test_rows)
    Path(cfg.training.output_dir, "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics
