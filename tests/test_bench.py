"""The benchmark runs every strategy side by side on news-length text (tiny models, a few articles)."""

from __future__ import annotations

import statistics
from pathlib import Path


def test_news_like_corpus_has_news_lengths_and_several_actors(finder) -> None:
    from infer.bench import news_like_corpus
    from infer.sentences import split_sentences

    words, actors = [], []
    for article in news_like_corpus(40):
        for s in split_sentences(article):
            n = len(finder.find(s.text))
            if n >= 2:
                words.append(len(s.text.split()))
                actors.append(n)
    assert 25 <= statistics.median(words) <= 32
    assert sum(w > 40 for w in words) / len(words) >= 0.1
    assert min(actors) == 2 and max(actors) >= 6


def test_bench_times_both_strategies(tiny_checkpoint: Path, tiny_sentence_checkpoint: Path, tmp_path: Path) -> None:
    from infer.bench import run, table

    result = run([str(tiny_checkpoint), str(tiny_sentence_checkpoint)], n_articles=2, threads=1, batch_size=8,
                 naive_pairs=4, backends=["fp32"], out=str(tmp_path / "bench.json"))
    strategies = {(r["strategy"], r["workload"]) for r in result["runs"]}
    assert {("per_pair", "news_like"), ("per_sentence", "news_like")} <= strategies
    assert all(r["pairs_per_s"] > 0 for r in result["runs"])
    crowded = result["crowded_sentence"]["per_sentence"]
    assert [r["scored_pairs"] for r in crowded] == [2, 12, 56, 132, 132, 132]  # the cap of 12 actors holds
    assert "| per_sentence | fp32 | news_like |" in table(result) and (tmp_path / "bench.json").is_file()
