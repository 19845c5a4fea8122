"""The model card: a ``README.md`` in every checkpoint directory, as Hugging Face model repositories carry.

Written from what the checkpoint already holds (``geostance.json``, ``metrics.json`` and, once
``python -m train.evaluate --out DIR`` has run, ``evaluation.json``), so it never disagrees with them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else ("" if x is None else str(x))


def render(meta: dict[str, Any], metrics: dict[str, Any], evaluation: dict[str, Any] | None = None) -> str:
    """Markdown text of the card."""
    cfg = meta.get("config", {})
    model, data, training = cfg.get("model", {}), cfg.get("data", {}), cfg.get("training", {})
    lines = [
        "# geostance stance model", "",
        "Directed country-to-country stance (conflictual / neutral / cooperative, score in [-1, 1]) for every ordered",
        "pair of actors named in a sentence, aggregated to articles. Load with",
        "`StancePredictor.from_pretrained(\"<this directory>\")`.", "",
        "## Model", "",
        f"- encoder: `{model.get('encoder')}`; pair strategy `{meta.get('pair_encoding', model.get('pair_encoding'))}` "
        f"(encoding `{meta.get('encoding_version')}`); actor names masked: {meta.get('mask_names')}",
        f"- max length {meta.get('max_length')} tokens; at most {meta.get('max_actors_per_sentence')} actors per sentence scored",
        f"- softmax temperature (fitted on dev) {_fmt(meta.get('temperature'))}; article aggregator: "
        + ("logistic regression fitted on dev articles" if meta.get("aggregator") else "weighted-mean rule"),
        "", "## Training data", "",
        f"- train `{data.get('train')}`, dev `{data.get('dev')}`, test `{data.get('test')}` (composed news written for "
        "geostance; see the project's `data/README.md`)",
        f"- {metrics.get('train_examples')} training pairs, {metrics.get('steps')} steps, best epoch {metrics.get('best_epoch')}, "
        f"{metrics.get('train_seconds')} s; {training.get('epochs')} epochs at most, batch {training.get('batch_size')}, "
        f"learning rate {training.get('learning_rate')}",
        "", "## Results", "", "| split | accuracy | macro-F1 |", "|---|---|---|",
    ]
    for split in ("dev", "test"):
        if split in metrics:
            lines.append(f"| corpus {split} | {_fmt(metrics[split].get('accuracy'))} | {_fmt(metrics[split].get('macro_f1'))} |")
    if "articles_test" in metrics:
        for kind, m in metrics["articles_test"].items():
            lines.append(f"| test articles ({kind} aggregation): sign accuracy {_fmt(m.get('sign_accuracy'))}, "
                         f"Spearman {_fmt(m.get('spearman'))} | | {_fmt(m.get('macro_f1'))} |")
    for name, res in ((evaluation or {}).get("sets") or {}).items():
        g = res["systems"]["geostance"]
        lines.append(f"| {name} ({res['n']} pairs; 2-way accuracy {_fmt(g.get('two_way_accuracy'))}) | "
                     f"{_fmt(g.get('accuracy'))} | {_fmt(g.get('macro_f1'))} |")
    lines += ["", "## Intended use and limits", "",
              "- For research on inter-state relations in English news: dyad stances and their time series, read with",
              "  their evidence sentences. Not for decisions about individuals.",
              "- Trained on composed news text; real-text accuracy is lower than corpus figures (see the project README).",
              "- Actors are what the alias table in this directory finds; coreference (\"the two countries\") is not resolved.",
              "- Scores reflect what a sentence reports, not the truth of the report.", ""]
    return "\n".join(lines)


def write_model_card(directory: str | Path) -> Path:
    """(Re)write ``README.md`` in a checkpoint directory from its metadata, metrics and evaluation."""
    path = Path(directory)
    read = lambda name: json.loads((path / name).read_text()) if (path / name).is_file() else {}  # noqa: E731
    card = path / "README.md"
    card.write_text(render(read("geostance.json"), read("metrics.json"), read("evaluation.json") or None))
    return card
