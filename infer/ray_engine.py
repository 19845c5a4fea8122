"""Batch inference on Ray Data, for clusters: ``python -m infer --engine ray [--ray-address ADDR]``.

The driver streams the input once through the local engine's checks (:func:`infer.batch_io.read_articles`:
file, line and field in every error, duplicate ids included) into Parquet shards next to the output,
so that workers read clean Parquet; the same :class:`~infer.predictor.StancePredictor` then runs in a
callable class that loads the checkpoint once per Ray actor. The three outputs (article dyad rows,
sentence rows, one status row per article) are Parquet datasets (directories) named like the local
outputs. On a cluster the output path must be storage every node can reach. Needs
``pip install geostance[ray]``.

The predictors run in an actor pool of 1 to ``ray_workers`` actors (``ActorPoolStrategy``), each
reserving ``threads`` CPUs, with torch set to the same number of threads. Unlike the local engine,
the Ray engine does not resume: a rerun recomputes every article (the driver's input check and
``on_error fail`` behave as locally).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infer.batch import ARTICLE_SCHEMA, SENTENCE_SCHEMA, STATUS_SCHEMA, InferConfig, article_rows, article_text, output_paths
from infer.batch_io import Article, InputError, RowError, read_articles


class PredictBatch:
    """Ray Data callable class: loads the checkpoint once per actor, predicts a batch of articles."""

    def __init__(self, checkpoint: str, batch_size: int, threads: int | None, backend: str = "torch",
                 int8: bool = False, max_actors_per_sentence: int | None = None, aliases_extra: str | None = None) -> None:
        from infer.predictor import StancePredictor

        self.predictor = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads, device="cpu",
                                                         backend=backend, int8=int8, max_actors_per_sentence=max_actors_per_sentence,
                                                         aliases_extra=aliases_extra)

    def __call__(self, batch: Any) -> dict[str, list[str]]:
        rows = batch.to_dict("records")
        articles = [None if r["error"] is not None else Article(int(r["line"]), r["id"], r["text"], r["title"], r["date"])
                    for r in rows]
        good = [a for a in articles if a is not None]
        results = iter(self.predictor.predict_article([article_text(a) for a in good]) if good else [])
        out: dict[str, list[str]] = {"article_id": [], "sentences": [], "articles": [], "status": []}
        for r, article in zip(rows, articles, strict=True):
            if article is None:
                sents, arts, status = [], [{"article_id": r["id"], "status": "error"}], {
                    "article_id": r["id"], "line": int(r["line"]), "status": "error", "error": r["error"]}
            else:
                sents, arts, status = article_rows(article, next(results))
            out["article_id"].append(r["id"])
            out["sentences"].append(json.dumps(sents))
            out["articles"].append(json.dumps(arts))
            out["status"].append(json.dumps([status]))
        return out


def _explode(kind: str, schema: Any):  # noqa: ANN202 - a Ray flat_map function
    names = schema.names

    def fn(row: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: r.get(k) for k in names} for r in json.loads(row[kind])]

    return fn


def stage_input(path: str, staging: Path, shard_rows: int = 10_000, on_error: str = "skip") -> int:
    """Check every input row on the driver and write them, errors included, as Parquet shards
    (``on_error="fail"``: stop at the first bad row, naming its file, line and field)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("line", pa.int64()), ("id", pa.string()), ("text", pa.string()), ("title", pa.string()),
                        ("date", pa.string()), ("error", pa.string())])
    staging.mkdir(parents=True, exist_ok=True)
    shard: list[dict[str, Any]] = []
    n = shards = 0

    def flush() -> None:
        nonlocal shards
        pq.write_table(pa.Table.from_pylist(shard, schema=schema), staging / f"shard-{shards:06d}.parquet")
        shards += 1
        shard.clear()

    for item in read_articles(path):
        if isinstance(item, RowError) and on_error == "fail":
            raise InputError(str(item))
        if isinstance(item, RowError):
            rid = item.id if item.id is not None else f"(line {item.line})"
            shard.append({"line": item.line, "id": rid, "text": None, "title": None, "date": None, "error": str(item)})
        else:
            shard.append({"line": item.line, "id": item.id, "text": item.text, "title": item.title, "date": item.date,
                          "error": None})
        n += 1
        if len(shard) == shard_rows:
            flush()
    if shard or not shards:
        flush()
    return n


def run(cfg: InferConfig) -> dict[str, Any]:
    """Predict every article with Ray Data; outputs are Parquet directories."""
    try:
        import ray
        import ray.data
    except ImportError as e:  # pragma: no cover - depends on the optional extra
        raise SystemExit("engine 'ray' needs the optional extra: pip install 'geostance[ray]'") from e
    from infer.model import load_checkpoint

    load_checkpoint(cfg.checkpoint)  # a bad checkpoint fails here, before any cluster work
    paths = output_paths(cfg.output)
    staging = paths["parts"].with_name(paths["parts"].name + ".ray-input")
    n_rows = stage_input(cfg.input, staging, on_error=cfg.on_error)
    threads = cfg.threads or 1
    if not ray.is_initialized():
        # Locally, Ray's CPUs are scheduling slots: one set of threads per predictor actor, and one
        # more slot for the reader and writer tasks.
        ray.init(address=cfg.ray_address, include_dashboard=False, log_to_driver=False,
                 **({} if cfg.ray_address else {"num_cpus": cfg.ray_workers * threads + 1}))
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = cfg.progress
    out = {k: paths[k].with_suffix("") if paths[k].suffix else paths[k] for k in ("articles", "sentences", "status")}
    results = ray.data.read_parquet(str(staging)).map_batches(
        PredictBatch, batch_size=cfg.chunk_size, batch_format="pandas", num_cpus=threads,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=cfg.ray_workers),
        fn_constructor_kwargs={"checkpoint": str(Path(cfg.checkpoint).resolve()), "batch_size": cfg.batch_size,
                               "threads": threads, "backend": cfg.backend, "int8": cfg.int8,
                               "max_actors_per_sentence": cfg.max_actors_per_sentence,
                               "aliases_extra": str(Path(cfg.aliases_extra).resolve()) if cfg.aliases_extra else None}).materialize()
    for kind, schema in (("articles", ARTICLE_SCHEMA), ("sentences", SENTENCE_SCHEMA), ("status", STATUS_SCHEMA)):
        results.flat_map(_explode(kind, schema)).write_parquet(str(out[kind]))
    statuses = [json.loads(r["status"])[0] for r in results.select_columns(["status"]).iter_rows()]
    seen: set[str] = set()
    duplicates = [s["article_id"] for s in statuses if s["article_id"] in seen or seen.add(s["article_id"])]
    import shutil

    shutil.rmtree(staging)
    counts = {"articles": len(statuses), "input_rows": n_rows, "ok": 0, "no_dyads": 0, "error": 0,
              "duplicate_ids": duplicates}
    for s in statuses:
        counts[s["status"]] += 1
    return {**counts, "outputs": {k: str(v) for k, v in out.items()}}
