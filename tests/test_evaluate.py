"""train.evaluate end to end on the tiny model: files written, baselines present, figures in range."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_pair_corpus


def test_evaluate_writes_report(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from train.evaluate import run

    paths = write_pair_corpus(tmp_path / "c")
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"doc_id": "d", "split": "test", "text": "Russia invaded Ukraine. Kyiv condemned Moscow.",
                                    "dyads": [{"source": "RUS", "target": "UKR", "label": "conflictual", "score": -1},
                                              {"source": "UKR", "target": "RUS", "label": "conflictual", "score": -0.5}]}) + "\n")
    swap = tmp_path / "swap.jsonl"
    swap.write_text(json.dumps({"text": "Brazil invaded Kenya.", "source": "BRA", "target": "KEN", "label": "conflictual",
                                "orig_text": "Russia invaded Ukraine.", "orig_source": "RUS", "orig_target": "UKR"}) + "\n")
    out = tmp_path / "eval"
    results = run(str(tiny_checkpoint), [paths["test"]], str(out), paths["train"], paths["dev"], str(articles), str(swap))
    systems = results["sets"]["test"]["systems"]
    assert set(systems) == {"geostance", "majority class", "TF-IDF + logistic regression", "VADER tone"}
    for m in systems.values():
        assert 0 <= m["macro_f1"] <= 1 and 0 <= m["ece"] <= 1 and 0 <= m["two_way_accuracy"] <= 1
    for kind in ("rule", "learned"):  # the tiny checkpoint carries an aggregator fitted on its dev articles
        assert results["articles"][kind]["dyads"] == 2 and 0 <= results["articles"][kind]["sign_accuracy"] <= 1
    assert 0 <= results["name_bias"]["consistency"] <= 1
    for name in ("metrics.json", "report.md", "confusion_test.png", "reliability_test.png"):
        assert (out / name).is_file(), name
    assert "| geostance |" in (out / "report.md").read_text()
