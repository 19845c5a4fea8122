"""The annotated corpus: build splits from the raw annotation batches, validate, make the name-swap set.

    python -m train.corpus build      # data/raw/*.jsonl -> data/corpus/{train,dev,test}.jsonl + articles.jsonl
    python -m train.corpus validate   # schema, codes, labels, actors found, no leakage (CI runs this)
    python -m train.corpus stats      # counts for data/README.md
    python -m train.corpus agreement  # Cohen's kappa of the double annotation in data/agreement/

Raw batches hold one article per line: sentences, every ordered actor pair labelled, and the
article-level gold (see the annotation guide in data/README.md). Splits are by document, stratified by label;
documents that share a near-duplicate sentence are kept in the same split.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path
from typing import Any

from infer.actors import ActorFinder, _iso_names
from infer.schema import LABELS, MentionKind

RAW = Path("data/raw")
CORPUS = Path("data/corpus")
SPLITS = ("train", "dev", "test")
ANNOTATOR_TAGS = {"negation", "reported_speech", "nested", "joint", "hedged", "conditional", "background", "incidental"}
# Corpus v2 genres (share of new articles in data/README.md) and the edits that make a contrast set.
GENRES = ("wire", "war", "domestic", "opinion", "business", "culture", "briefs", "longform")
CONTRAST_CHANGES = ("base", "direction", "negation", "hedge", "third_party", "subordinate", "incidental")
AUTO_TAGS = {"multi_actor", "metonym"}
SPLITS_FILE = Path("data/splits.json")  # doc_id -> split of every published document
NEAR_DUPLICATE = 0.9  # cosine similarity of character n-gram TF-IDF above which sentences count as one


class CorpusError(ValueError):
    """A corpus file breaks a rule; the message names the file, line and field."""


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def near_duplicates(texts_a: list[str], texts_b: list[str], threshold: float = NEAR_DUPLICATE) -> list[tuple[int, int, float]]:
    """Index pairs (i, j) whose character n-gram TF-IDF cosine is at least ``threshold``.

    >>> near_duplicates(["China and Russia met."], ["China and Russia met!", "Kenya won gold."])
    [(0, 0, 1.0)]
    """
    if not texts_a or not texts_b:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=_norm).fit(texts_a + texts_b)
    sims = (vec.transform(texts_a) @ vec.transform(texts_b).T).tocoo()
    return sorted((int(i), int(j), round(float(v), 4)) for i, j, v in zip(sims.row, sims.col, sims.data, strict=True) if v >= threshold)


def load_raw(raw_dir: Path = RAW) -> list[dict[str, Any]]:
    """All raw articles, each with ``_file`` and ``_line`` for error messages."""
    docs = []
    for path in sorted(raw_dir.glob("**/*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        doc = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise CorpusError(f"{path}:{lineno}: invalid JSON ({e.msg})") from None
                    docs.append({**doc, "_file": str(path), "_line": lineno})
    return docs


def pair_rows(doc: dict[str, Any], finder: ActorFinder, excluded: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Pair-level rows of one raw article, with automatic ``multi_actor`` and ``metonym`` tags.

    A labelled pair whose source or target the actor finder does not find in the sentence (a leader
    the alias table leaves out, a misattributed code) cannot be encoded; it goes to ``excluded``
    with the reason, never silently away.
    """
    rows = []
    for i, sent in enumerate(doc["sentences"]):
        actors = {a.code: a for a in finder.find(sent["text"])}
        n_labelled = len({p["s"] for p in sent["pairs"]} | {p["t"] for p in sent["pairs"]})
        for p in sent["pairs"]:
            missing = [c for c in (p["s"], p["t"]) if c not in actors]
            if missing:
                if excluded is not None:
                    excluded.append({"doc_id": doc["doc_id"], "sentence": i, "text": sent["text"], "source": p["s"],
                                     "target": p["t"], "label": p["label"],
                                     "reason": f"actor finder does not find {', '.join(missing)}"})
                continue
            tags = set(p.get("tags", []))
            if n_labelled >= 3:
                tags.add("multi_actor")
            if any(code in actors and actors[code].is_metonym_only for code in (p["s"], p["t"])):
                tags.add("metonym")
            rows.append({"id": f"{doc['doc_id']}-s{i:02d}-{p['s']}>{p['t']}", "doc_id": doc["doc_id"], "text": sent["text"],
                         "source": p["s"], "target": p["t"], "label": p["label"], "tags": sorted(tags),
                         "genre": "contrast" if doc.get("contrast") else doc.get("genre", "v1")})
    return rows


def assign_splits(docs: list[dict[str, Any]], seed: int = 13) -> dict[str, str]:
    """doc_id -> split: about 80/10/10 by document, stratified by each document's majority label,
    with documents that share near-duplicate sentences grouped together."""
    from sklearn.model_selection import StratifiedGroupKFold

    parent = {d["doc_id"]: d["doc_id"] for d in docs}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    sentences = [(d["doc_id"], s["text"]) for d in docs for s in d["sentences"]]
    for i, j, _ in near_duplicates([t for _, t in sentences], [t for _, t in sentences]):
        a, b = root(sentences[i][0]), root(sentences[j][0])
        if a != b:
            parent[a] = b
    ids, labels, groups = [], [], []
    for d in docs:
        for s in d["sentences"]:
            for p in s["pairs"]:
                ids.append(d["doc_id"])
                labels.append(p["label"])
                groups.append(root(d["doc_id"]))
    folds = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=seed)
    split_of: dict[str, str] = {}
    for fold, (_, idx) in enumerate(folds.split(ids, labels, groups)):
        name = "test" if fold == 0 else "dev" if fold == 1 else "train"
        for k in idx:
            split_of[ids[k]] = name
    for d in docs:  # articles without pairs go to train
        split_of.setdefault(d["doc_id"], "train")
    return split_of


def _join_cross_split_duplicates(docs: list[dict[str, Any]], split_of: dict[str, str], rounds: int = 5) -> None:
    """Move documents so that no near-duplicate sentence crosses splits, judged as :func:`validate`
    judges it (TF-IDF fitted on the two splits compared; a larger corpus shifts the weights, so two
    v1 sentences can become near-duplicates once v2 is added). A document joins the held-out split of
    its duplicate (test before dev before train), so held-out sets only grow."""
    rank = {"test": 0, "dev": 1, "train": 2}
    for _ in range(rounds):
        texts: dict[str, dict[str, str]] = {s: {} for s in SPLITS}
        for d in docs:
            if any(p for sent in d["sentences"] for p in sent["pairs"]):
                for sent in d["sentences"]:
                    if sent["pairs"]:
                        texts[split_of[d["doc_id"]]].setdefault(_norm(sent["text"]), d["doc_id"])
        moved = 0
        for a_i, a in enumerate(SPLITS):
            for b in SPLITS[a_i + 1:]:
                ta, tb = list(texts[a]), list(texts[b])
                for i, j, _ in near_duplicates(ta, tb):
                    da, db = texts[a][ta[i]], texts[b][tb[j]]
                    keep, move = (da, db) if rank[split_of[da]] <= rank[split_of[db]] else (db, da)
                    if split_of[move] != split_of[keep]:
                        split_of[move] = split_of[keep]
                        moved += 1
        if not moved:
            return
    raise CorpusError(f"near-duplicates still cross splits after {rounds} rounds of moving documents")


def adjudications(path: Path = Path("data/agreement/double_annotation_v2.jsonl")) -> dict[str, str]:
    """Pair id -> adjudicated label from the v2 double annotation (empty when there is none yet)."""
    if not path.is_file():
        return {}
    return {r["id"]: r["label_adjudicated"] for r in map(json.loads, open(path, encoding="utf-8"))}


def build(raw_dir: Path = RAW, out_dir: Path = CORPUS, aliases: str = "data/aliases.yaml") -> dict[str, int]:
    """Write ``{train,dev,test}.jsonl`` and ``articles.jsonl`` from the raw batches."""
    finder = ActorFinder.from_yaml(aliases)
    docs = load_raw(raw_dir)
    frozen = json.loads(SPLITS_FILE.read_text()) if SPLITS_FILE.is_file() else {}
    # Corpus v1 (the batches directly in raw/) keeps the splits it has always had, so that its test
    # figures stay comparable; v2 (raw/v2/) is split on its own, and a v2 document that shares a
    # near-duplicate sentence with a v1 document joins that document's split.
    v1 = [d for d in docs if Path(d["_file"]).parent == raw_dir]
    v2 = [d for d in docs if Path(d["_file"]).parent != raw_dir]
    split_of = {**assign_splits(v1), **(assign_splits(v2) if v2 else {})}
    v1_sents = [(d["doc_id"], s["text"]) for d in v1 for s in d["sentences"]]
    v2_sents = [(d["doc_id"], s["text"]) for d in v2 for s in d["sentences"]]
    for i, j, _ in near_duplicates([t for _, t in v2_sents], [t for _, t in v1_sents]):
        split_of[v2_sents[i][0]] = split_of[v1_sents[j][0]]
    # Published splits never move: a document listed in data/splits.json keeps its split, so a later
    # revision of a document's text or labels cannot reshuffle the stratified assignment of the others.
    split_of.update({d: frozen[d] for d in split_of if d in frozen})
    _join_cross_split_duplicates(docs, split_of)
    adjudicated = adjudications()
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: collections.Counter[str] = collections.Counter()
    excluded: list[dict[str, Any]] = []
    files = {s: open(out_dir / f"{s}.jsonl", "w", encoding="utf-8") for s in SPLITS}
    with open(out_dir / "articles.jsonl", "w", encoding="utf-8") as arts:
        for doc in sorted(docs, key=lambda d: d["doc_id"]):
            split = split_of[doc["doc_id"]]
            for row in pair_rows(doc, finder, excluded):
                if row["id"] in adjudicated:  # the blind adjudication of the double annotation is the gold
                    counts["adjudicated_changed"] += row["label"] != adjudicated[row["id"]]
                    row["label"] = adjudicated[row["id"]]
                files[split].write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[split] += 1
            if doc.get("contrast"):
                continue  # a contrast set is variants of one sentence, not an article: no article gold
            arts.write(json.dumps({
                "doc_id": doc["doc_id"], "split": split, "title": doc.get("title"), "date": doc.get("date"),
                "topic": doc.get("topic"), "genre": doc.get("genre", "v1"), "text": " ".join(s["text"] for s in doc["sentences"]),
                "dyads": [{"source": a["s"], "target": a["t"], "label": a["label"], "score": a["score"]} for a in doc["article"]],
            }, ensure_ascii=False) + "\n")
    for f in files.values():
        f.close()
    with open(out_dir / "excluded.jsonl", "w", encoding="utf-8") as f:
        for row in excluded:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts["excluded"] = len(excluded)
    return dict(counts)


def validate(corpus_dir: Path = CORPUS, aliases: str = "data/aliases.yaml") -> dict[str, Any]:
    """Check every corpus file; raise :class:`CorpusError` naming file, line and field on the first fault."""
    finder = ActorFinder.from_yaml(aliases)
    seen_ids: set[str] = set()
    doc_split: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {s: {} for s in SPLITS}  # split -> normalised text -> where
    counts: dict[str, int] = {}
    for split in SPLITS:
        path = corpus_dir / f"{split}.jsonl"
        if not path.is_file():
            raise CorpusError(f"{path}: missing")
        n = 0
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                where = f"{path}:{lineno}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise CorpusError(f"{where}: invalid JSON ({e.msg})") from None
                for key in ("id", "doc_id", "text", "source", "target", "label"):
                    if not isinstance(row.get(key), str) or not row[key]:
                        raise CorpusError(f"{where}: field {key!r}: missing or not a non-empty string")
                if not isinstance(row.get("tags"), list) or set(row["tags"]) - ANNOTATOR_TAGS - AUTO_TAGS:
                    raise CorpusError(f"{where}: field 'tags': expected a list drawn from {sorted(ANNOTATOR_TAGS | AUTO_TAGS)}")
                if row["label"] not in LABELS:
                    raise CorpusError(f"{where}: field 'label': {row['label']!r} not in {LABELS}")
                for key in ("source", "target"):
                    if row[key] not in finder.codes:
                        raise CorpusError(f"{where}: field {key!r}: {row[key]!r} is not an ISO alpha-3 or known organisation code")
                found = {a.code for a in finder.find(row["text"])}
                for key in ("source", "target"):
                    if row[key] not in found:
                        raise CorpusError(f"{where}: field {key!r}: the actor finder does not find {row[key]!r} in the text")
                if row["source"] == row["target"]:
                    raise CorpusError(f"{where}: field 'target': equals source")
                if row["id"] in seen_ids:
                    raise CorpusError(f"{where}: field 'id': duplicate {row['id']!r}")
                seen_ids.add(row["id"])
                if doc_split.setdefault(row["doc_id"], split) != split:
                    raise CorpusError(f"{where}: field 'doc_id': {row['doc_id']!r} is also in {doc_split[row['doc_id']]}")
                texts[split].setdefault(_norm(row["text"]), where)
                n += 1
        counts[split] = n
    for a_i, a in enumerate(SPLITS):
        for b in SPLITS[a_i + 1:]:
            ta, tb = list(texts[a]), list(texts[b])
            for i, j, sim in near_duplicates(ta, tb):
                raise CorpusError(f"{texts[b][tb[j]]}: field 'text': near-duplicate (cosine {sim}) of {texts[a][ta[i]]} across {a}/{b}")
    return {"pairs": counts, "documents": len(doc_split)}


def stats(corpus_dir: Path = CORPUS, aliases: str = "data/aliases.yaml") -> dict[str, Any]:
    """Counts for the datasheet: labels, actors, tags, sentences, articles."""
    rows = [dict(json.loads(line), split=s) for s in SPLITS for line in open(corpus_dir / f"{s}.jsonl", encoding="utf-8")]
    n = len(rows)
    actors = collections.Counter(c for r in rows for c in {r["source"], r["target"]})
    sentences: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for r in rows:
        sentences[(r["doc_id"], r["text"])] |= {r["source"], r["target"]}
    articles = [json.loads(line) for line in open(corpus_dir / "articles.jsonl", encoding="utf-8")]
    return {
        "pairs": n,
        "pairs_per_split": dict(collections.Counter(r["split"] for r in rows)),
        "sentences": len(sentences),
        "sentences_3plus_actors": sum(len(v) >= 3 for v in sentences.values()),
        "documents": len({r["doc_id"] for r in rows}),
        "articles_with_gold": len(articles),
        "article_dyads": sum(len(a["dyads"]) for a in articles),
        "labels": {label: sum(r["label"] == label for r in rows) for label in LABELS},
        "label_share": {label: round(sum(r["label"] == label for r in rows) / n, 3) for label in LABELS},
        "distinct_actors": len(actors),
        "top_actor_share": {c: round(k / n, 3) for c, k in actors.most_common(10)},
        "tags": dict(collections.Counter(t for r in rows for t in r["tags"]).most_common()),
        "metonym_share": round(sum("metonym" in r["tags"] for r in rows) / n, 3),
        "v2": v2_properties(rows, articles),
    }


def v2_properties(rows: list[dict[str, Any]], articles: list[dict[str, Any]]) -> dict[str, Any]:
    """What corpus v2 is judged by: new pairs and articles, genre mix, neutral share, actors per
    sentence, sentence length, contrast sets."""
    import statistics

    new = [r for r in rows if r.get("genre", "v1") != "v1"]
    if not new:
        return {}
    sentences: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for r in new:
        sentences[(r["doc_id"], r["text"])] |= {r["source"], r["target"]}
    words = [len(text.split()) for _, text in sentences]
    new_articles = [a for a in articles if a.get("genre", "v1") != "v1"]
    genres = collections.Counter(a["genre"] for a in new_articles)
    return {
        "pairs": len(new), "articles": len(new_articles), "articles_with_gold_total": len(articles),
        "genre_share_of_new_articles": {g: round(k / len(new_articles), 3) for g, k in genres.most_common()},
        "label_share": {label: round(sum(r["label"] == label for r in new) / len(new), 3) for label in LABELS},
        "sentences": len(sentences),
        "sentences_3plus_actors_share": round(sum(len(v) >= 3 for v in sentences.values()) / len(sentences), 3),
        "words_per_sentence_median": statistics.median(words),
        "sentences_over_40_words_share": round(sum(w > 40 for w in words) / len(words), 3),
        "contrast_pairs": sum(r["genre"] == "contrast" for r in new),
        "contrast_sets": len({r["doc_id"] for r in new if r["genre"] == "contrast"}),
        "pairs_per_genre": dict(collections.Counter(r["genre"] for r in new).most_common()),
    }


def _swap_surface(finder: ActorFinder, code: str, kind: MentionKind, plural: bool) -> str | None:
    """The first listed surface of ``kind`` for ``code`` (a plural demonym when ``plural``)."""
    entry = finder.table["countries"].get(code, {})
    key = {MentionKind.NAME: "names", MentionKind.DEMONYM: "demonyms", MentionKind.CAPITAL: "capitals",
           MentionKind.LEADER: "leaders"}[kind]
    listed = list(entry.get(key) or [])
    if kind is MentionKind.NAME:
        listed = _iso_names(code) + listed  # the plain ISO name ("Kenya") reads best
    options = [s for s in listed if finder.surfaces.get(s) is not None and finder.surfaces[s].code == code]
    if kind is MentionKind.DEMONYM:
        options = [s for s in options if s.endswith("s") == plural] or options
    return options[0] if options else None


# Countries used as replacements: names that need no article, with demonyms, capitals and leaders.
SWAP_POOL = ("BRA", "IND", "JPN", "DEU", "FRA", "CAN", "AUS", "MEX", "IDN", "TUR", "ZAF", "ARG", "ITA", "KOR",
             "KEN", "NGA", "EGY", "VNM", "POL", "CHL", "PER", "SWE", "NOR", "THA", "MYS", "GHA", "ETH", "COL")


def name_swap(rows: list[dict[str, Any]], finder: ActorFinder, seed: int = 13) -> tuple[list[dict[str, Any]], collections.Counter]:
    """Rows whose source and target (every mention: names, demonyms, capitals, leaders) are swapped
    for two other countries, label unchanged; and a count of rows that could not be swapped, by reason."""
    import random

    rng = random.Random(seed)
    out, skipped = [], collections.Counter()
    prefixes = finder.prefixes
    for row in rows:
        actors = {a.code: a for a in finder.find(row["text"])}
        src, tgt = actors.get(row["source"]), actors.get(row["target"])
        if src is None or tgt is None or row["source"] not in finder.table["countries"] or row["target"] not in finder.table["countries"]:
            skipped["organisation or actor not found"] += 1
            continue
        edits = []
        chosen: list[str] = []
        ok = True
        for actor in (src, tgt):
            if any(m.surface in prefixes and row["text"][m.end:m.end + 1] == "-" for m in actor.mentions):
                ok = False  # "Sino-": few countries have a combining form
                break
            # A replacement must offer a surface of every kind this actor is named by here.
            pool = [c for c in SWAP_POOL if c not in actors and c not in chosen
                    and all(_swap_surface(finder, c, m.kind, m.surface.endswith("s")) for m in actor.mentions)]
            if not pool:
                ok = False
                break
            new = rng.choice(pool)
            chosen.append(new)
            for m in actor.mentions:
                surface = _swap_surface(finder, new, m.kind, plural=m.surface.endswith("s"))
                if m.surface.isupper() and len(m.surface) > 4:
                    surface = surface.upper()  # datelines: "ASMARA" -> "JAKARTA"
                start = m.start
                if m.kind is MentionKind.NAME and row["text"][max(0, m.start - 4):m.start].lower() == "the ":
                    start -= 4  # "the United States" -> "Brazil"
                    if row["text"][start] == "T":
                        surface = surface[0].upper() + surface[1:]
                edits.append((start, m.end, surface))
        new_src, new_tgt = (chosen + ["", ""])[:2]
        if not ok:
            skipped["no surface of the same kind"] += 1
            continue
        text, pos, parts = row["text"], 0, []
        for start, end, surface in sorted(edits):
            if start < pos:
                ok = False
                break
            parts.append(text[pos:start] + surface)
            pos = end
        new_text = "".join(parts) + text[pos:]
        found = {a.code for a in finder.find(new_text)}
        if not ok or new_src not in found or new_tgt not in found or row["source"] in found or row["target"] in found:
            skipped["swapped text not recognised as intended"] += 1
            continue
        out.append({"id": f"swap:{row['id']}", "orig_id": row["id"], "doc_id": row["doc_id"], "text": new_text,
                    "source": new_src, "target": new_tgt, "label": row["label"], "tags": row.get("tags", []),
                    "orig_text": row["text"], "orig_source": row["source"], "orig_target": row["target"]})
    return out, skipped


def agreement_tasks(docs: list[dict[str, Any]], finder: ActorFinder, n_pairs: int, seed: int = 29) -> list[dict[str, Any]]:
    """Sentences sampled at random, stratified by genre, until at least ``n_pairs`` pairs, for a second
    annotator: text, actors and the ordered pairs to label, never the first annotator's labels."""
    import random

    rng = random.Random(seed)
    by_genre: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for doc in docs:
        for i, sent in enumerate(doc["sentences"]):
            if sent["pairs"]:
                actors = [a.code for a in finder.find(sent["text"])]
                by_genre[doc.get("genre", "v1")].append({
                    "sid": f"{doc['doc_id']}-s{i:02d}", "genre": doc.get("genre", "v1"), "text": sent["text"], "actors": actors,
                    "pairs": [[a, b] for a in actors for b in actors if a != b]})
    for items in by_genre.values():
        rng.shuffle(items)
    tasks, total, genres = [], 0, sorted(by_genre)
    while total < n_pairs and any(by_genre.values()):
        for g in genres:  # round robin: every genre equally often, so kappa can be reported per genre
            if by_genre[g] and total < n_pairs:
                task = by_genre[g].pop()
                tasks.append(task)
                total += len(task["pairs"])
    rng.shuffle(tasks)
    return tasks


def agreement(path: Path = Path("data/agreement/double_annotation.jsonl")) -> dict[str, Any]:
    """Cohen's kappa and raw agreement between the two independent annotations.

    Each line holds ``label_first``, ``label_second`` and ``label_adjudicated``.
    """
    from sklearn.metrics import cohen_kappa_score

    rows = [json.loads(line) for line in open(path, encoding="utf-8")]

    def summary(part: list[dict[str, Any]]) -> dict[str, Any]:
        a, b = [r["label_first"] for r in part], [r["label_second"] for r in part]
        return {"pairs": len(part), "cohen_kappa": round(float(cohen_kappa_score(a, b, labels=LABELS)), 4),
                "raw_agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(part), 4),
                "disagreements": sum(x != y for x, y in zip(a, b, strict=True)),
                "gold_changed_by_adjudication": sum(r["label_adjudicated"] != r["label_first"] for r in part)}

    out = summary(rows)
    genres = sorted({r["genre"] for r in rows if r.get("genre")})
    if genres:  # corpus v2: kappa per genre too
        out["per_genre"] = {g: summary([r for r in rows if r.get("genre") == g]) for g in genres}
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m train.corpus build|validate|stats|namebias|agreement``."""
    parser = argparse.ArgumentParser(prog="python -m train.corpus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "validate", "stats", "namebias", "agreement", "agreement-tasks"])
    parser.add_argument("--pairs", type=int, default=1600, help="agreement-tasks: pairs to sample (default: %(default)s)")
    parser.add_argument("--out", default="runs/agreement/tasks.jsonl", help="agreement-tasks: output file (default: %(default)s)")
    parser.add_argument("--glob", default="v2/*.jsonl", help="agreement-tasks: raw batches to sample (default: %(default)s)")
    parser.add_argument("--raw", default=str(RAW), help="raw annotation batches (default: %(default)s)")
    parser.add_argument("--corpus", default=str(CORPUS), help="corpus directory (default: %(default)s)")
    parser.add_argument("--aliases", default="data/aliases.yaml", help="actor alias table (default: %(default)s)")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    try:
        if args.command == "build":
            result: Any = build(Path(args.raw), corpus, args.aliases)
        elif args.command == "validate":
            result = validate(corpus, args.aliases)
        elif args.command == "agreement":
            v2 = Path("data/agreement/double_annotation_v2.jsonl")
            result = {"v1": agreement(), **({"v2": agreement(v2)} if v2.is_file() else {})}
        elif args.command == "agreement-tasks":
            docs = [d for d in load_raw(Path(args.raw)) if Path(d["_file"]).match(args.glob)]
            tasks = agreement_tasks(docs, ActorFinder.from_yaml(args.aliases), args.pairs)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            with open(args.out, "w", encoding="utf-8") as f:
                for t in tasks:
                    f.write(json.dumps(t, ensure_ascii=False) + "\n")
            result = {"sentences": len(tasks), "pairs": sum(len(t["pairs"]) for t in tasks),
                      "genres": dict(collections.Counter(t["genre"] for t in tasks))}
        elif args.command == "stats":
            result = stats(corpus, args.aliases)
        else:
            finder = ActorFinder.from_yaml(args.aliases)
            # Held-out rows only (dev and test), never training rows.
            rows = [json.loads(line) for s in ("test", "dev") for line in open(corpus / f"{s}.jsonl", encoding="utf-8")]
            swapped, skipped = name_swap(rows, finder)
            with open(corpus / "name_swap.jsonl", "w", encoding="utf-8") as f:
                for r in swapped:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
            result = {"swapped": len(swapped), "from_dev_and_test_rows": len(rows), "not_swapped": dict(skipped)}
    except CorpusError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
