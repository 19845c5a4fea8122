"""``python -m infer``: batch inference.

    python -m infer --checkpoint DIR --input FILE --output FILE [--batch-size 32 --threads 1 ...]
    python -m infer pairs --checkpoint DIR --input pairs.jsonl --output out.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from infer.batch import InferConfig


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`InferConfig` field, with its docstring as help."""
    from infer.config import field_help

    docs = {line.split("=")[0].strip(): line.split(":", 1)[1].strip() for line in field_help(InferConfig).splitlines()}
    for f in dataclasses.fields(InferConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool",):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default, help=docs.get(f.name))
        elif f.name in ("on_error", "engine", "backend"):
            choices = {"on_error": ["fail", "skip"], "engine": ["local", "ray"], "backend": ["torch", "onnx"]}[f.name]
            parser.add_argument(flag, choices=choices, default=f.default, help=docs.get(f.name) + " (default: %(default)s)")
        else:
            kind = int if f.name in ("batch_size", "chunk_size", "threads") else str
            parser.add_argument(flag, type=kind, default=f.default, help=f"{docs.get(f.name)} (default: %(default)s)")


def run_pairs(checkpoint: str, input_path: str, output: str, batch_size: int = 32, threads: int | None = None) -> int:
    """Add label, score and the three probabilities to given (text, source, target) rows."""
    from infer.batch_io import read_table, write_table
    from infer.predictor import StancePredictor

    rows = read_table(input_path)
    for i, row in enumerate(rows, 1):
        for key in ("text", "source", "target"):
            if not isinstance(row.get(key), str) or not row[key]:
                raise ValueError(f"{input_path}:{i}: field {key!r}: missing or not a string")
    predictor = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads)
    try:
        preds = predictor.predict_pairs([(r["text"], r["source"], r["target"]) for r in rows])
    except ValueError as e:  # "row N: actor X not found": point at the file line
        msg = str(e)
        if msg.startswith("row "):
            n = int(msg.split()[1].rstrip(":"))
            msg = f"{input_path}:{n + 1}: field 'source'/'target': " + msg.split(":", 1)[1].strip()
        raise ValueError(msg) from None
    out = [{**r, "label_pred": p.label, "score": p.score, "p_conflictual": p.probs[0], "p_neutral": p.probs[1],
            "p_cooperative": p.probs[2]} if "label" in r else
           {**r, "label": p.label, "score": p.score, "p_conflictual": p.probs[0], "p_neutral": p.probs[1],
            "p_cooperative": p.probs[2]} for r, p in zip(rows, preds)]
    write_table(out, output)
    return len(out)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run batch inference over articles, or over given pairs."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "pairs":
        parser = argparse.ArgumentParser(prog="python -m infer pairs",
                                         description="Add label, score and probabilities to pair rows (text, source, target).")
        parser.add_argument("--checkpoint", required=True, help="checkpoint directory")
        parser.add_argument("--input", required=True, help="pair rows: JSONL, CSV or Parquet")
        parser.add_argument("--output", required=True, help="output file; format by extension")
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--threads", type=int, default=None)
        args = parser.parse_args(argv[1:])
        n = run_pairs(args.checkpoint, args.input, args.output, args.batch_size, args.threads)
        print(json.dumps({"pairs": n, "output": args.output}))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m infer", description="Stance of every directed country dyad in a file of news articles. "
        "Subcommand 'pairs' scores given pair rows instead (python -m infer pairs --help).")
    _add_config_flags(parser)
    args = parser.parse_args(argv)
    cfg = InferConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(InferConfig)})
    if cfg.engine == "ray":
        from infer.ray_engine import run as run_ray

        summary = run_ray(cfg)
    else:
        from infer.batch import run

        summary = run(cfg)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
