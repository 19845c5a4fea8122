"""Read article tables in chunks and write result tables (JSONL, CSV, Parquet), checking every row.

A bad row never passes silently: it becomes an :class:`RowError` naming the file, line and field,
which the batch job either raises (``--on-error fail``) or records (``--on-error skip``).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

MAX_TEXT_BYTES = 1_000_000


class InputError(ValueError):
    """A file cannot be read at all, or a row is bad under ``--on-error fail``."""


@dataclass(frozen=True)
class RowError:
    """A bad input row: where it is, which field, and why."""

    path: str
    line: int
    field: str
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: field {self.field!r}: {self.reason}"


@dataclass(frozen=True)
class Article:
    """A checked input article."""

    line: int
    id: str
    text: str
    title: str | None = None
    date: str | None = None


def _format(path: str | Path) -> str:
    name = str(path).lower().removesuffix(".gz")
    for ext, fmt in ((".jsonl", "jsonl"), (".json", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".parquet", "parquet")):
        if name.endswith(ext):
            return fmt
    raise InputError(f"{path}: unknown format (use .jsonl, .jsonl.gz, .csv or .parquet)")


def _raw_rows(path: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line, row) pairs; line is 1-based (CSV counts its header as line 1, Parquet counts rows)."""
    fmt = _format(path)
    if fmt == "jsonl":
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    yield lineno, RowError(path, lineno, "(line)", f"invalid UTF-8 at byte {e.start}")
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as e:
                    yield lineno, RowError(path, lineno, "(line)", f"malformed JSON: {e.msg} at column {e.colno}")
                    continue
                yield lineno, row if isinstance(row, dict) else RowError(path, lineno, "(line)", "not a JSON object")
    elif fmt == "csv":
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                line = reader.line_num
                bad = [k for k, v in row.items() if isinstance(v, str) and any("\udc80" <= c <= "\udcff" for c in v)]
                if bad:
                    yield line, RowError(path, line, bad[0], "invalid UTF-8")
                    continue
                yield line, row
    else:
        parquet = pq.ParquetFile(path)
        line = 0
        for batch in parquet.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                line += 1
                yield line, row


def read_articles(path: str | Path) -> Iterator[Article | RowError]:
    """Checked articles of a JSONL (optionally gzip), CSV or Parquet file, streamed in order.

    Checks: ``id`` present and unique, ``text`` a non-empty string of at most 1 MB, optional
    ``title`` and ``date`` strings.
    """
    path = str(path)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: not readable")
    seen: set[str] = set()
    try:
        for line, row in _raw_rows(path):
            if isinstance(row, RowError):
                yield row
                continue
            rid = row.get("id")
            if rid is None or (isinstance(rid, str) and not rid.strip()):
                yield RowError(path, line, "id", "missing or empty")
                continue
            rid = str(rid)
            if rid in seen:
                yield RowError(path, line, "id", f"duplicate id {rid!r}", rid)
                continue
            seen.add(rid)
            text = row.get("text")
            if text is None:
                yield RowError(path, line, "text", "missing", rid)
            elif not isinstance(text, str):
                yield RowError(path, line, "text", f"expected a string, got {type(text).__name__}", rid)
            elif not text.strip():
                yield RowError(path, line, "text", "empty", rid)
            elif len(text.encode("utf-8", errors="surrogatepass")) > MAX_TEXT_BYTES:
                yield RowError(path, line, "text", f"longer than {MAX_TEXT_BYTES} bytes", rid)
            else:
                title, date = row.get("title"), row.get("date")
                yield Article(line, rid, text, None if title in (None, "") else str(title),
                              None if date in (None, "") else str(date))
    except (OSError, pa.ArrowException, csv.Error, EOFError) as e:
        raise InputError(f"{path}: cannot read ({e})") from e


def write_table(rows: list[dict[str, Any]], path: str | Path, schema: pa.Schema | None = None) -> None:
    """Write rows as Parquet, JSONL or CSV by the file's extension (lists become JSON in CSV)."""
    path = str(path)
    fmt = _format(path)
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    elif fmt == "jsonl":
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        columns = list(schema.names) if schema is not None else list(dict.fromkeys(k for r in rows for k in r))
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in row.items()})


def read_table(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a result table (small files: tests and tools)."""
    path = str(path)
    fmt = _format(path)
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
