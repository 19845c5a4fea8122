"""``python -m infer.bench``: inference speed of a checkpoint on a fixed generated corpus (not a test).

Reports dyad-pairs/s, sentences/s, articles/s and peak RSS for the StancePredictor (length-sorted
batches, dynamic padding, optionally int8), and in the same run a naive baseline: a transformers
``pipeline`` classifying one pair at a time, padded to 128 tokens, on an encoder of the same size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

from infer.encoding import encode_in_context
from infer.sentences import split_sentences

COUNTRIES = ["China", "Russia", "India", "Japan", "France", "Brazil", "Kenya", "Egypt", "Germany", "Turkey",
             "Iran", "Mexico", "Canada", "Poland", "Nigeria", "Vietnam", "the United States", "Britain", "Ukraine"]
VERBS = ["signed a trade agreement with", "accused", "held talks with", "imposed sanctions on", "praised",
         "warned", "sent aid to", "condemned the strike by", "agreed to cooperate with", "expelled diplomats from"]
TAILS = ["on Tuesday, the foreign ministry said in a statement.", "after weeks of tension along the border.",
         "in a move analysts said could reshape regional trade.", ", officials said, citing security concerns.",
         "during a visit to the capital, according to state media."]
FILLER = ["Markets were little changed after the announcement.", "The talks are expected to resume next month.",
          "Officials gave no further details."]


def _compose(n_articles: int, seed: int, sentences: tuple[int, int], fillers: list[str],
             make: Any) -> list[str]:
    """Articles of ``sentences`` sentences each: a filler one time in five, else ``make(rng)``."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(fillers) if rng.random() < 0.2 else make(rng) for _ in range(rng.randint(*sentences)))
            for _ in range(n_articles)]


def _short_sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(COUNTRIES, 3)
    s = f"{a[0].upper() + a[1:]} {rng.choice(VERBS)} {b} {rng.choice(TAILS)}"
    return s.rstrip(".") + f", while {c} urged restraint." if rng.random() < 0.3 else s


def generated_corpus(n_articles: int, seed: int = 7, sentences: tuple[int, int] = (6, 12)) -> list[str]:
    """A fixed synthetic corpus: each article 6-12 sentences, most with two or three countries."""
    return _compose(n_articles, seed, sentences, FILLER, _short_sentence)


# Pieces of real-news-length sentences (median about 27 words, 2 to 8 actors): an attribution, a main act,
# a clause about other actors, and background. Composed here for timing only; they carry no labels.
OPENERS = ["In a statement released late on Tuesday, the foreign ministry of {a} said that",
           "Speaking to reporters after a closed-door meeting in the capital, officials from {a} said",
           "According to diplomats familiar with the talks, who spoke on condition of anonymity,",
           "Two days after the summit ended without a joint communique,", "Despite months of quiet contacts,"]
ACTS = ["{a} had agreed to expand military cooperation with {b}", "{a} would impose new sanctions on {b}",
        "{a} rejected the proposal put forward by {b}", "{a} accused {b} of violating the ceasefire",
        "{a} and {b} would resume talks on the disputed border", "{a} sent humanitarian aid to {b}"]
CLAUSES = [", a move that drew sharp criticism from {c} and {d}", ", while {c} urged both sides to show restraint",
           " even as {c}, {d} and {e} called for an emergency session of the Security Council",
           ", with {c} offering to host a new round of negotiations later this month",
           ", although analysts in {c} said the decision was unlikely to change much on the ground"]
TRAILERS = [" after weeks of rising tension along the frontier.", ", and markets in {f} fell sharply on the news.",
            ", the latest sign of a shift in the region since the war between {f} and {g}.",
            ", according to a readout published by the government.", "."]
FILLERS = ["Officials gave no further details about the timing of the next meeting or who would attend it.",
           "The talks are expected to resume next month, though no date has been set by either side so far.",
           "Markets were little changed after the announcement, and the currency held steady against the dollar."]


def _news_sentence(rng: random.Random) -> str:
    names = dict(zip("abcdefg", rng.sample(COUNTRIES, 7), strict=True))
    head = [rng.choice(OPENERS)] if rng.random() < 0.45 else []
    tail = [rng.choice(CLAUSES)] if rng.random() < 0.6 else []
    text = (" ".join([*head, rng.choice(ACTS)]) + "".join([*tail, rng.choice(TRAILERS)])).format(**names)
    return text.replace(" ,", ",")[0].upper() + text.replace(" ,", ",")[1:]


def news_like_corpus(n_articles: int, seed: int = 7, sentences: tuple[int, int] = (8, 14)) -> list[str]:
    """A fixed synthetic corpus with the sentence lengths and actor counts of real news (2 to 8
    actors per sentence, median about 30 words), for timing the strategies fairly."""
    return _compose(n_articles, seed, sentences, FILLERS, _news_sentence)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_predictor(predictor: Any, articles: list[str], chunk: int = 64) -> dict[str, float]:
    """Throughput of predict_article over ``articles`` in chunks, as the batch job runs it."""
    predictor.predict_article(articles[:2])  # warm-up
    start = time.perf_counter()
    n_pairs = n_sent = 0
    for i in range(0, len(articles), chunk):
        for r in predictor.predict_article(articles[i:i + chunk]):
            n_pairs += len(r.sentences)
            n_sent += r.n_sentences
    secs = time.perf_counter() - start
    return {"seconds": round(secs, 2), "articles": len(articles), "sentences": n_sent, "pairs": n_pairs,
            "pairs_per_s": round(n_pairs / secs, 1), "sentences_per_s": round(n_sent / secs, 1),
            "articles_per_s": round(len(articles) / secs, 2)}


def bench_naive(checkpoint: str, marked: list[str], threads: int | None) -> dict[str, float]:
    """A text-classification pipeline on the same encoder, one pair per call, padded to 128 tokens."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=3)
    clf = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu")
    clf(marked[0], padding="max_length", max_length=128, truncation=True)
    start = time.perf_counter()
    for text in marked:
        clf(text, padding="max_length", max_length=128, truncation=True)
    secs = time.perf_counter() - start
    return {"seconds": round(secs, 2), "pairs": len(marked), "pairs_per_s": round(len(marked) / secs, 1)}


BACKENDS = {"fp32": {}, "onnx_fp32": {"backend": "onnx"}, "onnx_int8": {"backend": "onnx", "int8": True}}


def workloads(n_articles: int) -> dict[str, list[str]]:
    """The texts timed: real-news-length generated articles (2 to 8 actors per sentence), the composed
    corpus articles when present, and the short generated articles of earlier benchmarks."""
    loads = {"news_like": news_like_corpus(n_articles)}
    corpus = Path("data/corpus/articles.jsonl")
    if corpus.is_file():
        loads["corpus_articles"] = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")][:n_articles]
    loads["short_generated"] = generated_corpus(n_articles)
    return loads


def run(checkpoints: list[str], n_articles: int, threads: int | None, batch_size: int, naive_pairs: int,
        backends: list[str], out: str | None) -> dict[str, Any]:
    """Time every checkpoint (one per strategy) on every workload with every backend, and the naive
    per-pair pipeline on the same news-like pairs; write JSON to ``out``."""
    import torch

    from infer.predictor import StancePredictor

    if threads:
        torch.set_num_threads(threads)
    loads = workloads(n_articles)
    result: dict[str, Any] = {"threads": torch.get_num_threads(), "batch_size": batch_size, "runs": []}
    for checkpoint in checkpoints:
        for name in backends:
            try:
                predictor = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads, device="cpu",
                                                            **BACKENDS[name])
            except ImportError as e:
                result["runs"].append({"checkpoint": checkpoint, "backend": name, "error": f"{e} (pip install -e '.[onnx]')"})
                continue
            for load, texts in loads.items():
                result["runs"].append({"checkpoint": checkpoint, "strategy": predictor.strategy, "backend": name,
                                       "workload": load, **bench_predictor(predictor, texts)})
            if name == "fp32":
                result.setdefault("crowded_sentence", {})[predictor.strategy] = bench_crowded(predictor)
    # The naive baseline classifies the per-pair texts of the news-like workload, one pair per call.
    predictor = StancePredictor.from_pretrained(checkpoints[0], batch_size=batch_size, threads=threads, device="cpu")
    marked = []
    for text in loads["news_like"]:
        for span in split_sentences(text):
            (sentence, actors, pairs), _ = predictor.sentence_job(span.text)
            marked += [encode_in_context(sentence, actors, s, t, predictor.mask_names) for s, t in pairs]
        if len(marked) >= naive_pairs:
            break
    result["naive_pipeline"] = bench_naive(checkpoints[0], marked[:naive_pairs], threads)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))
    return result


def bench_crowded(predictor: Any, counts: tuple[int, ...] = (2, 4, 8, 12, 20, 40), repeats: int = 3) -> list[dict[str, Any]]:
    """Seconds to score one sentence naming ``n`` countries (a list, as in summit and sanctions copy),
    under the predictor's actor cap: what ``max_actors_per_sentence`` bounds."""
    import pycountry

    names = [c.name for c in pycountry.countries if len(c.name.split()) == 1 and predictor.finder.find(c.name)][:max(counts)]
    out = []
    for n in counts:
        text = "Ministers from " + ", ".join(names[:n - 1]) + f" and {names[n - 1]} signed the declaration on Tuesday."
        predictor.predict_sentences(text)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            rows = predictor.predict_sentences(text)
        out.append({"actors": n, "scored_pairs": len(rows), "skipped_actors": len(rows[0].skipped_actors) if rows else 0,
                    "seconds": round((time.perf_counter() - start) / repeats, 3)})
    return out


def table(result: dict[str, Any]) -> str:
    """The benchmark as a Markdown table, every path side by side."""
    lines = ["| strategy | backend | workload | dyad-pairs/s | sentences/s | articles/s |", "|---|---|---|---|---|---|"]
    for r in result["runs"]:
        if "error" not in r:
            lines.append(f"| {r['strategy']} | {r['backend']} | {r['workload']} | {r['pairs_per_s']} | {r['sentences_per_s']} | "
                         f"{r['articles_per_s']} |")
    naive = result["naive_pipeline"]
    lines.append(f"| naive pipeline, one pair per call, padded to 128 | fp32 | news_like | {naive['pairs_per_s']} | | |")
    for strategy, rows in result.get("crowded_sentence", {}).items():
        lines.append(f"\nOne sentence naming n countries ({strategy}, fp32): " +
                     ", ".join(f"n={r['actors']}: {r['scored_pairs']} pairs in {r['seconds']} s" for r in rows))
    return "\n".join(lines)


def bench_scale(checkpoint: str, n_articles: int, workdir: str, engine: str = "local", threads: int | None = None,
                sentences: tuple[int, int] = (6, 12), extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run the batch job (``python -m infer``) as a child process on ``n_articles`` generated articles
    with dates; report articles/s and the child's peak RSS (memory must stay flat as N grows)."""
    import subprocess

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    inp = work / f"scale-{n_articles}.jsonl"
    rng = random.Random(11)
    with open(inp, "w", encoding="utf-8") as f:
        for i, text in enumerate(generated_corpus(n_articles, sentences=sentences)):
            f.write(json.dumps({"id": f"g{i}", "date": f"2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
                                "text": text}) + "\n")
    out = work / f"scale-{n_articles}-{engine}" / "articles.parquet"
    cmd = [sys.executable, "-m", "infer", "--checkpoint", checkpoint, "--input", str(inp), "--output", str(out),
           "--no-progress", "--engine", engine, *extra] + (["--threads", str(threads)] if threads else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    secs = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"engine": engine, "options": " ".join(extra), "articles": n_articles, "seconds": round(secs, 1), "articles_per_s": round(n_articles / secs, 2),
            "peak_rss_mb": round(max(peak, before) / 1024, 1),
            "note": "peak RSS is the largest child so far; run sizes in increasing order"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infer.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", action="append", default=None,
                        help="checkpoint directory, repeatable: one per strategy (default: models/default)")
    parser.add_argument("--articles", type=int, default=100, help="articles per workload (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per forward pass (default: %(default)s)")
    parser.add_argument("--naive-pairs", type=int, default=300, help="pairs for the naive baseline (default: %(default)s)")
    parser.add_argument("--backends", nargs="+", choices=list(BACKENDS), default=list(BACKENDS),
                        help="inference paths to time (default: all)")
    parser.add_argument("--int8", action="store_true", help="--scale: run the batch job with ONNX Runtime int8")
    parser.add_argument("--out", default="runs/bench.json", help="JSON result file (default: %(default)s)")
    parser.add_argument("--scale", type=int, nargs="*", default=None,
                        help="instead: run the batch job on these numbers of generated articles (e.g. 10000 100000)")
    parser.add_argument("--engine", choices=["local", "ray"], default="local", help="engine for --scale (default: %(default)s)")
    parser.add_argument("--short", action="store_true", help="--scale with 2-3 sentence articles")
    args = parser.parse_args(argv)
    checkpoints = args.checkpoint or ["models/default"]
    if args.scale:
        extra = ("--backend", "onnx", "--int8") if args.int8 else ()
        rows = [bench_scale(checkpoints[0], n, "runs/scale", args.engine, args.threads, (2, 3) if args.short else (6, 12), extra)
                for n in sorted(args.scale)]
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(rows, indent=2))
        print(json.dumps(rows, indent=2))
        return 0
    result = run(checkpoints, args.articles, args.threads, args.batch_size, args.naive_pairs, args.backends, args.out)
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
