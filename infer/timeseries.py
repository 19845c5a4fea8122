"""``python -m infer.timeseries``: dyad time series from article-level rows.

    python -m infer.timeseries --input runs/x/articles.parquet --freq month \\
        --dyads USA-CHN,CHN-RUS --output runs/x/series.csv --plot runs/x/series.png

For each period and dyad (directed ``USA->CHN`` and undirected ``CHN-USA``): number of articles, the
article-weighted mean score, the share of articles labelled conflictual and cooperative, and a
bootstrap 95% confidence interval of the mean over articles. Articles without a usable date are
counted and listed, never dropped silently.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FREQS = {"day": "D", "week": "W", "month": "M"}


def normalise_dyad(name: str) -> str:
    """``"USA-CHN"`` -> ``"CHN-USA"`` (undirected, sorted); ``"USA->CHN"`` stays directed.

    >>> normalise_dyad("USA-CHN"), normalise_dyad("usa->chn")
    ('CHN-USA', 'USA->CHN')
    """
    name = name.strip().upper()
    if "->" in name:
        return name
    return "-".join(sorted(name.split("-")))


def bootstrap_ci(scores: np.ndarray, weights: np.ndarray, n_boot: int = 500, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the weighted mean over resampled articles.

    >>> bootstrap_ci(np.array([0.5, 0.5]), np.array([1.0, 1.0]))
    (0.5, 0.5)
    """
    if len(scores) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(scores), size=(n_boot, len(scores)))
    w = weights[idx] + 1e-12
    means = (scores[idx] * w).sum(axis=1) / w.sum(axis=1)
    return round(float(np.percentile(means, 2.5)), 6), round(float(np.percentile(means, 97.5)), 6)


def build_series(rows: pd.DataFrame, freq: str, dyads: list[str] | None = None, n_boot: int = 500) -> tuple[pd.DataFrame, list[str]]:
    """Series rows and the ids of articles that have dyads but no usable date."""
    rows = rows[rows["dyad"].notna() & (rows["dyad"] != "")].copy()
    rows["directed"] = rows["directed"].astype(str).str.lower().isin(["true", "1"])
    dates = pd.to_datetime(rows["date"], errors="coerce", utc=True)
    undated = sorted(set(rows.loc[dates.isna(), "article_id"].astype(str)))
    rows = rows[dates.notna()].copy()
    periods = dates[dates.notna()].dt.tz_localize(None).dt.to_period(FREQS[freq])
    rows["period"] = periods.astype(str)
    rows["period_start"] = periods.dt.start_time.dt.strftime("%Y-%m-%d")
    if dyads:
        wanted = {normalise_dyad(d) for d in dyads}
        undirected = {d for d in wanted if "->" not in d}
        both_ways = {f"{a}->{b}" for d in undirected for a, b in [d.split("-"), d.split("-")[::-1]]}
        rows = rows[rows["dyad"].isin(wanted | both_ways)]
    out = []
    for (period, start, dyad), g in rows.groupby(["period", "period_start", "dyad"], sort=True):
        scores = g["score"].astype(float).to_numpy()
        weights = g["weight"].astype(float).to_numpy()
        w = weights.sum()
        lo, hi = bootstrap_ci(scores, weights, n_boot)
        out.append({"period": period, "period_start": start, "dyad": dyad, "directed": bool(g["directed"].iloc[0]),
                    "source": g["source"].iloc[0], "target": g["target"].iloc[0], "articles": int(len(g)),
                    "score": round(float((scores * weights).sum() / w) if w > 0 else float(scores.mean()), 6),
                    "ci_low": lo, "ci_high": hi,
                    "share_conflictual": round(float((g["label"] == "conflictual").mean()), 6),
                    "share_cooperative": round(float((g["label"] == "cooperative").mean()), 6)})
    return pd.DataFrame(out), undated


def plot_series(series: pd.DataFrame, path: str | Path, title: str = "dyad stance over time") -> None:
    """Score with its confidence band per undirected dyad (directed ones when no undirected)."""
    try:
        import matplotlib
    except ImportError as e:  # an optional extra
        raise SystemExit("--plot needs matplotlib: pip install 'geostance[eval]'") from e

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series[~series["directed"]] if (~series["directed"]).any() else series
    fig, ax = plt.subplots(figsize=(8, 4))
    for dyad, g in data.groupby("dyad"):
        x = pd.to_datetime(g["period_start"])
        ax.plot(x, g["score"], marker="o", label=f"{dyad} (n={int(g['articles'].sum())})")
        ax.fill_between(x, g["ci_low"], g["ci_high"], alpha=0.2)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("stance score (coop - conf)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(input_path: str, freq: str, output: str, dyads: list[str] | None = None, plot: str | None = None) -> dict[str, Any]:
    """Write the series table (format by extension) and optional plot; return a summary."""
    from infer.batch_io import read_table, write_table

    rows = pd.DataFrame(read_table(input_path))
    if rows.empty:
        raise ValueError(f"{input_path}: no rows")
    for col in ("article_id", "dyad", "date", "score", "weight", "label", "directed"):
        if col not in rows.columns:
            raise ValueError(f"{input_path}: field {col!r}: missing (is this an article-level output of python -m infer?)")
    series, undated = build_series(rows, freq, dyads)
    write_table(series.to_dict("records"), output)
    undated_path = Path(output).with_suffix(".undated.json")
    undated_path.write_text(json.dumps(undated))
    if plot and not series.empty:
        plot_series(series, plot)
    return {"periods": int(series["period"].nunique()) if not series.empty else 0, "rows": len(series),
            "articles_without_date": len(undated), "undated_ids": str(undated_path), "output": output, "plot": plot}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infer.timeseries", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="article-level rows written by python -m infer")
    parser.add_argument("--freq", choices=list(FREQS), default="month", help="period (default: %(default)s)")
    parser.add_argument("--dyads", default=None, help="comma-separated dyads, e.g. USA-CHN,CHN->RUS (default: all)")
    parser.add_argument("--output", required=True, help="series table; .csv, .jsonl or .parquet")
    parser.add_argument("--plot", default=None, help="PNG plot of the chosen dyads")
    args = parser.parse_args(argv)
    dyads = [d for d in args.dyads.split(",") if d.strip()] if args.dyads else None
    summary = run(args.input, args.freq, args.output, dyads, args.plot)
    print(json.dumps(summary))
    if summary["articles_without_date"]:
        print(f"note: {summary['articles_without_date']} articles have no usable date; ids in {summary['undated_ids']}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
