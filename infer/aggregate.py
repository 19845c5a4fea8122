"""Aggregate sentence-level dyad stances into article-level dyad stances (pure, torch-free).

Per directed dyad: number of distinct sentences, a weighted mean score with weight
``1 - P(neutral)`` (so stance-less co-mentions barely count), the share of each predicted label,
an article label from the weighted score, and the top evidence sentences. The undirected dyad
("CHN-RUS") pools the sentences of both directions. Identical sentences repeated in one article
(captions repeated by scrapers) count once.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _summarise(source: str, target: str, directed: bool, rows: list[PairPrediction],
               n_evidence: int, threshold: float) -> DyadStance:
    total_weight = sum(r.weight for r in rows)
    score = sum(r.weight * r.score for r in rows) / total_weight if total_weight > 0 else 0.0
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
        score=round(score, 6), label=label_from_score(score, threshold), weight=round(total_weight, 6),
        share_conflictual=labels.count("conflictual") / n, share_neutral=labels.count("neutral") / n,
        share_cooperative=labels.count("cooperative") / n, evidence=evidence,
    )


def aggregate_article(rows: Iterable[PairPrediction], n_evidence: int = 3, threshold: float = 0.2,
                      undirected: bool = True) -> list[DyadStance]:
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
    out = [_summarise(s, t, True, rs, n_evidence, threshold) for (s, t), rs in directed.items()]
    if undirected:
        pooled: dict[tuple[str, str], list[PairPrediction]] = {}
        for (s, t), rs in directed.items():
            pooled.setdefault(tuple(sorted((s, t))), []).extend(rs)
        out += [_summarise(a, b, False, rs, n_evidence, threshold) for (a, b), rs in pooled.items()]
    return out
