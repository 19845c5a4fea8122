"""The Ray Data engine in local mode gives exactly the local engine's rows (skipped without ray)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from infer.batch import InferConfig, output_paths, run  # noqa: E402
from infer.batch_io import read_table  # noqa: E402


def _rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist() if path.is_dir() else read_table(path)


def _key(rows: list[dict]) -> list[tuple]:
    return sorted(tuple((k, json.dumps(v, sort_keys=True) if not isinstance(v, float) else round(v, 5))
                        for k, v in sorted(r.items())) for r in rows)


def test_ray_matches_local(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from infer.ray_engine import run as run_ray

    articles = [{"id": f"a{i}", "date": "2024-01-0" + str(1 + i % 9), "text": t} for i, t in enumerate([
        "Russia invaded Ukraine. Kyiv condemned Moscow.", "China and India held talks in Beijing.", "No country here.",
        "Japan praised France, and Germany thanked Japan.", "", "Iran warned Israel. Israel struck Iran."])]
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(a) + "\n" for a in articles))
    local = tmp_path / "local.parquet"
    run(InferConfig(checkpoint=str(tiny_checkpoint), input=str(inp), output=str(local), progress=False, chunk_size=2))
    remote = tmp_path / "ray.parquet"
    try:
        summary = run_ray(InferConfig(checkpoint=str(tiny_checkpoint), input=str(inp), output=str(remote), progress=False,
                                      chunk_size=2, threads=1, engine="ray", ray_workers=2))
    finally:
        ray.shutdown()
    assert summary["articles"] == 6 and summary["error"] == 1 and summary["duplicate_ids"] == []
    for kind in ("articles", "sentences", "status"):
        ray_rows = _rows(Path(summary["outputs"][kind]))
        local_rows = _rows(output_paths(str(local))[kind])
        assert _key(ray_rows) == _key(local_rows), kind


def test_ray_on_error_fail_names_the_row(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from infer.batch_io import InputError
    from infer.ray_engine import run as run_ray

    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": "Russia invaded Ukraine."}) + "\n" + json.dumps({"id": "b"}) + "\n")
    with pytest.raises(InputError, match=r"in.jsonl:2: field 'text': missing"):
        run_ray(InferConfig(checkpoint=str(tiny_checkpoint), input=str(inp), output=str(tmp_path / "o.parquet"),
                            progress=False, engine="ray", on_error="fail"))
