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
            kind = int if f.name in ("batch_size", "chunk_size", "threads", "ray_workers", "max_actors_per_sentence") else str
            parser.add_argument(flag, type=kind, default=f.default, help=f"{docs.get(f.name)} (default: %(default)s)")


def run_pairs(checkpoint: str, input_path: str, output: str, batch_size: int = 32, threads: int | None = None,
              on_error: str = "skip") -> dict[str, int]:
    """Add label (``label_pred`` when the rows carry a gold ``label``), score and the three
    probabilities to given (text, source, target) rows.

    Every input row gets an output row with a ``status`` (``ok`` or ``error``). A bad row (a missing
    field, an actor the finder cannot place in the text) is named by file, line and field: with
    ``on_error="fail"`` it stops the run, with ``skip`` it is written to the errors file beside the
    output and its output row carries the reason.
    """
    from infer.batch import output_paths
    from infer.batch_io import InputError, RowError, _raw_rows, write_table
    from infer.predictor import StancePredictor

    predictor = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads)
    rows: list[dict] = []
    good: list[int] = []
    errors: list[RowError] = []
    for line, row in _raw_rows(input_path):
        err = row if isinstance(row, RowError) else None
        if err is None:
            missing = [k for k in ("text", "source", "target") if not isinstance(row.get(k), str) or not row[k]]
            if missing:
                err = RowError(input_path, line, missing[0], "missing or not a non-empty string")
            else:
                found = {a.code for a in predictor.finder.find(row["text"])}
                absent = [k for k in ("source", "target") if row[k] not in found]
                if absent:
                    err = RowError(input_path, line, absent[0], f"actor {row[absent[0]]!r} not found in the text by the actor finder")
        if err is not None:
            if on_error == "fail":
                raise InputError(str(err))
            errors.append(err)
            rows.append({**(row if isinstance(row, dict) else {}), "line": line, "status": "error", "error": str(err)})
            continue
        good.append(len(rows))
        rows.append({**row, "line": line, "status": "ok", "error": None})
    preds = predictor.predict_pairs([(rows[i]["text"], rows[i]["source"], rows[i]["target"]) for i in good])
    for i, p in zip(good, preds, strict=True):
        key = "label_pred" if "label" in rows[i] else "label"
        rows[i].update({key: p.label, "score": p.score, "p_conflictual": p.probs[0], "p_neutral": p.probs[1],
                        "p_cooperative": p.probs[2]})
    write_table(rows, output)
    with open(output_paths(output)["errors"], "w", encoding="utf-8") as f:
        for e in errors:
            f.write(json.dumps({"line": e.line, "field": e.field, "error": str(e)}, ensure_ascii=False) + "\n")
    return {"rows": len(rows), "ok": len(good), "error": len(errors)}


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
        parser.add_argument("--on-error", choices=["fail", "skip"], default="skip",
                            help="bad rows: stop with file, line and field (fail) or record them and go on (default: %(default)s)")
        args = parser.parse_args(argv[1:])
        summary = run_pairs(args.checkpoint, args.input, args.output, args.batch_size, args.threads, args.on_error)
        print(json.dumps({**summary, "output": args.output}))
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
