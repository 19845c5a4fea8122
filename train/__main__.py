"""``python -m train --config configs/default.yaml [--section.key value ...]``: train a stance model."""

from __future__ import annotations

import argparse
import json
import sys

from infer.config import field_help, load_config
from train.config import DataConfig, ModelConfig, TrainConfig, TrainingConfig


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and call :func:`train.trainer.run`."""
    epilog = "\n".join(f"{name}:\n{field_help(cls)}" for name, cls in
                       (("data", DataConfig), ("model", ModelConfig), ("training", TrainingConfig)))
    parser = argparse.ArgumentParser(
        prog="python -m train", description="Train a geostance stance model from a YAML config.",
        epilog="Any field can be overridden as --section.key value, e.g. --training.epochs 2.\n\n" + epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", default="configs/default.yaml", help="YAML config file (default: %(default)s)")
    args, overrides = parser.parse_known_args(argv)
    cfg = load_config(TrainConfig, args.config, overrides)
    from train.trainer import run  # imported late so that --help and config errors are fast

    metrics = run(cfg)
    summary = {k: metrics[k]["macro_f1"] for k in ("dev", "test") if k in metrics}
    print(json.dumps({"output_dir": cfg.training.output_dir, "macro_f1": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
