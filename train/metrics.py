"""Classification and calibration metrics (scikit-learn where it has them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from infer.schema import LABELS


def classification_metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Accuracy, macro-F1 over ``labels``, per-class precision/recall/F1/support, confusion matrix.

    >>> m = classification_metrics(["neutral", "cooperative"], ["neutral", "conflictual"])
    >>> m["accuracy"], m["confusion_matrix"][2]
    (0.5, [1, 0, 0])
    """
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    return {
        "n": len(gold),
        "accuracy": float(accuracy_score(gold, pred)) if len(gold) else 0.0,
        "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, label in enumerate(labels)
        },
        "labels": labels,
        "confusion_matrix": confusion_matrix(gold, pred, labels=labels).tolist() if len(gold) else [],
    }


def expected_calibration_error(probs: np.ndarray, gold_ids: Sequence[int], n_bins: int = 10) -> float:
    """ECE of the top-label confidence over equal-width bins.

    >>> expected_calibration_error(np.array([[0.9, 0.1], [0.6, 0.4]]), [0, 1], n_bins=10)
    0.35
    """
    probs = np.asarray(probs, dtype=float)
    gold = np.asarray(gold_ids)
    if len(gold) == 0:
        return 0.0
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return round(float(ece), 10)


def confusion_text(matrix: list[list[int]], labels: Sequence[str] = LABELS) -> str:
    """The confusion matrix as an aligned text table (rows gold, columns predicted)."""
    width = max(len(x) for x in labels) + 2
    head = "gold \\ pred".ljust(width) + "".join(label[:11].rjust(13) for label in labels)
    rows = [label.ljust(width) + "".join(str(v).rjust(13) for v in row) for label, row in zip(labels, matrix, strict=True)]
    return "\n".join([head, *rows])


def fit_temperature(probs: np.ndarray, gold_ids: Sequence[int]) -> float:
    """Temperature T minimising the negative log-likelihood of ``softmax(log(probs) / T)``.

    Temperature scaling (Guo et al., 2017) changes confidence, never the argmax. Fitted on dev.

    >>> p = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.99, 0.01]])
    >>> fit_temperature(p, [0, 0, 1, 1]) > 1.0  # over-confident: soften
    True
    """
    logp = np.log(np.clip(np.asarray(probs, dtype=float), 1e-12, 1.0))
    gold = np.asarray(gold_ids)
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.25), np.log(10.0), 400)):
        z = logp / t
        z = z - z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(gold)), gold] - np.log(np.exp(z).sum(axis=1))).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), float(nll)
    return round(best_t, 4)
