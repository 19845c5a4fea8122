"""Check raw annotation batches (one article or contrast set per line) against the actor finder.

Usage: .venv/bin/python data/raw/check_raw.py data/raw/v2/FILE.jsonl [FILE ...]

Every error names the file, line and field; all errors are listed (up to 60), then the counts the
corpus v2 targets are judged by (label shares, actors per sentence, sentence length, genres).
The actor finder decides which actors a sentence has: every ordered pair of the actors it finds must
be labelled, and nothing else.
"""

from __future__ import annotations

import collections
import itertools
import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from infer.actors import ActorFinder  # noqa: E402
from train.corpus import ANNOTATOR_TAGS, CONTRAST_CHANGES, GENRES  # noqa: E402
from infer.schema import LABELS  # noqa: E402

SCORE_LABEL = {-1: "conflictual", -0.5: "conflictual", 0: "neutral", 0.5: "cooperative", 1: "cooperative"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check(paths: list[str], finder: ActorFinder) -> int:
    errors: list[str] = []
    labels: collections.Counter[str] = collections.Counter()
    genres: collections.Counter[str] = collections.Counter()
    lengths: list[int] = []
    n_art = n_sets = n_sent = n_pair_sent = n_multi = n_contrast_pairs = 0
    doc_ids: set[str] = set()

    for path in paths:
        for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
            if not raw.strip():
                continue

            def err(field: str, msg: str) -> None:
                errors.append(f"{path}:{lineno}: field {field!r}: {msg}")

            try:
                doc = json.loads(raw)
            except json.JSONDecodeError as e:
                err("-", f"invalid JSON ({e.msg} at column {e.colno})")
                continue
            contrast = bool(doc.get("contrast"))
            required = ("doc_id", "genre", "sentences") if contrast else ("doc_id", "genre", "title", "date", "topic", "sentences", "article")
            if any(k not in doc for k in required):
                err(",".join(k for k in required if k not in doc), "missing")
                continue
            if doc["doc_id"] in doc_ids:
                err("doc_id", f"duplicate {doc['doc_id']!r}")
            doc_ids.add(doc["doc_id"])
            if doc["genre"] not in GENRES + (("contrast",) if contrast else ()):
                err("genre", f"{doc['genre']!r} not in {GENRES}")
            if not contrast:
                genres[doc["genre"]] += 1
                n_art += 1
                if not DATE.match(str(doc["date"])):
                    err("date", "want YYYY-MM-DD")
                if not 5 <= len(doc["sentences"]) <= 30:
                    err("sentences", f"{len(doc['sentences'])} sentences, want 5 to 30")
            else:
                n_sets += 1
                if not 3 <= len(doc["sentences"]) <= 8:
                    err("sentences", f"{len(doc['sentences'])} variants, want 3 to 8")
            dyads: set[tuple[str, str]] = set()
            for i, sent in enumerate(doc["sentences"]):
                where = f"sentences[{i}]"
                text, pairs = sent.get("text"), sent.get("pairs")
                if not isinstance(text, str) or not text.strip() or not isinstance(pairs, list):
                    err(where, "needs 'text' (non-empty string) and 'pairs' (list)")
                    continue
                if contrast and sent.get("change") not in CONTRAST_CHANGES:
                    err(f"{where}.change", f"{sent.get('change')!r} not in {CONTRAST_CHANGES}")
                n_sent += 1
                found = [a.code for a in finder.find(text)]
                seen: set[tuple[str, str]] = set()
                for p in pairs:
                    if not isinstance(p, dict) or any(k not in p for k in ("s", "t", "label", "tags")):
                        err(f"{where}.pairs", f"each pair needs s, t, label, tags: {p}")
                        continue
                    key = (p["s"], p["t"])
                    if key in seen:
                        err(f"{where}.pairs", f"duplicate {p['s']}->{p['t']}")
                    seen.add(key)
                    if p["label"] not in LABELS:
                        err(f"{where}.pairs.label", f"{p['label']!r} not in {LABELS}")
                    bad_tags = set(p["tags"]) - ANNOTATOR_TAGS
                    if bad_tags:
                        err(f"{where}.pairs.tags", f"{sorted(bad_tags)} not in {sorted(ANNOTATOR_TAGS)}")
                    labels[p["label"]] += 1
                    n_contrast_pairs += contrast
                    dyads.add(key)
                want = set(itertools.permutations(found, 2))
                if seen != want:
                    extra = sorted(seen - want)
                    missing = sorted(want - seen)
                    err(f"{where}.pairs", f"the finder finds actors {found} in {text[:70]!r}...; "
                        + (f"unlabelled pairs {missing}; " if missing else "")
                        + (f"pairs with an actor it does not find (or repeated) {extra}" if extra else ""))
                if len(found) >= 2:
                    n_pair_sent += 1
                    n_multi += len(found) >= 3
                    lengths.append(len(text.split()))
            if not contrast:
                gold = {}
                for a in doc["article"]:
                    if not isinstance(a, dict) or any(k not in a for k in ("s", "t", "label", "score")):
                        err("article", f"each entry needs s, t, label, score: {a}")
                        continue
                    gold[(a["s"], a["t"])] = a
                    if SCORE_LABEL.get(a["score"]) != a["label"]:
                        err("article", f"{a['s']}->{a['t']}: score {a['score']} does not go with label {a['label']!r} "
                            "(-1/-0.5 conflictual, 0 neutral, 0.5/1 cooperative)")
                if set(gold) != dyads:
                    err("article", f"article gold dyads differ from labelled dyads: missing {sorted(dyads - set(gold))}, "
                        f"extra {sorted(set(gold) - dyads)}")

    for e in errors[:60]:
        print(e)
    if len(errors) > 60:
        print(f"... and {len(errors) - 60} more errors")
    total = sum(labels.values()) or 1
    print(f"\n{n_art} articles, {n_sets} contrast sets, {n_sent} sentences, {n_pair_sent} with >=2 actors "
          f"({n_multi / max(n_pair_sent, 1):.0%} of them with >=3)")
    print(f"{sum(labels.values())} pairs ({n_contrast_pairs} in contrast sets):",
          {k: f"{v} ({v / total:.0%})" for k, v in labels.items()})
    if lengths:
        print(f"words per sentence with >=2 actors: median {statistics.median(lengths):.0f}, "
              f"{sum(n > 40 for n in lengths) / len(lengths):.0%} over 40")
    print("genres:", dict(genres))
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    sys.exit(check(sys.argv[1:], ActorFinder.from_yaml(root / "data" / "aliases.yaml")))
