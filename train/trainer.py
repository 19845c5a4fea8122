"""The training loop: typed config in, self-describing checkpoint and ``metrics.json`` out."""

from __future__ import annotations

import contextlib
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
from infer.model import build_model, collate, input_width, levitated_ids, resolve_device, save_checkpoint
from infer.model_card import write_model_card
from infer.predictor import SentenceJob, StancePredictor, featurize_jobs
from infer.schema import LABEL2ID
from train.aggregator import article_dyads, article_metrics, fit_aggregator
from train.calibrate import dev_temperature
from train.config import TrainConfig
from train.data import read_articles, read_pairs
from train.metrics import classification_metrics


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def sentence_jobs(rows: list[dict[str, Any]], finder: ActorFinder) -> tuple[list[SentenceJob], list[int]]:
    """Corpus rows grouped by sentence into scoring jobs (actors located by the same finder inference
    uses), and the row index of each pair in flat job order.

    >>> finder = ActorFinder({"countries": {"RUS": {}, "UKR": {}}})
    >>> rows = [{"doc_id": "d", "text": "Russia invaded Ukraine.", "source": s, "target": t} for s, t in (("RUS", "UKR"), ("UKR", "RUS"))]
    >>> jobs, order = sentence_jobs(rows, finder)
    >>> [(len(jobs), jobs[0][2], order)]
    [(1, [('RUS', 'UKR'), ('UKR', 'RUS')], [0, 1])]
    """
    jobs: dict[tuple[str, str], SentenceJob] = {}
    members: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        key = (r["doc_id"], r["text"])
        if key not in jobs:
            jobs[key] = (r["text"], {a.code: a for a in finder.find(r["text"])}, [])
            members[key] = []
        jobs[key][2].append((r["source"], r["target"]))
        members[key].append(i)
    return list(jobs.values()), [i for key in jobs for i in members[key]]


def stance_loss(logits: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor | None = None,
                focal_gamma: float = 0.0) -> torch.Tensor:
    """Cross-entropy over pairs, optionally class-weighted and focal (``(1 - p_true) ** gamma``).

    >>> logits = torch.tensor([[4.0, 0.0, 0.0], [0.0, 0.0, 4.0]])
    >>> labels = torch.tensor([0, 0])
    >>> bool(stance_loss(logits, labels, focal_gamma=2.0) < stance_loss(logits, labels))
    True
    """
    nll = torch.nn.functional.cross_entropy(logits, labels, weight=weight, reduction="none")
    if focal_gamma > 0:
        p_true = torch.softmax(logits, dim=-1).gather(1, labels[:, None]).squeeze(1)
        nll = nll * (1.0 - p_true).pow(focal_gamma)
    if weight is not None:
        return nll.sum() / weight[labels].sum()
    return nll.mean()


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

    device = resolve_device(cfg.training.device)
    model, tokenizer = build_model(cfg.model.encoder, cfg.model.dropout, cfg.model.pair_encoding)
    model.to(device)
    jobs, row_of_pair = sentence_jobs(train_rows, finder)
    features, flat = featurize_jobs(tokenizer, jobs, cfg.model.pair_encoding, cfg.model.mask_names, cfg.model.max_length)
    train_ds = datasets.Dataset.from_list(
        [{"input_ids": f["input_ids"], "pairs": f["pairs"], "labels": [LABEL2ID[train_rows[row_of_pair[k]]["label"]] for k in ks]}
         for f, ks in zip(features, flat, strict=True)]
    )
    levitate = levitated_ids(tokenizer, cfg.model.pair_encoding)
    lengths = [input_width(f, levitate is not None) for f in features]
    class_weight = None
    if cfg.training.class_weights == "balanced":
        counts = np.bincount([LABEL2ID[r["label"]] for r in train_rows], minlength=len(LABEL2ID))
        class_weight = torch.tensor(len(train_rows) / (len(LABEL2ID) * np.maximum(counts, 1)), dtype=torch.float32, device=device)
    # bf16 autocast on a GPU; the CPU path runs in fp32 as before.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext()
    rng = random.Random(cfg.training.seed)
    steps_per_epoch = -(-len(train_ds) // cfg.training.batch_size)
    total_steps = steps_per_epoch * cfg.training.epochs
    if cfg.training.max_steps is not None:
        total_steps = min(total_steps, cfg.training.max_steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.training.learning_rate, weight_decay=cfg.training.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.training.warmup_ratio * total_steps), total_steps)
    meta = {"max_length": cfg.model.max_length, "mask_names": cfg.model.mask_names, "pair_encoding": cfg.model.pair_encoding,
            "max_actors_per_sentence": cfg.model.max_actors_per_sentence, "config": to_dict(cfg)}
    predictor = StancePredictor(model, tokenizer, meta, finder, batch_size=cfg.training.eval_batch_size, device=device)
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
            batch = {k: v.to(device) for k, v in collate([train_ds[i] for i in batch_idx], pad, levitate).items()}
            labels = batch.pop("labels")
            with autocast:
                logits = model(**batch)
            loss = stance_loss(logits.float(), labels, class_weight, cfg.training.focal_gamma)
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
    # Softmax temperature fitted on dev (calibration), saved with the weights.
    predictor.temperature = dev_temperature(predictor, dev_rows)
    article_metrics_: dict[str, Any] = {}
    if cfg.data.articles:
        # The article aggregator is fitted on dev articles only; test articles are scored once, below.
        articles = read_articles(cfg.data.articles)
        dev_dyads = article_dyads(predictor, [a for a in articles if a["split"] == "dev"])
        predictor.aggregator = fit_aggregator(dev_dyads)
        test_dyads = article_dyads(predictor, [a for a in articles if a["split"] == "test"])
        article_metrics_ = {"articles_dev": article_metrics(dev_dyads, predictor.aggregator),
                            "articles_test": {"rule": article_metrics(test_dyads), "learned": article_metrics(test_dyads, predictor.aggregator)}}
    save_checkpoint(cfg.training.output_dir, model, tokenizer, cfg.model.max_length, to_dict(cfg), aliases,
                    temperature=predictor.temperature,
                    aggregator=predictor.aggregator.to_dict() if predictor.aggregator else None)
    dev_metrics, _ = evaluate(predictor, dev_rows)
    metrics: dict[str, Any] = {
        "temperature": predictor.temperature, "best_epoch": best_epoch, "steps": step, "train_examples": len(train_rows),
        "train_seconds": round(train_seconds, 1),
        "train_examples_per_second": round(step * cfg.training.batch_size / max(train_seconds, 1e-9), 2),
        "history": history, "dev": dev_metrics, **article_metrics_,
    }
    if test_rows:
        metrics["test"], _ = evaluate(predictor, test_rows)
    Path(cfg.training.output_dir, "metrics.json").write_text(json.dumps(metrics, indent=2))
    write_model_card(cfg.training.output_dir)
    return metrics
