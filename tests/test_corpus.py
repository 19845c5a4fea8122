"""The shipped corpus: validator passes, size and coverage targets hold, the name-swap set is sound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.corpus import CorpusError, agreement, name_swap, near_duplicates, stats, validate

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
ALIASES = str(ROOT / "data" / "aliases.yaml")


def test_validator_passes_on_the_corpus() -> None:
    result = validate(CORPUS, ALIASES)
    assert set(result["pairs"]) == {"train", "dev", "test"}


def test_size_and_coverage_targets() -> None:
    s = stats(CORPUS, ALIASES)
    assert s["pairs"] >= 24000 and s["sentences"] >= 2000
    assert s["articles_with_gold"] >= 600
    assert all(share >= 0.2 for share in s["label_share"].values())
    assert max(s["top_actor_share"].values()) <= 0.2
    assert s["distinct_actors"] >= 60
    assert s["sentences_3plus_actors"] / s["sentences"] >= 0.25
    assert s["metonym_share"] >= 0.15


def test_corpus_v2_targets() -> None:
    """The properties corpus v2 was written to (issue 8), measured by ``stats``."""
    v2 = stats(CORPUS, ALIASES)["v2"]
    assert v2["pairs"] >= 15000 and v2["articles"] >= 600
    assert v2["label_share"]["neutral"] >= 0.40
    assert v2["sentences_3plus_actors_share"] >= 0.35
    assert 25 <= v2["words_per_sentence_median"] <= 30 and v2["sentences_over_40_words_share"] >= 0.15
    assert v2["contrast_pairs"] >= 2000
    targets = {"wire": 0.20, "war": 0.10, "domestic": 0.15, "opinion": 0.15, "business": 0.10, "culture": 0.10,
               "briefs": 0.10, "longform": 0.10}
    for genre, share in targets.items():
        assert abs(v2["genre_share_of_new_articles"][genre] - share) <= 0.05, genre


def test_agreement_figures() -> None:
    a = agreement(ROOT / "data" / "agreement" / "double_annotation.jsonl")
    assert a["pairs"] >= 400 and a["cohen_kappa"] > 0.6
    v2 = agreement(ROOT / "data" / "agreement" / "double_annotation_v2.jsonl")
    assert v2["pairs"] >= 1500 and v2["cohen_kappa"] >= 0.85
    assert set(v2["per_genre"]) == {"wire", "war", "domestic", "opinion", "business", "culture", "briefs", "longform"}


def test_validator_names_file_line_field(tmp_path: Path) -> None:
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.jsonl").write_text("")
    row = {"id": "x", "doc_id": "d", "text": "Russia invaded Ukraine.", "source": "RUS", "target": "FRA",
           "label": "conflictual", "tags": []}
    (tmp_path / "dev.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(CorpusError, match=r"dev.jsonl:1: field 'target': the actor finder does not find 'FRA'"):
        validate(tmp_path, ALIASES)
    (tmp_path / "dev.jsonl").write_text(json.dumps({**row, "target": "UKR", "label": "hostile"}) + "\n")
    with pytest.raises(CorpusError, match=r"dev.jsonl:1: field 'label'"):
        validate(tmp_path, ALIASES)
    (tmp_path / "dev.jsonl").write_text(json.dumps({**row, "target": "UKR"}) + "\n")
    (tmp_path / "test.jsonl").write_text(json.dumps({**row, "id": "y", "doc_id": "e", "target": "UKR",
                                                     "text": "Russia invaded Ukraine!"}) + "\n")
    with pytest.raises(CorpusError, match="near-duplicate"):
        validate(tmp_path, ALIASES)


def test_near_duplicates() -> None:
    assert near_duplicates(["China and Russia met on Monday."], ["China and Russia met on Monday!"])[0][:2] == (0, 0)
    assert near_duplicates(["China and Russia met on Monday."], ["Kenya sent aid to Somalia after floods."]) == []


def test_name_swap_changes_names_not_labels(finder) -> None:
    rows = [{"id": "a", "doc_id": "d", "text": "Moscow accused Ukraine of shelling, and Russian troops advanced.",
             "source": "RUS", "target": "UKR", "label": "conflictual", "tags": []}]
    swapped, skipped = name_swap(rows, finder)
    assert len(swapped) == 1 and not skipped
    s = swapped[0]
    assert s["label"] == "conflictual" and {s["source"], s["target"]}.isdisjoint({"RUS", "UKR"})
    found = [a.code for a in finder.find(s["text"])]
    assert found == [s["source"], s["target"]]
    assert "Moscow" not in s["text"] and "Russian" not in s["text"]
