"""Batch inference over article files: streamed in chunks, written in parts, resumable, lossless.

Each chunk of ``chunk_size`` input articles becomes three part files (sentence rows, article dyad
rows, one status row per article), each written under a temporary name and renamed when complete;
the status part is renamed last and marks the chunk done. A rerun with the same arguments skips
done chunks, so an interrupted job (Ctrl-C, kill -9) resumes where it stopped. When every chunk is
done the parts are merged into the outputs:

- ``OUTPUT``: article-level dyad rows; an article with fewer than two actors or an error still has a row
- ``OUTPUT`` with ``.sentences`` before the extension: sentence-level dyad rows
- ``OUTPUT`` with ``.status`` before the extension: exactly one row per input article
- ``OUTPUT`` with ``.errors.jsonl``: the bad rows, with file, line, field and reason
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from infer.batch_io import Article, InputError, RowError, read_articles, write_table

SENTENCE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("date", pa.string()), ("sentence_index", pa.int32()), ("sentence", pa.string()),
    ("source", pa.string()), ("target", pa.string()), ("label", pa.string()), ("score", pa.float64()),
    ("p_conflictual", pa.float64()), ("p_neutral", pa.float64()), ("p_cooperative", pa.float64()),
    ("skipped_actors", pa.list_(pa.string())),
])
ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("date", pa.string()), ("title", pa.string()), ("status", pa.string()),
    ("dyad", pa.string()), ("source", pa.string()), ("target", pa.string()), ("directed", pa.bool_()),
    ("n_sentences", pa.int32()), ("score", pa.float64()), ("label", pa.string()), ("weight", pa.float64()),
    ("share_conflictual", pa.float64()), ("share_neutral", pa.float64()), ("share_cooperative", pa.float64()),
    ("evidence", pa.list_(pa.string())),
])
STATUS_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("line", pa.int64()), ("status", pa.string()), ("n_sentences", pa.int32()),
    ("n_actors", pa.int32()), ("n_dyads", pa.int32()), ("n_skipped_actors", pa.int32()), ("error", pa.string()),
])
KINDS = (("sentences", SENTENCE_SCHEMA), ("articles", ARTICLE_SCHEMA), ("status", STATUS_SCHEMA))


@dataclass
class InferConfig:
    """A batch inference run over an article file."""

    checkpoint: str = "models/default"
    """Checkpoint directory written by training."""
    input: str = "data/examples/articles.jsonl"
    """Articles: JSONL (optionally .gz), CSV or Parquet with id, text and optional title, date."""
    output: str = "runs/example/articles.parquet"
    """Article-level output; format by extension (.parquet, .jsonl, .csv)."""
    batch_size: int = 32
    """Pairs per forward pass (sorted by length, dynamically padded)."""
    chunk_size: int = 256
    """Articles per part file; a resumed run redoes at most one chunk."""
    threads: int | None = None
    """torch CPU threads; under contention 1 can beat 2."""
    backend: Literal["torch", "onnx"] = "torch"
    """Forward pass in torch or ONNX Runtime (needs geostance[onnx])."""
    int8: bool = False
    """Dynamic int8 quantisation of the linear layers (CPU; within 1 point of fp32 macro-F1 here)."""
    on_error: Literal["fail", "skip"] = "skip"
    """Bad rows: stop with the file, line and field (fail) or record them and go on (skip)."""
    engine: Literal["local", "ray"] = "local"
    """Run here (local) or on a Ray cluster (ray, needs geostance[ray])."""
    ray_address: str | None = None
    """Ray cluster address for engine ray (null starts a local Ray)."""
    ray_workers: int = 1
    """Engine ray: the predictor actor pool grows from one actor to this many, each reserving
    ``threads`` CPUs (default 1). The Ray engine recomputes everything on a rerun (no resume)."""
    aliases_extra: str | None = None
    """A user actor table (same schema as data/aliases.yaml, plus an 'actors' section for armed groups,
    parties, regions) laid over the checkpoint's; no retraining needed."""
    max_actors_per_sentence: int | None = None
    """Score pairs among at most this many actors per sentence (first mentioned first); the rest are
    listed in the sentence rows (skipped_actors) and counted in the status rows. Null: the checkpoint's."""
    progress: bool = True
    """Show a tqdm progress bar."""
    show: bool = False
    """Print the article-level directed dyad table when done."""

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.chunk_size < 1 or self.ray_workers < 1:
            raise ValueError("batch_size, chunk_size and ray_workers must be at least 1")


def output_paths(output: str) -> dict[str, Path]:
    """Paths of every output of a run, derived from the article-level output path.

    >>> sorted(output_paths("out/a.csv").items())[0]
    ('articles', PosixPath('out/a.csv'))
    """
    out = Path(output)
    suffix = "".join(out.suffixes[-2:]) if out.name.endswith(".gz") else out.suffix
    stem = out.name[: -len(suffix)] if suffix else out.name
    return {
        "articles": out,
        "sentences": out.with_name(f"{stem}.sentences{suffix}"),
        "status": out.with_name(f"{stem}.status{suffix}"),
        "errors": out.with_name(f"{stem}.errors.jsonl"),
        "parts": out.with_name(f"{stem}.parts"),
    }


def _chunks(path: str, size: int) -> Iterator[list[Article | RowError]]:
    chunk: list[Article | RowError] = []
    for item in read_articles(path):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def article_rows(article: Article, result: Any) -> tuple[list[dict], list[dict], dict]:
    """Sentence rows, article rows and the status row of one predicted article."""
    sentences = [{
        "article_id": article.id, "date": article.date, "sentence_index": p.sentence_index, "sentence": p.text,
        "source": p.source, "target": p.target, "label": p.label, "score": p.score,
        "p_conflictual": p.probs[0], "p_neutral": p.probs[1], "p_cooperative": p.probs[2],
        "skipped_actors": list(p.skipped_actors),
    } for p in result.sentences]
    base = {"article_id": article.id, "date": article.date, "title": article.title, "status": result.status}
    dyads = [{**base, "dyad": d.dyad, "source": d.source, "target": d.target, "directed": d.directed,
              "n_sentences": d.n_sentences, "score": d.score, "label": d.label, "weight": d.weight,
              "share_conflictual": d.share_conflictual, "share_neutral": d.share_neutral,
              "share_cooperative": d.share_cooperative, "evidence": d.evidence} for d in result.dyads]
    status = {"article_id": article.id, "line": article.line, "status": result.status, "n_sentences": result.n_sentences,
              "n_actors": result.n_actors, "n_dyads": sum(d.directed for d in result.dyads),
              "n_skipped_actors": result.skipped_actors, "error": None}
    return sentences, dyads or [base], status


def error_rows(err: RowError) -> tuple[dict, dict]:
    """Article row and status row of a bad input row."""
    rid = err.id if err.id is not None else f"(line {err.line})"
    return ({"article_id": rid, "status": "error"},
            {"article_id": rid, "line": err.line, "status": "error", "error": str(err)})


def article_text(article: Article) -> str:
    """Text to predict: the title as its own first paragraph, unless the text already starts with it."""
    if article.title and not article.text.lstrip().startswith(article.title.strip()):
        return f"{article.title.strip()}\n\n{article.text}"
    return article.text


def _write_part(parts: Path, index: int, tables: dict[str, list[dict]]) -> None:
    # Status goes last: its presence marks the whole chunk as done.
    for kind, schema in KINDS:
        final = parts / f"part-{index:06d}.{kind}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(pa.Table.from_pylist(tables[kind], schema=schema), tmp)
        os.replace(tmp, final)


def _merge(parts: Path, n_chunks: int, paths: dict[str, Path]) -> None:
    for kind, schema in KINDS:
        files = [parts / f"part-{i:06d}.{kind}.parquet" for i in range(n_chunks)]
        target = paths[kind]
        tmp = target.with_name(target.name + ".tmp")
        if target.suffix == ".parquet":
            with pq.ParquetWriter(tmp, schema) as writer:
                for f in files:
                    writer.write_table(pq.read_table(f, schema=schema))
        else:
            # JSONL and CSV are written part by part, so memory stays bounded by one part.
            tmp_parts = []
            for i, f in enumerate(files):
                part_out = tmp.with_name(f"{tmp.name}.{i}{''.join(target.suffixes[-1:])}")
                write_table(pq.read_table(f, schema=schema).to_pylist(), part_out, schema)
                tmp_parts.append(part_out)
            with open(tmp, "wb") as out:
                for i, p in enumerate(tmp_parts):
                    with open(p, "rb") as src:
                        if target.suffix == ".csv" and i > 0:
                            src.readline()  # one header only
                        shutil.copyfileobj(src, out)
                    p.unlink()
        os.replace(tmp, target)


def _manifest(cfg: InferConfig) -> dict[str, Any]:
    from infer.onnx_backend import model_fingerprint

    stat = os.stat(cfg.input)
    # The whole model (weights, metadata with the temperature, actor table): a checkpoint retrained or
    # recalibrated mid-job must not mix two models in one output.
    return {"input": os.path.abspath(cfg.input), "input_size": stat.st_size, "input_mtime": int(stat.st_mtime),
            "checkpoint": os.path.abspath(cfg.checkpoint), "checkpoint_hash": model_fingerprint(cfg.checkpoint),
            "chunk_size": cfg.chunk_size, "backend": cfg.backend, "int8": cfg.int8,
            "max_actors_per_sentence": cfg.max_actors_per_sentence,
            "aliases_extra": hashlib.sha256(Path(cfg.aliases_extra).read_bytes()).hexdigest() if cfg.aliases_extra else None}


def run(cfg: InferConfig, predictor: Any = None) -> dict[str, Any]:
    """Predict every article of ``cfg.input``; return a summary (also written beside the output)."""
    from infer.predictor import StancePredictor

    if not os.path.isfile(cfg.input):
        raise InputError(f"{cfg.input}: no such file")
    if predictor is None:  # first, so that a bad checkpoint fails before anything is written
        predictor = StancePredictor.from_pretrained(cfg.checkpoint, batch_size=cfg.batch_size, threads=cfg.threads,
                                                    backend=cfg.backend, int8=cfg.int8,
                                                    max_actors_per_sentence=cfg.max_actors_per_sentence,
                                                    aliases_extra=cfg.aliases_extra)
    paths = output_paths(cfg.output)
    paths["articles"].parent.mkdir(parents=True, exist_ok=True)
    parts = paths["parts"]
    manifest = _manifest(cfg)
    manifest_file = parts / "manifest.json"
    if parts.exists() and manifest_file.exists() and json.loads(manifest_file.read_text()) != manifest:
        raise InputError(f"{parts}: left by a run with other arguments or input; remove it to start afresh")
    parts.mkdir(exist_ok=True)
    manifest_file.write_text(json.dumps(manifest))

    counts = {"articles": 0, "ok": 0, "no_dyads": 0, "error": 0, "resumed_chunks": 0}
    errors_tmp = paths["errors"].with_name(paths["errors"].name + ".tmp")
    n_chunks = 0
    with tqdm(desc="articles", unit="art", disable=not cfg.progress) as bar:
        for index, chunk in enumerate(_chunks(cfg.input, cfg.chunk_size)):
            n_chunks += 1
            bad = [c for c in chunk if isinstance(c, RowError)]
            if bad and cfg.on_error == "fail":
                raise InputError(str(bad[0]))
            done = (parts / f"part-{index:06d}.status.parquet").exists()
            if done:
                counts["resumed_chunks"] += 1
                statuses = pq.read_table(parts / f"part-{index:06d}.status.parquet", columns=["status"]).column(0).to_pylist()
            else:
                good = [c for c in chunk if isinstance(c, Article)]
                results = predictor.predict_article([article_text(a) for a in good]) if good else []
                tables: dict[str, list[dict]] = {"sentences": [], "articles": [], "status": []}
                by_line = {a.line: (a, r) for a, r in zip(good, results, strict=True)}
                for item in chunk:  # keep input order
                    if isinstance(item, RowError):
                        art, stat = error_rows(item)
                        tables["articles"].append(art)
                        tables["status"].append(stat)
                    else:
                        sents, arts, stat = article_rows(*by_line[item.line])
                        tables["sentences"] += sents
                        tables["articles"] += arts
                        tables["status"].append(stat)
                _write_part(parts, index, tables)
                statuses = [s["status"] for s in tables["status"]]
            for s in statuses:
                counts[s] += 1
            counts["articles"] += len(chunk)
            bar.update(len(chunk))
            bar.set_postfix(ok=counts["ok"], errors=counts["error"])

    _merge(parts, n_chunks, paths)
    # The errors file is rebuilt from the status parts so that resumed runs list every error once.
    errors = []
    for part in sorted(parts.glob("part-*.status.parquet")):
        errors += [r for r in pq.read_table(part).to_pylist() if r["status"] == "error"]
    with open(errors_tmp, "w", encoding="utf-8") as f:
        for r in errors:
            f.write(json.dumps({"article_id": r["article_id"], "line": r["line"], "error": r["error"]}) + "\n")
    os.replace(errors_tmp, paths["errors"])
    shutil.rmtree(parts)
    summary = {**counts, "outputs": {k: str(v) for k, v in paths.items() if k != "parts"}}
    if cfg.show:
        print(format_dyad_table(paths["articles"]))
    return summary


def format_dyad_table(path: str | Path, directed_only: bool = True) -> str:
    """The article-level dyad rows of an output file as an aligned text table."""
    from infer.batch_io import read_table

    rows = read_table(path)
    w = max([12, *(len(str(r["article_id"])) + 1 for r in rows)])
    head = f"{'article':<{w}} {'dyad':<11} {'label':<12} {'score':>6} {'n':>3}  top evidence"
    lines = [head, "-" * len(head)]
    for r in rows:
        directed = r["directed"] in (True, "True", "true")
        if r["dyad"] in (None, "") or (directed_only and not directed):
            if r["dyad"] in (None, ""):
                lines.append(f"{r['article_id']:<{w}} {'-':<11} {r['status']:<12}")
            continue
        evidence = r["evidence"] if isinstance(r["evidence"], list) else json.loads(r["evidence"] or "[]")
        first = (evidence[0][:70] + "...") if evidence and len(evidence[0]) > 70 else (evidence[0] if evidence else "")
        lines.append(f"{r['article_id']:<{w}} {r['dyad']:<11} {r['label']:<12} {float(r['score']):>6.2f} {int(r['n_sentences']):>3}  {first}")
    return "\n".join(lines)
