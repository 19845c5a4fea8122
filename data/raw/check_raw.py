"""Check a raw annotation batch (one article per line) for format and label balance.

Usage: python data/raw/check_raw.py data/raw/FILE.jsonl
Prints counts and stops at the first format error with the line and field.
"""

import collections
import itertools
import json
import re
import sys

LABELS = {"conflictual", "neutral", "cooperative"}
TAGS = {"negation", "reported_speech", "nested", "joint", "hedged", "conditional", "background"}
CODE = re.compile(r"^([A-Z]{3}|UN|NATO|EU|ASEAN|AU|OPEC|WHO|IMF|WB|WTO|IAEA|OSCE|GCC|ARL|SCO|BRICS|G7|G20|ECOWAS|ICC)$")


def fail(path: str, line: int, field: str, msg: str) -> None:
    sys.exit(f"{path}:{line}: field {field!r}: {msg}")


def main(path: str) -> None:
    labels: collections.Counter[str] = collections.Counter()
    countries: collections.Counter[str] = collections.Counter()
    n_sent = n_pair_sent = n_multi = n_art = 0
    for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
        if not raw.strip():
            continue
        doc = json.loads(raw)
        n_art += 1
        for key in ("doc_id", "title", "date", "topic", "sentences", "article"):
            if key not in doc:
                fail(path, lineno, key, "missing")
        if not 5 <= len(doc["sentences"]) <= 25:
            fail(path, lineno, "sentences", f"{len(doc['sentences'])} sentences, want 5 to 25")
        dyads = set()
        for i, sent in enumerate(doc["sentences"]):
            n_sent += 1
            actors = set()
            seen = set()
            for p in sent["pairs"]:
                for k in ("s", "t", "label", "tags"):
                    if k not in p:
                        fail(path, lineno, f"sentences[{i}].pairs.{k}", "missing")
                if not CODE.match(p["s"]) or not CODE.match(p["t"]) or p["s"] == p["t"]:
                    fail(path, lineno, f"sentences[{i}].pairs", f"bad codes {p['s']}->{p['t']}")
                if p["label"] not in LABELS:
                    fail(path, lineno, f"sentences[{i}].pairs.label", p["label"])
                if set(p["tags"]) - TAGS:
                    fail(path, lineno, f"sentences[{i}].pairs.tags", str(set(p["tags"]) - TAGS))
                if (p["s"], p["t"]) in seen:
                    fail(path, lineno, f"sentences[{i}].pairs", f"duplicate {p['s']}->{p['t']}")
                seen.add((p["s"], p["t"]))
                actors |= {p["s"], p["t"]}
                labels[p["label"]] += 1
                countries[p["s"]] += 1
                countries[p["t"]] += 1
                dyads.add((p["s"], p["t"]))
            missing = set(itertools.permutations(actors, 2)) - seen
            if missing:
                fail(path, lineno, f"sentences[{i}].pairs", f"unlabelled ordered pairs {sorted(missing)}")
            if actors:
                n_pair_sent += 1
                n_multi += len(actors) >= 3
        gold = {(a["s"], a["t"]) for a in doc["article"]}
        if gold != dyads:
            fail(path, lineno, "article", f"article gold dyads differ from labelled dyads: {sorted(gold ^ dyads)}")
        for a in doc["article"]:
            if a["label"] not in LABELS or a["score"] not in (-1, -0.5, 0, 0.5, 1):
                fail(path, lineno, "article", f"bad label/score {a}")
    total = sum(labels.values())
    print(f"{n_art} articles, {n_sent} sentences, {n_pair_sent} with >=2 actors, {n_multi} with >=3")
    print(f"{total} pairs:", {k: f"{v} ({v / total:.0%})" for k, v in labels.items()})
    print("actor share of pairs:", {k: f"{v / total:.0%}" for k, v in countries.most_common(8)}, f"{len(countries)} actors")


if __name__ == "__main__":
    main(sys.argv[1])
