"""``python -m train.evaluate``: the model beside baselines on pair sets, article-level and name-bias checks.

    python -m train.evaluate --checkpoint models/default --data data/corpus/test.jsonl \\
        --data ../shared/eval/plover_gsr.jsonl --out runs/eval

Writes ``metrics.json``, ``report.md``, a confusion-matrix PNG and a reliability plot per data set.
Baselines are trained on ``--train`` and tuned on ``--dev`` only: majority class, TF-IDF + logistic
regression on the same pair-encoded text, and the VADER tone of the sentence as every dyad's score.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from infer.schema import LABEL2ID, LABELS
from train.metrics import classification_metrics, confusion_text, expected_calibration_error

NLI_NOTE = ("Zero-shot NLI: not run. No NLI model with usable weights can be installed offline from a package "
            "here, and nothing may be downloaded at run time.")


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Pair rows of a JSONL file (id, text, source, target, label, ...)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def two_way(probs: np.ndarray) -> list[str]:
    """Argmax restricted to conflictual vs cooperative (for sets without neutral gold).

    >>> two_way(np.array([[0.2, 0.7, 0.1], [0.1, 0.5, 0.4]]))
    ['conflictual', 'cooperative']
    """
    return ["cooperative" if p[2] > p[0] else "conflictual" for p in probs]


def score_set(gold: list[str], probs: np.ndarray) -> dict[str, Any]:
    """3-way metrics (macro-F1 over the labels present in gold), 2-way accuracy, ECE."""
    pred = [LABELS[i] for i in probs.argmax(axis=1)]
    present = [label for label in LABELS if label in set(gold)]
    m = classification_metrics(gold, pred)
    m["macro_f1_present_labels"] = classification_metrics(gold, pred, labels=present)["macro_f1"]
    m["present_labels"] = present
    stanced = [i for i, g in enumerate(gold) if g != "neutral"]
    if stanced:
        tw = two_way(probs[stanced])
        m["two_way_accuracy"] = float(np.mean([tw[k] == gold[i] for k, i in enumerate(stanced)]))
    m["ece"] = expected_calibration_error(probs, [LABEL2ID[g] for g in gold])
    return m


# -- baselines ------------------------------------------------------------------------------------
def majority_baseline(train: list[dict[str, Any]]) -> Callable[[list[dict[str, Any]]], np.ndarray]:
    """Always the most frequent training label."""
    counts = np.bincount([LABEL2ID[r["label"]] for r in train], minlength=3)
    top = np.eye(3)[counts.argmax()]
    return lambda rows: np.tile(top, (len(rows), 1))


def tfidf_baseline(train: list[dict[str, Any]], encode: Callable[[list[dict[str, Any]]], list[str]]
                   ) -> Callable[[list[dict[str, Any]]], np.ndarray]:
    """TF-IDF word 1-2 grams + logistic regression on the same pair-encoded text as the model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, token_pattern=r"\[/?[ST]\]|\b\w+\b"),
                         LogisticRegression(max_iter=2000, C=4.0))
    pipe.fit(encode(train), [LABEL2ID[r["label"]] for r in train])
    classes = list(pipe.classes_)

    def predict(rows: list[dict[str, Any]]) -> np.ndarray:
        p = pipe.predict_proba(encode(rows))
        out = np.zeros((len(rows), 3))
        out[:, classes] = p
        return out

    return predict


def vader_baseline(dev: list[dict[str, Any]]) -> tuple[Callable[[list[dict[str, Any]]], np.ndarray], dict[str, float]]:
    """The sentence's VADER compound score as every dyad's score; thresholds tuned on dev macro-F1."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    cache: dict[str, float] = {}

    def compound(rows: list[dict[str, Any]]) -> np.ndarray:
        out = []
        for r in rows:
            if r["text"] not in cache:
                cache[r["text"]] = analyser.polarity_scores(r["text"])["compound"]
            out.append(cache[r["text"]])
        return np.array(out)

    dev_c, dev_gold = compound(dev), [r["label"] for r in dev]
    best = (-1.0, 0.0, 0.0)
    grid = np.round(np.arange(-0.9, 0.91, 0.05), 2)
    for lo in grid:
        for hi in grid[grid >= lo]:
            pred = np.where(dev_c < lo, "conflictual", np.where(dev_c > hi, "cooperative", "neutral"))
            f1 = classification_metrics(dev_gold, list(pred))["macro_f1"]
            if f1 > best[0]:
                best = (f1, float(lo), float(hi))
    _, lo, hi = best

    def predict(rows: list[dict[str, Any]]) -> np.ndarray:
        c = compound(rows)
        # Probabilities that give the tuned 3-way decision and, restricted to 2 ways, the sign of the tone.
        p_coop = np.clip((c + 1) / 2, 0, 1)
        probs = np.stack([1 - p_coop, np.zeros_like(c), p_coop], axis=1) * 0.5
        probs[c < lo, 0] += 0.5
        probs[c > hi, 2] += 0.5
        mid = (c >= lo) & (c <= hi)
        probs[mid, 1] = 0.5 + 1e-6
        return probs / probs.sum(axis=1, keepdims=True)

    return predict, {"low": lo, "high": hi, "dev_macro_f1": best[0]}


# -- article level and name bias ------------------------------------------------------------------
def article_level(predictor: Any, articles: list[dict[str, Any]]) -> dict[str, Any]:
    """Sign accuracy, 3-way macro-F1 and Spearman of aggregated against gold article dyads, for the
    weighted-mean rule and (when the checkpoint has one) the learned aggregator."""
    from train.aggregator import article_dyads, article_metrics

    dyads = article_dyads(predictor, articles)  # sentence rows once; both aggregations read them
    out = {"articles": len(articles), "rule": article_metrics(dyads)}
    if predictor.aggregator is not None:
        out["learned"] = article_metrics(dyads, predictor.aggregator)
    return out


def name_bias(predictor: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of pairs whose predicted label survives the name swap, and the macro-F1 gap."""
    orig = predictor.predict_pairs([(r["orig_text"], r["orig_source"], r["orig_target"]) for r in rows])
    swap = predictor.predict_pairs([(r["text"], r["source"], r["target"]) for r in rows])
    gold = [r["label"] for r in rows]
    f_orig = classification_metrics(gold, [p.label for p in orig])["macro_f1"]
    f_swap = classification_metrics(gold, [p.label for p in swap])["macro_f1"]
    return {"pairs": len(rows), "consistency": float(np.mean([a.label == b.label for a, b in zip(orig, swap, strict=True)])),
            "macro_f1_original": f_orig, "macro_f1_swapped": f_swap, "macro_f1_gap": f_orig - f_swap}


# -- plots and report ---------------------------------------------------------------------------
def plot_confusion(matrix: list[list[int]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(np.array(matrix), cmap="Blues")
    ax.set_xticks(range(3), LABELS, rotation=30)
    ax.set_yticks(range(3), LABELS)
    for i in range(3):
        for j in range(3):
            ax.text(j, i, str(matrix[i][j]), ha="center", va="center")
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_reliability(probs: np.ndarray, gold: list[str], title: str, path: Path, n_bins: int = 10) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.array([LABEL2ID[g] for g in gold])
    edges = np.linspace(0, 1, n_bins + 1)
    mids, accs = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            mids.append(conf[sel].mean())
            accs.append(correct[sel].mean())
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot(mids, accs, "o-")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(x: Any) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def report(results: dict[str, Any]) -> str:
    """Markdown report: one comparison table per data set, then details."""
    lines = ["# geostance evaluation", "", f"Checkpoint: `{results['checkpoint']}` (backend {results.get('backend')}, "
             f"int8 {results.get('int8')})", ""]
    for name, res in results["sets"].items():
        lines += [f"## {name} ({res['n']} pairs)", "",
                  "| system | accuracy | macro-F1 | macro-F1 (gold labels) | 2-way acc. | ECE |", "|---|---|---|---|---|---|"]
        for system, m in res["systems"].items():
            lines.append(f"| {system} | {_fmt(m['accuracy'])} | {_fmt(m['macro_f1'])} | {_fmt(m['macro_f1_present_labels'])} | "
                         f"{_fmt(m.get('two_way_accuracy'))} | {_fmt(m['ece'])} |")
        model = res["systems"]["geostance"]
        lines += ["", "Per class (geostance):", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {_fmt(v['f1'])} | {v['support']} |"
                  for k, v in model["per_class"].items()]
        lines += ["", "```", confusion_text(model["confusion_matrix"]), "```", ""]
        if "by_genre" in res:
            lines += ["By genre (geostance):", "", "| genre | pairs | accuracy | macro-F1 | neutral recall |", "|---|---|---|---|---|"]
            lines += [f"| {g} | {m['n']} | {_fmt(m['accuracy'])} | {_fmt(m['macro_f1'])} | {_fmt(m['neutral_recall'])} |"
                      for g, m in res["by_genre"].items()]
            lines.append("")
    for key, title in (("articles", "Article level"), ("name_bias", "Name bias (name-swap set)")):
        if key in results:
            lines += [f"## {title}", "", "```", json.dumps(results[key], indent=2), "```", ""]
    lines += [f"VADER thresholds (tuned on dev): {results.get('vader_thresholds')}", "", NLI_NOTE, ""]
    return "\n".join(lines)


def run(checkpoint: str, data: list[str], out: str, train: str, dev: str, articles: str | None,
        name_swap: str | None, threads: int | None = None, backend: str = "torch", int8: bool = False) -> dict[str, Any]:
    """Evaluate the checkpoint and the baselines; write metrics.json, report.md and plots to ``out``."""
    from infer.encoding import encode_in_context
    from infer.predictor import StancePredictor

    predictor = StancePredictor.from_pretrained(checkpoint, batch_size=64, threads=threads, backend=backend, int8=int8)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_rows, dev_rows = read_rows(train), read_rows(dev)

    def encode(rows: list[dict[str, Any]]) -> list[str]:
        # The baselines read the per-pair marked text, whatever strategy the model uses.
        return [encode_in_context(r["text"], {a.code: a for a in predictor.finder.find(r["text"])}, r["source"], r["target"],
                                  predictor.mask_names, "per_pair") for r in rows]

    vader, thresholds = vader_baseline(dev_rows)
    systems = {"majority class": majority_baseline(train_rows), "TF-IDF + logistic regression": tfidf_baseline(train_rows, encode),
               "VADER tone": vader}
    results: dict[str, Any] = {"checkpoint": checkpoint, "backend": backend, "int8": int8, "sets": {}, "vader_thresholds": thresholds, "nli": NLI_NOTE}
    for path in data:
        all_rows = read_rows(path)
        usable = []
        for r in all_rows:  # pairs whose actors the finder cannot locate are counted, not silently scored
            codes = {a.code for a in predictor.finder.find(r["text"])}
            if r["source"] in codes and r["target"] in codes:
                usable.append(r)
        name = Path(path).stem
        gold = [r["label"] for r in usable]
        probs = np.array([p.probs for p in predictor.predict_pairs([(r["text"], r["source"], r["target"]) for r in usable])])
        entry = {"path": path, "n": len(usable), "skipped_actor_not_found": len(all_rows) - len(usable),
                 "systems": {"geostance": score_set(gold, probs)}}
        for sys_name, predict in systems.items():
            entry["systems"][sys_name] = score_set(gold, predict(usable))
        genres = sorted({r.get("genre") for r in usable} - {None})
        if len(genres) > 1:  # corpus files: the model per genre (v1 composed wire copy, v2 genres, contrast sets)
            entry["by_genre"] = {}
            for g in genres:
                idx = [i for i, r in enumerate(usable) if r.get("genre") == g]
                m = score_set([gold[i] for i in idx], probs[idx])
                entry["by_genre"][g] = {"n": len(idx), "macro_f1": m["macro_f1"], "accuracy": m["accuracy"],
                                        "neutral_recall": m["per_class"]["neutral"]["recall"]}
        plot_confusion(entry["systems"]["geostance"]["confusion_matrix"], name, out_dir / f"confusion_{name}.png")
        plot_reliability(probs, gold, name, out_dir / f"reliability_{name}.png")
        results["sets"][name] = entry
    if articles:
        arts = [a for a in read_rows(articles) if a.get("split") == "test"]
        results["articles"] = article_level(predictor, arts)
    if name_swap and Path(name_swap).is_file():
        results["name_bias"] = name_bias(predictor, read_rows(name_swap))
    (out_dir / "metrics.json").write_text(json.dumps(results, indent=2))
    (out_dir / "report.md").write_text(report(results))
    if backend == "torch" and not int8:  # the checkpoint's own card shows its real-text results
        from infer.model_card import write_model_card

        Path(checkpoint, "evaluation.json").write_text(json.dumps(results, indent=2))
        write_model_card(checkpoint)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="checkpoint directory")
    parser.add_argument("--data", action="append", required=True, help="pair-level JSONL with gold labels (repeatable)")
    parser.add_argument("--out", default="runs/eval", help="output directory (default: %(default)s)")
    parser.add_argument("--train", default="data/corpus/train.jsonl", help="baseline training rows (default: %(default)s)")
    parser.add_argument("--dev", default="data/corpus/dev.jsonl", help="baseline tuning rows (default: %(default)s)")
    parser.add_argument("--articles", default="data/corpus/articles.jsonl", help="articles with gold dyads; test split used")
    parser.add_argument("--name-swap", default="data/corpus/name_swap.jsonl", help="name-swap pairs (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--backend", choices=["torch", "onnx"], default="torch", help="inference backend (default: %(default)s)")
    parser.add_argument("--int8", action="store_true", help="dynamic int8 quantisation")
    args = parser.parse_args(argv)
    results = run(args.checkpoint, args.data, args.out, args.train, args.dev, args.articles, args.name_swap, args.threads,
                  args.backend, args.int8)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
