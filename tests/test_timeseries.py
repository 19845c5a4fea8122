"""Dyad time series from article rows: periods, weighting, undated articles reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from infer.batch_io import read_table, write_table
from infer.timeseries import run


def _row(aid: str, date: str | None, dyad: str, score: float, weight: float, label: str, directed: bool = True) -> dict:
    s, t = dyad.split("->") if directed else dyad.split("-")
    return {"article_id": aid, "date": date, "dyad": dyad, "source": s, "target": t, "directed": directed,
            "score": score, "weight": weight, "label": label, "status": "ok"}


def test_monthly_series(tmp_path: Path) -> None:
    rows = [
        _row("a", "2024-01-03", "USA->CHN", -0.8, 1.0, "conflictual"),
        _row("b", "2024-01-20", "USA->CHN", 0.4, 0.5, "cooperative"),
        _row("c", "2024-02-02", "USA->CHN", 0.6, 1.0, "cooperative"),
        _row("c", "2024-02-02", "CHN-USA", 0.6, 1.0, "cooperative", directed=False),
        _row("d", None, "USA->CHN", 0.9, 1.0, "cooperative"),
        {"article_id": "e", "date": "2024-01-05", "dyad": None, "source": None, "target": None, "directed": None,
         "score": None, "weight": None, "label": None, "status": "no_dyads"},
    ]
    inp = tmp_path / "a.jsonl"
    write_table(rows, inp)
    out = tmp_path / "s.csv"
    summary = run(str(inp), "month", str(out), ["USA-CHN"], str(tmp_path / "p.png"))
    assert summary["articles_without_date"] == 1
    series = {(r["period"], r["dyad"]): r for r in read_table(out)}
    jan = series[("2024-01", "USA->CHN")]
    assert int(jan["articles"]) == 2
    assert float(jan["score"]) == pytest.approx((-0.8 * 1.0 + 0.4 * 0.5) / 1.5, abs=1e-5)
    assert float(jan["share_conflictual"]) == 0.5
    assert float(jan["ci_low"]) <= float(jan["score"]) <= float(jan["ci_high"])
    assert ("2024-02", "CHN-USA") in series
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_missing_column_is_named(tmp_path: Path) -> None:
    inp = tmp_path / "a.jsonl"
    write_table([{"article_id": "a", "dyad": "A->B"}], inp)
    with pytest.raises(ValueError, match="field 'date'"):
        run(str(inp), "week", str(tmp_path / "o.csv"))
