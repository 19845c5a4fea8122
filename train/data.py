"""Pair-level corpus rows: read and check JSONL, then hand them to ``datasets``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infer.actors import ActorFinder
from infer.schema import LABELS

REQUIRED = ("id", "doc_id", "text", "source", "target", "label")


class DataError(ValueError):
    """A corpus row is malformed; the message names the file, line and field."""


def _objects(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of a JSONL file; malformed lines are errors."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{lineno}: invalid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, row


def read_pairs(path: str | Path, finder: ActorFinder | None = None) -> list[dict[str, Any]]:
    """Rows of a pair-level JSONL file, checked field by field.

    With ``finder``, both ``source`` and ``target`` must be found in ``text``.
    """
    rows = []
    for lineno, row in _objects(path):
        for key in REQUIRED:
            if key not in row:
                raise DataError(f"{path}:{lineno}: field {key!r}: missing")
            if not isinstance(row[key], str) or not row[key].strip():
                raise DataError(f"{path}:{lineno}: field {key!r}: expected a non-empty string")
        if row["label"] not in LABELS:
            raise DataError(f"{path}:{lineno}: field 'label': {row['label']!r} is not one of {LABELS}")
        if row["source"] == row["target"]:
            raise DataError(f"{path}:{lineno}: field 'target': same as source {row['source']!r}")
        if finder is not None:
            found = {a.code for a in finder.find(row["text"])}
            for key in ("source", "target"):
                if row[key] not in found:
                    raise DataError(f"{path}:{lineno}: field {key!r}: {row[key]!r} not found in text by the actor finder")
        rows.append(row)
    return rows


def read_articles(path: str | Path) -> list[dict[str, Any]]:
    """Articles with gold dyads (``data/corpus/articles.jsonl``): id, split, text and ``dyads`` with
    source, target, label and score, checked field by field."""
    out = []
    for lineno, art in _objects(path):
        for key, kind in (("doc_id", str), ("split", str), ("text", str), ("dyads", list)):
            if not isinstance(art.get(key), kind):
                raise DataError(f"{path}:{lineno}: field {key!r}: missing or not a {kind.__name__}")
        for i, d in enumerate(art["dyads"]):
            if d.get("label") not in LABELS or not isinstance(d.get("score"), (int, float)):
                raise DataError(f"{path}:{lineno}: field 'dyads[{i}]': needs a label in {LABELS} and a numeric score")
        out.append(art)
    return out
