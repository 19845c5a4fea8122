"""Aggregate sentence-level dyad stances into article-level dyad stances (pure, torch-free).

Per directed dyad: number of distinct sentences, a weighted mean score with weight
``1 - P(neutral)`` (so stance-less co-mentions barely count), the share of each predicted label,
an article label from the weighted score, and the top evidence sentences. The undirected dyad
("CHN-RUS") pools the sentences of both directions. Identical sentences repeated in one article
(captions repeated by scrapers) count once.

A checkpoint may carry a learned aggregator (:class:`ArticleAggregator`, multinomial logistic
regression over :func:`dyad_features`, fitted on dev articles by training): then the article label
and score come from it, so that one sentence reporting a strike or a treaty can set the stance of an
article whose other sentences only co-mention the pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from infer.schema import LABELS, label_from_score
from infer.sentences import sentence_key


@dataclass(frozen=True)
class PairPrediction:
    """Stance of one directed pair in one sentence."""

    source: str
    target: str
    text: str
    probs: tuple[float, float, float]  # conflictual, neutral, cooperative
    sentence_index: int = 0
    skipped_actors: tuple[str, ...] = ()
    """Actors of the sentence beyond the per-sentence cap, whose pairs were not scored."""

    @property
    def label(self) -> str:
        """Argmax label."""
        return LABELS[max(range(3), key=lambda i: self.probs[i])]

    @property
    def score(self) -> float:
        """``P(cooperative) - P(conflictual)`` in [-1, 1]."""
        return self.probs[2] - self.probs[0]

    @property
    def weight(self) -> float:
        """``1 - P(neutral)``: how much stance the sentence carries for this pair."""
        return 1.0 - self.probs[1]


@dataclass(frozen=True)
class DyadStance:
    """Article-level stance of a dyad; ``directed`` False for the pooled undirected dyad."""

    source: str
    target: str
    directed: bool
    n_sentences: int
    score: float
    label: str
    weight: float
    share_conflictual: float
    share_neutral: float
    share_cooperative: float
    evidence: list[str] = field(default_factory=list)

    @property
    def dyad(self) -> str:
        """``"USA->CHN"`` for a directed dyad, ``"CHN-USA"`` (sorted) for an undirected one."""
        return f"{self.source}->{self.target}" if self.directed else f"{self.source}-{self.target}"


def _dedupe(rows: Iterable[PairPrediction]) -> list[PairPrediction]:
    """Keep the first occurrence of each (source, target, sentence text)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for row in rows:
        key = (row.source, row.target, sentence_key(row.text))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


FEATURES = ("weighted_score", "max_p_conflictual", "max_p_cooperative", "mean_p_neutral", "share_conflictual",
            "share_cooperative", "log_sentences", "in_first_sentence")


def dyad_features(rows: Sequence[PairPrediction]) -> list[float]:
    """The features of one dyad's sentence predictions that the learned aggregator reads (:data:`FEATURES`).

    >>> dyad_features([PairPrediction("A", "B", "x", (0.9, 0.1, 0.0), 0), PairPrediction("A", "B", "y", (0.0, 1.0, 0.0), 3)])
    [-0.9, 0.9, 0.0, 0.55, 0.5, 0.0, 0.693, 1.0]
    """
    total_weight = sum(r.weight for r in rows)
    weighted = sum(r.weight * r.score for r in rows) / total_weight if total_weight > 0 else 0.0
    n = len(rows)
    values = [weighted, max(r.probs[0] for r in rows), max(r.probs[2] for r in rows), sum(r.probs[1] for r in rows) / n,
              sum(r.label == "conflictual" for r in rows) / n, sum(r.label == "cooperative" for r in rows) / n,
              math.log(n), float(any(r.sentence_index == 0 for r in rows))]
    return [round(v, 3) for v in values]


@dataclass(frozen=True)
class ArticleAggregator:
    """Multinomial logistic regression from :func:`dyad_features` to the article label (label order
    of :data:`LABELS`); ``score`` is P(cooperative) - P(conflictual)."""

    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    features: tuple[str, ...] = FEATURES

    def probs(self, features: Sequence[float]) -> tuple[float, ...]:
        """Class probabilities of one dyad.

        >>> ArticleAggregator(((-1.0,) + (0.0,) * 7, (0.0,) * 8, (1.0,) + (0.0,) * 7), (0.0, 0.0, 0.0)).probs([0.0] * 8)
        (0.333, 0.333, 0.333)
        """
        logits = [b + sum(w * x for w, x in zip(ws, features, strict=True)) for ws, b in zip(self.coef, self.intercept, strict=True)]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        return tuple(round(e / sum(exp), 3) for e in exp)

    def to_dict(self) -> dict[str, list]:
        return {"coef": [list(c) for c in self.coef], "intercept": list(self.intercept), "features": list(self.features)}

    @classmethod
    def from_dict(cls, d: dict[str, list]) -> ArticleAggregator:
        if tuple(d["features"]) != FEATURES:
            raise ValueError(f"aggregator features {d['features']} differ from this code's {list(FEATURES)}")
        return cls(tuple(tuple(c) for c in d["coef"]), tuple(d["intercept"]), FEATURES)


def _summarise(source: str, target: str, directed: bool, rows: list[PairPrediction],
               n_evidence: int, threshold: float, aggregator: ArticleAggregator | None = None) -> DyadStance:
    total_weight = sum(r.weight for r in rows)
    score = sum(r.weight * r.score for r in rows) / total_weight if total_weight > 0 else 0.0
    label = label_from_score(score, threshold)
    if aggregator is not None:
        probs = aggregator.probs(dyad_features(rows))
        score, label = probs[2] - probs[0], LABELS[max(range(3), key=lambda i: probs[i])]
    labels = [r.label for r in rows]
    n = len(rows)
    # Evidence: the sentences that move the score most, each sentence once.
    ranked = sorted(rows, key=lambda r: (-r.weight * abs(r.score), r.sentence_index))
    evidence: list[str] = []
    for r in ranked:
        if r.text not in evidence:
            evidence.append(r.text)
        if len(evidence) == n_evidence:
            break
    return DyadStance(
        source=source, target=target, directed=directed, n_sentences=len({sentence_key(r.text) for r in rows}),
        score=round(score, 6), label=label, weight=round(total_weight, 6),
        share_conflictual=labels.count("conflictual") / n, share_neutral=labels.count("neutral") / n,
        share_cooperative=labels.count("cooperative") / n, evidence=evidence,
    )


def aggregate_article(rows: Iterable[PairPrediction], n_evidence: int = 3, threshold: float = 0.2,
                      undirected: bool = True, aggregator: ArticleAggregator | None = None) -> list[DyadStance]:
    """Article-level dyad stances from sentence-level pair predictions.

    >>> rows = [PairPrediction("USA", "CHN", "US sanctions China.", (0.9, 0.1, 0.0)),
    ...         PairPrediction("CHN", "USA", "US sanctions China.", (0.0, 1.0, 0.0))]
    >>> [(d.dyad, d.label, round(d.score, 2)) for d in aggregate_article(rows)]
    [('USA->CHN', 'conflictual', -0.9), ('CHN->USA', 'neutral', 0.0), ('CHN-USA', 'conflictual', -0.9)]
    """
    rows = _dedupe(rows)
    directed: dict[tuple[str, str], list[PairPrediction]] = {}
    for row in rows:
        directed.setdefault((row.source, row.target), []).append(row)
    out = [_summarise(s, t, True, rs, n_evidence, threshold, aggregator) for (s, t), rs in directed.items()]
    if undirected:
        pooled: dict[tuple[str, str], list[PairPrediction]] = {}
        for (s, t), rs in directed.items():
            pooled.setdefault(tuple(sorted((s, t))), []).extend(rs)
        out += [_summarise(a, b, False, rs, n_evidence, threshold, aggregator) for (a, b), rs in pooled.items()]
    return out
