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


def generated_corpus(n_articles: int, seed: int = 7, sentences: tuple[int, int] = (6, 12)) -> list[str]:
    """A fixed synthetic corpus: each article 6-12 sentences, most with two or three countries."""
    rng = random.Random(seed)
    articles = []
    for _ in range(n_articles):
        sents = []
        for _ in range(rng.randint(*sentences)):
            if rng.random() < 0.2:
                sents.append(rng.choice(FILLER))
                continue
            a, b, c = rng.sample(COUNTRIES, 3)
            s = f"{a[0].upper() + a[1:]} {rng.choice(VERBS)} {b} {rng.choice(TAILS)}"
            if rng.random() < 0.3:
                s = s.rstrip(".") + f", while {c} urged restraint."
            sents.append(s)
        articles.append(" ".join(sents))
    return articles


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


def run(checkpoint: str, n_articles: int, threads: int | None, batch_size: int, naive_pairs: int, int8: bool,
        out: str | None) -> dict[str, Any]:
    """Benchmark the predictor (fp32 and optionally int8) and the naive baseline; write JSON to ``out``."""
    import torch

    from infer.predictor import StancePredictor

    if threads:
        torch.set_num_threads(threads)
    articles = generated_corpus(n_articles)
    result: dict[str, Any] = {"checkpoint": checkpoint, "threads": torch.get_num_threads(), "batch_size": batch_size}
    predictor = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads, device="cpu")
    result["fp32"] = bench_predictor(predictor, articles)
    corpus = Path("data/corpus/articles.jsonl")
    if corpus.is_file():  # composed news of realistic length (longer sentences than the generated ones)
        texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")][:100]
        result["fp32_corpus_articles"] = bench_predictor(predictor, texts)
    if int8:
        try:
            onnx = StancePredictor.from_pretrained(checkpoint, batch_size=batch_size, threads=threads, int8=True, backend="onnx")
            result["onnx_int8"] = bench_predictor(onnx, articles)
            if corpus.is_file():
                result["onnx_int8_corpus_articles"] = bench_predictor(onnx, texts)
        except ImportError as e:
            result["onnx_int8"] = f"not run: {e} (pip install -e '.[onnx]')"
    # The naive baseline classifies the very pair texts the predictor encodes (no model pass needed here).
    marked = []
    for text in articles[:50]:
        for span in split_sentences(text):
            (sentence, actors, pairs), _, _ = predictor.sentence_job(span.text)
            marked += [encode_in_context(sentence, actors, s, t, predictor.mask_names) for s, t in pairs]
    result["naive_pipeline"] = bench_naive(checkpoint, marked[:naive_pairs], threads)
    result["speedup_vs_naive"] = round(result["fp32"]["pairs_per_s"] / result["naive_pipeline"]["pairs_per_s"], 2)
    metrics = Path(checkpoint, "metrics.json")
    if metrics.is_file():
        m = json.loads(metrics.read_text())
        result["training_examples_per_s"] = m.get("train_examples_per_second")
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))
    return result


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
    parser.add_argument("--checkpoint", default="models/default", help="checkpoint directory (default: %(default)s)")
    parser.add_argument("--articles", type=int, default=200, help="generated articles (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per forward pass (default: %(default)s)")
    parser.add_argument("--naive-pairs", type=int, default=300, help="pairs for the naive baseline (default: %(default)s)")
    parser.add_argument("--int8", action="store_true", help="also measure int8 (torch dynamic and ONNX Runtime)")
    parser.add_argument("--out", default="runs/bench.json", help="JSON result file (default: %(default)s)")
    parser.add_argument("--scale", type=int, nargs="*", default=None,
                        help="instead: run the batch job on these numbers of generated articles (e.g. 10000 100000)")
    parser.add_argument("--engine", choices=["local", "ray"], default="local", help="engine for --scale (default: %(default)s)")
    parser.add_argument("--short", action="store_true", help="--scale with 2-3 sentence articles")
    args = parser.parse_args(argv)
    if args.scale:
        extra = ("--backend", "onnx", "--int8") if args.int8 else ()
        rows = [bench_scale(args.checkpoint, n, "runs/scale", args.engine, args.threads, (2, 3) if args.short else (6, 12), extra)
                for n in sorted(args.scale)]
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(rows, indent=2))
        print(json.dumps(rows, indent=2))
        return 0
    print(json.dumps(run(args.checkpoint, args.articles, args.threads, args.batch_size, args.naive_pairs, args.int8,
                         args.out), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
