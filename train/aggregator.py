"""Article level: fit the learned aggregator on dev articles and score aggregations against article gold.

The aggregator itself (features, probabilities) is pure and lives in :mod:`infer.aggregate`; this
module only fits it (scikit-learn) and measures it, so that inference never needs scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infer.aggregate import ArticleAggregator, PairPrediction, aggregate_article, dyad_features
from infer.schema import LABEL2ID, LABELS


def article_dyads(predictor: Any, articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per gold directed dyad: gold label and score, the rule's score and label, and the
    features of the dyad's sentence predictions (None when the model found no sentence for it)."""
    results = predictor.predict_article([a["text"] for a in articles])
    out = []
    for art, res in zip(articles, results, strict=True):
        rows: dict[tuple[str, str], list[PairPrediction]] = {}
        for p in res.sentences:
            rows.setdefault((p.source, p.target), []).append(p)
        # The rule is recomputed from the sentence rows: res.dyads follow the predictor's aggregator.
        rule = {(d.source, d.target): d for d in aggregate_article(res.sentences, undirected=False)}
        for g in art["dyads"]:
            key = (g["source"], g["target"])
            out.append({"gold_label": g["label"], "gold_score": float(g["score"]),
                        "features": dyad_features(rows[key]) if key in rows else None,
                        "rule_score": rule[key].score if key in rule else 0.0,
                        "rule_label": rule[key].label if key in rule else "neutral"})
    return out


def fit_aggregator(dyads: list[dict[str, Any]], c: float = 1.0) -> ArticleAggregator:
    """Multinomial logistic regression (balanced classes) from dyad features to the gold label."""
    from sklearn.linear_model import LogisticRegression

    usable = [d for d in dyads if d["features"] is not None]
    labels = sorted({d["gold_label"] for d in usable})
    if len(labels) < 3:
        raise ValueError(f"the dev articles hold gold labels {labels}; the aggregator needs all three")
    x = np.array([d["features"] for d in usable])
    y = np.array([LABEL2ID[d["gold_label"]] for d in usable])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, y)
    order = [list(model.classes_).index(i) for i in range(len(LABELS))]
    return ArticleAggregator(tuple(tuple(float(w) for w in model.coef_[i]) for i in order),
                             tuple(float(model.intercept_[i]) for i in order))


def article_metrics(dyads: list[dict[str, Any]], aggregator: ArticleAggregator | None = None) -> dict[str, Any]:
    """Sign accuracy (dyads with non-neutral gold), 3-way macro-F1 and Spearman of aggregated against
    gold article stances, by the rule (``aggregator`` None) or the learned aggregator."""
    from scipy.stats import spearmanr

    from train.metrics import classification_metrics

    scores, labels = [], []
    for d in dyads:
        if aggregator is None or d["features"] is None:
            score, label = (d["rule_score"], d["rule_label"]) if aggregator is None else (0.0, "neutral")
        else:
            probs = aggregator.probs(d["features"])
            score, label = probs[2] - probs[0], LABELS[int(np.argmax(probs))]
        scores.append(score)
        labels.append(label)
    gold_scores = [d["gold_score"] for d in dyads]
    signed = [(p, g) for p, g in zip(scores, gold_scores, strict=True) if g != 0]
    defined = len(set(gold_scores)) > 1 and len(set(scores)) > 1
    return {"dyads": len(dyads), "non_neutral_dyads": len(signed),
            "sign_accuracy": float(np.mean([np.sign(p) == np.sign(g) for p, g in signed])) if signed else None,
            "macro_f1": classification_metrics([d["gold_label"] for d in dyads], labels)["macro_f1"] if dyads else None,
            "spearman": float(spearmanr(scores, gold_scores).statistic) if defined else None}
