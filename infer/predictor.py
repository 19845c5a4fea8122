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
from infer.aggregate import ArticleAggregator, DyadStance, PairPrediction, aggregate_article
from infer.encoding import encode_in_context, encode_sentence
from infer.model import collate, featurize, featurize_sentences, input_width, levitated_ids, load_checkpoint, resolve_device
from infer.schema import LABELS, Actor
from infer.sentences import split_sentences

# Sentences whose actors are scored together: (text, its actors by code, the ordered pairs to score).
SentenceJob = tuple[str, dict[str, Actor], list[tuple[str, str]]]
DEFAULT_MAX_ACTORS = 12


def featurize_jobs(tokenizer: Any, jobs: Sequence[SentenceJob], strategy: str, mask_names: bool,
                   max_length: int) -> tuple[list[dict[str, Any]], list[list[int]]]:
    """Encoder inputs for every pair of every job, and for each input the flat indices of its pairs
    (pairs numbered job by job, in order). Training, evaluation and inference all encode through here.

    ``per_pair`` and ``appended`` give one input per pair; ``per_sentence`` one input per sentence
    (or per window of a sentence too long for ``max_length``).
    """
    offsets = np.cumsum([0] + [len(pairs) for _, _, pairs in jobs]).tolist()
    if strategy == "per_sentence":
        encoded = []
        for text, actors, pairs in jobs:
            marked, codes = encode_sentence(text, list(actors.values()), mask_names)
            encoded.append((marked, codes, pairs))
        features = featurize_sentences(tokenizer, encoded, max_length)
        return features, [[offsets[f["sentence"]] + k for k, _, _ in f["pairs"]] for f in features]
    marked = [encode_in_context(text, actors, s, t, mask_names, strategy) for text, actors, pairs in jobs for s, t in pairs]
    return featurize(tokenizer, marked, max_length), [[i] for i in range(len(marked))]


def cap_actors(actors: list[Actor], limit: int | None) -> tuple[list[Actor], tuple[str, ...]]:
    """The first ``limit`` actors of a sentence (in order of first mention) and the codes of the rest.

    >>> kept, skipped = cap_actors([Actor("USA", ()), Actor("CHN", ()), Actor("RUS", ())], 2)
    >>> [a.code for a in kept], skipped
    (['USA', 'CHN'], ('RUS',))
    """
    if limit is None or len(actors) <= limit:
        return actors, ()
    return actors[:limit], tuple(a.code for a in actors[limit:])


@dataclass
class ArticleResult:
    """Sentence-level pair predictions and article-level dyad stances of one article."""

    sentences: list[PairPrediction] = field(default_factory=list)
    dyads: list[DyadStance] = field(default_factory=list)
    n_sentences: int = 0
    n_actors: int = 0
    skipped_actors: int = 0
    """Actor mentions beyond ``max_actors_per_sentence``, summed over sentences (their pairs were not scored)."""

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
                 batch_size: int = 32, device: str = "cpu", max_actors_per_sentence: int | None = None) -> None:
        self.model = model.to(device).eval() if isinstance(model, torch.nn.Module) else model
        self.tokenizer = tokenizer
        self.meta = meta
        self.finder = finder
        self.batch_size = batch_size
        self.device = device
        self.max_length = int(meta["max_length"])
        self.mask_names = bool(meta.get("mask_names", False))
        self.strategy = meta.get("pair_encoding", "per_pair")
        # Beyond this many actors in one sentence the rest are recorded as skipped, not scored: the
        # pair count grows as n * (n - 1), and a 40-country list is not 1,560 stances.
        self.max_actors = max_actors_per_sentence or int(meta.get("max_actors_per_sentence", DEFAULT_MAX_ACTORS))
        # Temperature fitted on dev after training (calibration); 1.0 for an uncalibrated checkpoint.
        self.temperature = float(meta.get("temperature", 1.0))
        self.n_evidence = 3
        # Learned article-level aggregator fitted on dev articles, when the checkpoint has one.
        self.aggregator = ArticleAggregator.from_dict(meta["aggregator"]) if meta.get("aggregator") else None

    @classmethod
    def from_pretrained(cls, directory: str | Path, batch_size: int = 32, threads: int | None = None,
                        device: str | None = None, include_organisations: bool | None = None,
                        int8: bool = False, backend: str = "torch", max_actors_per_sentence: int | None = None,
                        aliases_extra: str | Path | None = None) -> StancePredictor:
        """Load everything from the checkpoint directory.

        ``threads`` sets the CPU threads; ``backend`` is ``torch`` or ``onnx`` (ONNX Runtime, needs the
        ``onnx`` extra); ``int8`` runs ONNX Runtime's dynamic int8 quantisation of the linear layers
        (CPU; the maintained int8 path, so it implies the onnx backend). ``aliases_extra`` lays a user
        actor table (same schema, plus an ``actors`` section for non-state actors) over the checkpoint's.
        """
        if threads:
            torch.set_num_threads(threads)
        model, tokenizer, meta = load_checkpoint(directory)
        if backend not in ("torch", "onnx"):
            raise ValueError(f"backend must be 'torch' or 'onnx', got {backend!r}")
        if backend == "onnx" or int8:
            from infer.onnx_backend import OnnxForward, export

            model = OnnxForward(export(directory, int8=int8), threads=threads)
            device = "cpu"
        orgs = meta["config"].get("data", {}).get("include_organisations", True) if include_organisations is None else include_organisations
        finder = ActorFinder.from_yaml(Path(directory) / "aliases.yaml", include_organisations=orgs, extra=aliases_extra)
        device = device or resolve_device("auto")
        return cls(model, tokenizer, meta, finder, batch_size=batch_size, device=device,
                   max_actors_per_sentence=max_actors_per_sentence)

    # -- the model on sentence jobs ------------------------------------------------------------
    def score(self, jobs: Sequence[SentenceJob]) -> np.ndarray:
        """Probabilities (pairs, 3) for every pair of every job, flat in job order; inputs batched by
        length with dynamic padding."""
        n_pairs = sum(len(pairs) for _, _, pairs in jobs)
        out = np.zeros((n_pairs, len(LABELS)), dtype=np.float32)
        if not n_pairs:
            return out
        features, flat = featurize_jobs(self.tokenizer, jobs, self.strategy, self.mask_names, self.max_length)
        levitate = levitated_ids(self.tokenizer, self.strategy)
        order = sorted(range(len(features)), key=lambda i: input_width(features[i], levitate is not None))
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                batch = {k: v.to(self.device) for k, v in collate([features[j] for j in idx], pad, levitate).items()}
                logits = self.model(**batch)
                if isinstance(logits, np.ndarray):  # ONNX Runtime
                    logits = torch.from_numpy(logits)
                out[[k for j in idx for k in flat[j]]] = torch.softmax(logits.float() / self.temperature, dim=-1).cpu().numpy()
        return out

    def sentence_job(self, text: str) -> tuple[SentenceJob, tuple[str, ...]]:
        """The job scoring every ordered pair of the (capped) actors of ``text``, and the skipped actor codes."""
        actors, skipped = cap_actors(self.finder.find(text), self.max_actors)
        pairs = [(s.code, t.code) for s, t in directed_pairs(actors)]
        return (text, {a.code: a for a in actors}, pairs), skipped

    # -- public API --------------------------------------------------------------------------
    @overload
    def predict_pairs(self, rows: dict[str, str] | tuple[str, str, str]) -> PairPrediction: ...
    @overload
    def predict_pairs(self, rows: list[dict[str, str] | tuple[str, str, str]]) -> list[PairPrediction]: ...
    def predict_pairs(self, rows):  # type: ignore[no-untyped-def]
        """Stance of given ``(text, source, target)`` rows (tuples or dicts with those keys)."""
        single = isinstance(rows, (dict, tuple))
        items = [rows] if single else list(rows)
        jobs: dict[str, SentenceJob] = {}  # rows of one sentence share its job (one pass per sentence)
        keys = []
        for i, row in enumerate(items):
            text, source, target = (row["text"], row["source"], row["target"]) if isinstance(row, dict) else row
            if text not in jobs:
                jobs[text] = (text, {a.code: a for a in self.finder.find(text)}, [])
            actors, pairs = jobs[text][1], jobs[text][2]
            for code in (source, target):
                if code not in actors:
                    raise ValueError(f"row {i}: actor {code!r} not found in text {text[:80]!r}")
            keys.append((source, target, text, len(pairs)))
            pairs.append((source, target))
        order = list(jobs)
        offsets = dict(zip(order, np.cumsum([0] + [len(jobs[t][2]) for t in order]).tolist(), strict=False))
        probs = self.score([jobs[t] for t in order])
        preds = [PairPrediction(s, t, text, tuple(float(x) for x in probs[offsets[text] + k])) for s, t, text, k in keys]
        return preds[0] if single else preds

    @overload
    def predict_sentences(self, texts: str) -> list[PairPrediction]: ...
    @overload
    def predict_sentences(self, texts: list[str]) -> list[list[PairPrediction]]: ...
    def predict_sentences(self, texts):  # type: ignore[no-untyped-def]
        """Every directed dyad found in each sentence, with its stance."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        jobs = [self.sentence_job(t) for t in items]
        probs = iter(self.score([job for job, _ in jobs]))
        out = [[PairPrediction(s, t, text, tuple(float(x) for x in next(probs)), i, skipped) for s, t in pairs]
               for i, ((text, _, pairs), skipped) in enumerate(jobs)]
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
        jobs: list[SentenceJob] = []
        for text in items:
            spans = split_sentences(text)
            rows, codes, n_skipped = [], set(), 0
            for span in spans:
                job, skipped = self.sentence_job(span.text)
                codes.update(job[1])
                codes.update(skipped)
                n_skipped += len(skipped)
                rows += [(s, t, span, skipped) for s, t in job[2]]
                jobs.append(job)
            per_article.append((spans, rows, codes, n_skipped))
        probs = iter(self.score(jobs))
        results = []
        for spans, rows, codes, n_skipped in per_article:
            preds = [PairPrediction(s, t, span.text, tuple(float(x) for x in next(probs)), span.index, skipped)
                     for s, t, span, skipped in rows]
            results.append(ArticleResult(preds, aggregate_article(preds, n_evidence=self.n_evidence, aggregator=self.aggregator), len(spans), len(codes),
                                         n_skipped))
        return results[0] if single else results
