"""Canonical schema: stance labels, actor mentions and the records the pipeline passes around."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stance(enum.StrEnum):
    """The three stance labels, in the fixed order of the model's output layer."""

    CONFLICTUAL = "conflictual"
    NEUTRAL = "neutral"
    COOPERATIVE = "cooperative"

    @classmethod
    def names(cls) -> list[str]:
        """Label strings in output order: ``['conflictual', 'neutral', 'cooperative']``."""
        return [s.value for s in cls]


LABELS: list[str] = Stance.names()
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}


class MentionKind(enum.StrEnum):
    """How an actor is named: by name, or by a metonym (demonym, capital or leader)."""

    NAME = "name"
    DEMONYM = "demonym"
    CAPITAL = "capital"
    LEADER = "leader"


@dataclass(frozen=True)
class Mention:
    """One surface mention of an actor: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    kind: MentionKind


@dataclass(frozen=True)
class Actor:
    """An actor found in a text (ISO alpha-3 code or organisation code) with all its mentions."""

    code: str
    mentions: tuple[Mention, ...]

    @property
    def is_metonym_only(self) -> bool:
        """True when no mention names the country itself (only leader, capital or demonym)."""
        return all(m.kind is not MentionKind.NAME for m in self.mentions)


@dataclass(frozen=True)
class SentenceSpan:
    """A sentence of an article with its character offsets: ``article[start:end] == text``."""

    index: int
    start: int
    end: int
    text: str


def score_from_probs(p_conflictual: float, p_cooperative: float) -> float:
    """Stance score in [-1, 1]: ``P(cooperative) - P(conflictual)``.

    >>> score_from_probs(0.1, 0.7)
    0.6
    """
    return round(p_cooperative - p_conflictual, 10)


def label_from_score(score: float, threshold: float = 0.2) -> str:
    """Label of an aggregated score: conflictual below ``-threshold``, cooperative above it.

    >>> label_from_score(-0.5), label_from_score(0.1), label_from_score(0.3)
    ('conflictual', 'neutral', 'cooperative')
    """
    if score < -threshold:
        return Stance.CONFLICTUAL.value
    if score > threshold:
        return Stance.COOPERATIVE.value
    return Stance.NEUTRAL.value
