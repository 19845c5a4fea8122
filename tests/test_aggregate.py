"""Table tests for article-level aggregation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infer.aggregate import PairPrediction, aggregate_article

CONF, NEUT, COOP = (0.9, 0.1, 0.0), (0.05, 0.9, 0.05), (0.0, 0.2, 0.8)


def P(s: str, t: str, text: str, probs: tuple[float, float, float], i: int = 0) -> PairPrediction:
    return PairPrediction(s, t, text, probs, i)


def by_dyad(rows: list[PairPrediction], **kw: object) -> dict:
    return {d.dyad: d for d in aggregate_article(rows, **kw)}


@pytest.mark.parametrize("rows,dyad,label,score,n", [
    # one conflictual sentence
    ([P("USA", "CHN", "a", CONF)], "USA->CHN", "conflictual", -0.9, 1),
    # a neutral co-mention barely dilutes a stance: weights 0.9 and 0.1
    ([P("USA", "CHN", "a", CONF), P("USA", "CHN", "b", NEUT)], "USA->CHN", "conflictual", -0.9 * 0.9 / 1.0, 2),
    # cooperative and conflictual in equal weight cancel out
    ([P("A", "B", "a", (0.8, 0.2, 0.0)), P("A", "B", "b", (0.0, 0.2, 0.8))], "A->B", "neutral", 0.0, 2),
    # only neutral sentences: score from tiny weights, label neutral
    ([P("A", "B", "a", NEUT), P("A", "B", "b", NEUT)], "A->B", "neutral", 0.0, 2),
    # a fully neutral sentence (weight 0) gives score 0, not a division error
    ([P("A", "B", "a", (0.0, 1.0, 0.0))], "A->B", "neutral", 0.0, 1),
    # repeated caption counts once
    ([P("A", "B", "Troops advance.", CONF), P("A", "B", "Troops  advance.", CONF)], "A->B", "conflictual", -0.9, 1),
    # undirected dyad pools both directions, codes sorted
    ([P("USA", "CHN", "a", CONF), P("CHN", "USA", "a", COOP)], "CHN-USA", "neutral", (0.9 * -0.9 + 0.8 * 0.8) / 1.7, 1),
])
def test_aggregate(rows: list[PairPrediction], dyad: str, label: str, score: float, n: int) -> None:
    d = by_dyad(rows)[dyad]
    assert d.label == label
    assert d.score == pytest.approx(score, abs=1e-6)
    assert d.n_sentences == n


def test_shares_and_evidence() -> None:
    rows = [P("A", "B", "weak", (0.3, 0.4, 0.3), 0), P("A", "B", "strong", CONF, 1), P("A", "B", "coop", COOP, 2)]
    d = by_dyad(rows, n_evidence=2)["A->B"]
    assert (d.share_conflictual, d.share_neutral, d.share_cooperative) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert d.evidence == ["strong", "coop"]


def test_directed_only() -> None:
    rows = [P("A", "B", "a", CONF)]
    assert [d.dyad for d in aggregate_article(rows, undirected=False)] == ["A->B"]
    assert aggregate_article([]) == []


probs = st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)).filter(lambda p: sum(p) > 0).map(
    lambda p: tuple(x / sum(p) for x in p))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from(["A", "B", "C"]), st.text(max_size=20), probs),
                max_size=30))
def test_scores_stay_in_range(items: list) -> None:
    rows = [P(s, t, text, p, i) for i, (s, t, text, p) in enumerate(items) if s != t]
    for d in aggregate_article(rows):
        assert -1.0 - 1e-9 <= d.score <= 1.0 + 1e-9
        assert d.label in ("conflictual", "neutral", "cooperative")
        assert abs(d.share_conflictual + d.share_neutral + d.share_cooperative - 1.0) < 1e-9


def test_learned_aggregator_lets_one_event_outweigh_many_co_mentions() -> None:
    """One strike among nine neutral co-mentions: the weighted mean is diluted toward zero, while an
    aggregator that reads the strongest sentence (max P(conflictual)) labels the dyad conflictual."""
    from infer.aggregate import FEATURES, ArticleAggregator, dyad_features

    rows = [PairPrediction("A", "B", "A struck B.", (0.95, 0.05, 0.0), 3)]
    rows += [PairPrediction("A", "B", f"A and B, item {i}.", (0.15, 0.8, 0.05), i + 4) for i in range(9)]
    reads_max = [0.0] * len(FEATURES)
    reads_max[FEATURES.index("max_p_conflictual")] = 10.0
    agg = ArticleAggregator((tuple(reads_max), (0.0,) * len(FEATURES), (0.0,) * len(FEATURES)), (-4.0, 0.0, 0.0))
    assert dyad_features(rows)[FEATURES.index("max_p_conflictual")] == 0.95
    (learned,) = aggregate_article(rows, undirected=False, aggregator=agg)
    assert learned.label == "conflictual" and learned.score < -0.9
    calm = [PairPrediction("A", "B", f"A and B, item {i}.", (0.15, 0.8, 0.05), i) for i in range(9)]
    assert aggregate_article(calm, undirected=False, aggregator=agg)[0].label == "neutral"


def test_aggregator_round_trips_and_rejects_other_features() -> None:
    from infer.aggregate import FEATURES, ArticleAggregator

    agg = ArticleAggregator(((1.0,) * len(FEATURES),) * 3, (0.0, 0.1, 0.2))
    assert ArticleAggregator.from_dict(agg.to_dict()) == agg
    with pytest.raises(ValueError, match="differ"):
        ArticleAggregator.from_dict({**agg.to_dict(), "features": ["other"]})


def test_article_dyads_score_the_rule_whatever_the_predictor_aggregates() -> None:
    """The rule's figures must not silently become the learned aggregator's when one is loaded."""
    from infer.aggregate import FEATURES, ArticleAggregator
    from train.aggregator import article_dyads, article_metrics

    rows = [PairPrediction("A", "B", "A struck B.", (0.9, 0.1, 0.0), 0)] + [
        PairPrediction("A", "B", f"A and B {i}.", (0.0, 1.0, 0.0), i + 1) for i in range(5)]
    always_cooperative = ArticleAggregator(((0.0,) * len(FEATURES),) * 3, (0.0, 0.0, 9.0))

    class Result:
        sentences = rows
        dyads = aggregate_article(rows, aggregator=always_cooperative)

    class Predictor:
        aggregator = always_cooperative

        def predict_article(self, texts):
            return [Result() for _ in texts]

    dyads = article_dyads(Predictor(), [{"text": "x", "dyads": [{"source": "A", "target": "B", "label": "conflictual", "score": -1}]}])
    assert dyads[0]["rule_label"] == "conflictual"
    assert article_metrics(dyads)["sign_accuracy"] == 1.0
    assert article_metrics(dyads, always_cooperative)["sign_accuracy"] == 0.0
