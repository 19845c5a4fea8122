"""``python -m train.calibrate --checkpoint DIR [--dev FILE]``: fit the softmax temperature on dev.

Training does this itself; this command calibrates an older checkpoint in place. Labels (argmax) do
not change, only the probabilities and scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def dev_temperature(predictor: Any, rows: list[dict[str, Any]]) -> float:
    """The softmax temperature that minimises the NLL of ``predictor`` on the dev ``rows`` (fitted on
    its uncalibrated probabilities; the predictor's own temperature is left at 1.0)."""
    from infer.schema import LABEL2ID
    from train.metrics import fit_temperature

    predictor.temperature = 1.0
    probs = np.array([p.probs for p in predictor.predict_pairs([(r["text"], r["source"], r["target"]) for r in rows])])
    return fit_temperature(probs, [LABEL2ID[r["label"]] for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="checkpoint directory (updated in place)")
    parser.add_argument("--dev", default="data/corpus/dev.jsonl", help="development rows (default: %(default)s)")
    args = parser.parse_args(argv)
    from infer.predictor import StancePredictor
    from train.data import read_pairs

    predictor = StancePredictor.from_pretrained(args.checkpoint, device="cpu")
    temperature = dev_temperature(predictor, read_pairs(args.dev, predictor.finder))
    meta_path = Path(args.checkpoint, "geostance.json")
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "temperature": temperature}, indent=2))
    metrics_path = Path(args.checkpoint, "metrics.json")
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text())
        metrics["temperature"] = temperature
        metrics_path.write_text(json.dumps(metrics, indent=2))
    print(json.dumps({"checkpoint": args.checkpoint, "temperature": temperature}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
