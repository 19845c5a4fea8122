"""``StancePredictor``: the one object that turns text into dyad stances.

Used by the batch scripts, training-time evaluation, the benchmarks and the tests. Every method
takes one input or a list and returns the same shape back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import torch

from infer.actors import ActorFinder, directed_pairs
from infer.aggregate import DyadStance, PairPrediction, aggregate_article
from infer.encoding import encode_in_context
from infer.model import collate, featurize, load_checkpoint
from infer.schema import LABELS, Actor
from infer.sentences import split_sentences


@dataclass
class ArticleResult:
    """Sentence-level pair predictions and article-level dyad stances of one article."""

    sentences: list[PairPrediction] = field(default_factory=list)
    dyads: list[DyadStance] = field(default_factory=list)
    n_sentences: int = 0
    n_actors: int = 0

    @property
    def status(self) -> str:
        """``ok`` when at least one dyad was found, else ``no_dyads``."""
        return "ok" if self.sentences else "no_dyads"


class StancePredictor:
    """Stance of directed actor pairs, from a checkpoint directory.

    >>> p = StancePredictor.from_pretrained("models/default")  # doctest: +SKIP
    >>> p.predict_sentences("Russia invaded Ukraine.")[0].label  # doctest: +SKIP
    'conflictual'
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Any, meta: dict[str, Any], finder: ActorFinder,
                 batch_size: int = 32, device: str = "cpu") -> None:
        self.model = model.to(device).eval() if isinstance(model, torch.nn.Module) else model
        self.tokenizer = tokenizer
        self.meta = meta
        self.finder = finder
        self.batch_size = batch_size
        self.device = device
        self.max_length = int(meta["max_length"])
        self.mask_names = bool(meta.get("mask_names", False))
        self.style = meta.get("pair_encoding", "markers")
        # Temperature fitted on dev after training (calibration); 1.0 for an uncalibrated checkpoint.
        self.temperature = float(meta.get("temperature", 1.0))
        self.n_evidence = 3

    @classmethod
    def from_pretrained(cls, directory: str | Path, batch_size: int = 32, threads: int | None = None,
                        device: str | None = None, include_organisations: bool | None = None,
                        int8: bool = False, backend: str = "torch") -> StancePredictor:
        """Load everything from the checkpoint directory.

        ``threads`` sets the CPU threads; ``backend`` is ``torch`` or ``onnx`` (ONNX Runtime, needs the
        ``onnx`` extra); ``int8`` quantises the linear layers dynamically (CPU only) in either backend.
        """
        if threads:
            torch.set_num_threads(threads)
        model, tokenizer, meta = load_checkpoint(directory)
        if backend == "onnx":
            from infer.onnx_backend import OnnxForward, export

            model = OnnxForward(export(directory, int8=int8), threads=threads)
            device = "cpu"
        elif backend != "torch":
            raise ValueError(f"backend must be 'torch' or 'onnx', got {backend!r}")
        elif int8:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            device = "cpu"
        orgs = meta["config"].get("data", {}).get("include_organisations", True) if include_organisations is None else include_organisations
        finder = ActorFinder.from_yaml(Path(directory) / "aliases.yaml", include_organisations=orgs)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return cls(model, tokenizer, meta, finder, batch_size=batch_size, device=device)

    # -- the model on marked texts -------------------------------------------------------------
    def predict_marked(self, marked: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) for marked pair texts, batched by length with dynamic padding."""
        if not marked:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        features = featurize(self.tokenizer, list(marked), self.max_length)
        order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
        out = np.zeros((len(features), len(LABELS)), dtype=np.float32)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                batch = {k: v.to(self.device) for k, v in collate([features[j] for j in idx], pad).items()}
                logits = self.model(**batch)
                if isinstance(logits, np.ndarray):  # ONNX Runtime
                    logits = torch.from_numpy(logits)
                out[idx] = torch.softmax(logits.float() / self.temperature, dim=-1).cpu().numpy()
        return out

    def _encode(self, text: str, actors: list[Actor]) -> list[tuple[str, str, str]]:
        """(source, target, marked text) for every directed pair of ``actors`` in ``text``."""
        by_code = {a.code: a for a in actors}
        return [(s.code, t.code, encode_in_context(text, by_code, s.code, t.code, self.mask_names, self.style))
                for s, t in directed_pairs(actors)]

    # -- public API --------------------------------------------------------------------------
    @overload
    def predict_pairs(self, rows: dict[str, str] | tuple[str, str, str]) -> PairPrediction: ...
    @overload
    def predict_pairs(self, rows: list[dict[str, str] | tuple[str, str, str]]) -> list[PairPrediction]: ...
    def predict_pairs(self, rows):  # type: ignore[no-untyped-def]
        """Stance of given ``(text, source, target)`` rows (tuples or dicts with those keys)."""
        single = isinstance(rows, (dict, tuple))
        items = [rows] if single else list(rows)
        marked, keys = [], []
        for i, row in enumerate(items):
            text, source, target = (row["text"], row["source"], row["target"]) if isinstance(row, dict) else row
            actors = {a.code: a for a in self.finder.find(text)}
            for code in (source, target):
                if code not in actors:
                    raise ValueError(f"row {i}: actor {code!r} not found in text {text[:80]!r}")
            marked.append(encode_in_context(text, actors, source, target, self.mask_names, self.style))
            keys.append((source, target, text))
        probs = self.predict_marked(marked)
        preds = [PairPrediction(s, t, text, tuple(float(x) for x in p)) for (s, t, text), p in zip(keys, probs)]
        return preds[0] if single else preds

    @overload
    def predict_sentences(self, texts: str) -> list[PairPrediction]: ...
    @overload
    def predict_sentences(self, texts: list[str]) -> list[list[PairPrediction]]: ...
    def predict_sentences(self, texts):  # type: ignore[no-untyped-def]
        """Every directed dyad found in each sentence, with its stance."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        encoded = [self._encode(t, self.finder.find(t)) for t in items]
        probs = iter(self.predict_marked([m for enc in encoded for _, _, m in enc]))
        out = [
            [PairPrediction(s, t, text, tuple(float(x) for x in next(probs)), i) for s, t, _ in enc]
            for i, (text, enc) in enumerate(zip(items, encoded))
        ]
        return out[0] if single else out

    @overload
    def predict_article(self, texts: str) -> ArticleResult: ...
    @overload
    def predict_article(self, texts: list[str]) -> list[ArticleResult]: ...
    def predict_article(self, texts):  # type: ignore[no-untyped-def]
        """Sentence-level dyad rows plus article-level aggregates; all articles share batches."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        per_article = []
        marked: list[str] = []
        for text in items:
            spans = split_sentences(text)
            rows, codes = [], set()
            for span in spans:
                actors = self.finder.find(span.text)
                codes.update(a.code for a in actors)
                for s, t, m in self._encode(span.text, actors):
                    rows.append((s, t, span))
                    marked.append(m)
            per_article.append((spans, rows, codes))
        probs = iter(self.predict_marked(marked))
        results = []
        for spans, rows, codes in per_article:
            preds = [PairPrediction(s, t, span.text, tuple(float(x) for x in next(probs)), span.index) for s, t, span in rows]
            results.append(ArticleResult(preds, aggregate_article(preds, n_evidence=self.n_evidence), len(spans), len(codes)))
        return results[0] if single else results
