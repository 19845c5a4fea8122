"""Metric code on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from train.evaluate import score_set, two_way
from train.metrics import classification_metrics, confusion_text, expected_calibration_error


def test_classification_metrics_by_hand() -> None:
    gold = ["conflictual", "conflictual", "neutral", "cooperative"]
    pred = ["conflictual", "neutral", "neutral", "conflictual"]
    m = classification_metrics(gold, pred)
    assert m["accuracy"] == 0.5
    # conflictual: P 1/2, R 1/2, F1 1/2; neutral: P 1/2, R 1, F1 2/3; cooperative: 0
    assert m["per_class"]["conflictual"]["f1"] == pytest.approx(0.5)
    assert m["per_class"]["neutral"]["f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert "gold \\ pred" in confusion_text(m["confusion_matrix"])


def test_ece_by_hand() -> None:
    # bins: 0.95 (correct), 0.95 (wrong) -> |0.5 - 0.95| * 2/4; 0.55 (correct) x2 -> |1 - 0.55| * 2/4
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.45, 0.55]])
    gold = [0, 1, 0, 1]
    assert expected_calibration_error(probs, gold) == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    perfect = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(perfect, [0, 1]) == 0.0


def test_two_way_and_score_set() -> None:
    probs = np.array([[0.2, 0.7, 0.1], [0.1, 0.5, 0.4], [0.6, 0.1, 0.3]])
    assert two_way(probs) == ["conflictual", "cooperative", "conflictual"]
    m = score_set(["conflictual", "cooperative", "cooperative"], probs)
    assert m["two_way_accuracy"] == pytest.approx(2 / 3)
    assert m["present_labels"] == ["conflictual", "cooperative"]
    # 3-way argmax: neutral, neutral, conflictual -> conflictual F1 0, cooperative F1 0
    assert m["macro_f1_present_labels"] == 0.0 and m["accuracy"] == 0.0
