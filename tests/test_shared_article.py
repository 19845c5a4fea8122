"""The real article in ../shared/articles (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

ARTICLE = SHARED / "articles" / "us_china_secret_talks_2022-02-25.txt"
pytestmark = pytest.mark.skipif(not ARTICLE.is_file(), reason="../shared is not present")


def test_actors_and_dyads_of_the_shared_article(finder) -> None:
    from infer.actors import directed_pairs
    from infer.sentences import split_sentences

    text = ARTICLE.read_text(encoding="utf-8")
    dyads = set()
    for s in split_sentences(text):
        dyads |= {(a.code, b.code) for a, b in directed_pairs(finder.find(s.text))}
    countries = {"USA", "CHN", "RUS", "UKR"}
    assert {(a, b) for a in countries for b in countries if a != b} <= dyads | {("UKR", "CHN"), ("CHN", "UKR")}
    assert ("USA", "CHN") in dyads and ("CHN", "RUS") in dyads and ("RUS", "UKR") in dyads


def test_batch_on_shared_article(tiny_checkpoint: Path, tmp_path: Path) -> None:
    import json

    from infer.batch import InferConfig, output_paths, run
    from infer.batch_io import read_table

    inp = tmp_path / "a.jsonl"
    inp.write_text(json.dumps({"id": ARTICLE.stem, "date": "2022-02-25", "text": ARTICLE.read_text(encoding="utf-8")}) + "\n")
    out = tmp_path / "out.parquet"
    run(InferConfig(checkpoint=str(tiny_checkpoint), input=str(inp), output=str(out), progress=False))
    rows = [r for r in read_table(out) if r["directed"]]
    assert {("USA", "CHN"), ("CHN", "RUS"), ("RUS", "UKR")} <= {(r["source"], r["target"]) for r in rows}
    assert all(r["evidence"] for r in rows)
    sentences = read_table(output_paths(str(out))["sentences"])
    # The scraped article repeats captions: a dyad's sentence count counts each distinct sentence once.
    for r in rows:
        texts = {" ".join(s["sentence"].split()) for s in sentences if (s["source"], s["target"]) == (r["source"], r["target"])}
        assert r["n_sentences"] == len(texts)
