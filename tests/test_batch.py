"""Batch inference: outputs, bad input, and resuming after a kill without losing or repeating rows."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infer.batch import InferConfig, output_paths, run
from infer.batch_io import InputError, read_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples" / "articles.jsonl"


def _cfg(ckpt: Path, inp: Path, out: Path, **kw) -> InferConfig:
    return InferConfig(checkpoint=str(ckpt), input=str(inp), output=str(out), progress=False, **kw)


@pytest.mark.parametrize("ext", [".parquet", ".jsonl", ".csv"])
def test_examples_every_article_has_rows(tiny_checkpoint: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"articles{ext}"
    summary = run(_cfg(tiny_checkpoint, EXAMPLES, out, chunk_size=2))
    paths = output_paths(str(out))
    status = read_table(paths["status"])
    ids = [json.loads(line)["id"] for line in EXAMPLES.open()]
    assert [r["article_id"] for r in status] == ids
    assert summary["articles"] == len(ids) and summary["error"] == 0
    articles = read_table(paths["articles"])
    assert {r["article_id"] for r in articles} == set(ids)
    no_dyads = [r for r in status if r["status"] == "no_dyads"]
    assert [r["article_id"] for r in no_dyads] == ["ex-004"]  # the market report names no country
    sentences = read_table(paths["sentences"])
    assert {(r["source"], r["target"]) for r in sentences if r["article_id"] == "ex-001"} >= {("JPN", "KOR"), ("KOR", "JPN")}
    assert not paths["parts"].exists()


BAD_LINES = [
    (b'{"id": "a1", "text": "Russia invaded Ukraine."}\n', None),
    (b'{"id": "a2", "text": "China met India."\n', "malformed JSON"),
    (b'{"text": "No id here."}\n', "'id': missing"),
    (b'{"id": "a3"}\n', "'text': missing"),
    (b'{"id": "a4", "text": 42}\n', "'text': expected a string"),
    (b'{"id": "a5", "text": "   "}\n', "'text': empty"),
    (b'{"id": "a1", "text": "Duplicate id."}\n', "duplicate id"),
    (b'{"id": "a6", "text": "bad \xff byte"}\n', "invalid UTF-8"),
    (b'{"id": "a7", "text": "' + b"x" * 1_000_001 + b'"}\n', "longer than"),
    (b'[1, 2]\n', "not a JSON object"),
    (b'{"id": "a8", "text": "Japan praised France."}\n', None),
]


def test_bad_rows_are_recorded_not_dropped(tiny_checkpoint: Path, tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(b"".join(line for line, _ in BAD_LINES))
    out = tmp_path / "out.jsonl"
    summary = run(_cfg(tiny_checkpoint, inp, out, chunk_size=3))
    paths = output_paths(str(out))
    status = read_table(paths["status"])
    assert len(status) == len(BAD_LINES)  # one status row per input row
    errors = [json.loads(line) for line in paths["errors"].open()]
    expected = [(i + 1, msg) for i, (_, msg) in enumerate(BAD_LINES) if msg]
    assert [(e["line"], e["error"]) for e in errors] == [(line, e["error"]) for line, e in zip([x for x, _ in expected], errors, strict=True)]
    for (line, msg), err in zip(expected, errors, strict=True):
        assert err["error"].startswith(f"{inp}:{line}: field"), err
        assert msg in err["error"], (msg, err)
    assert summary["error"] == len(expected) and summary["ok"] == 2


def test_on_error_fail_names_file_line_field(tiny_checkpoint: Path, tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(BAD_LINES[0][0] + BAD_LINES[3][0])
    with pytest.raises(InputError, match=r"in.jsonl:2: field 'text': missing"):
        run(_cfg(tiny_checkpoint, inp, tmp_path / "o.parquet", on_error="fail"))


def test_unreadable_inputs(tiny_checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        run(_cfg(tiny_checkpoint, tmp_path / "missing.jsonl", tmp_path / "o.parquet"))
    bad = tmp_path / "x.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InputError, match="cannot read"):
        run(_cfg(tiny_checkpoint, bad, tmp_path / "o.parquet"))
    with pytest.raises(FileNotFoundError, match="not a geostance checkpoint"):
        run(_cfg(tmp_path, EXAMPLES, tmp_path / "o.parquet"))


def test_gzip_csv_and_parquet_inputs(tiny_checkpoint: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in EXAMPLES.open()]
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    pqt = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), pqt)
    csvf = tmp_path / "a.csv"
    from infer.batch_io import write_table

    write_table(rows, csvf)
    results = []
    for inp in (gz, pqt, csvf):
        out = tmp_path / f"out-{inp.name}.jsonl"
        run(_cfg(tiny_checkpoint, inp, out))
        results.append(sorted((r["article_id"], r["dyad"], round(r["score"], 4)) for r in read_table(out) if r["dyad"]))
    assert results[0] == results[1] == results[2]


def _articles(n: int) -> list[dict]:
    names = ["China", "Russia", "India", "Japan", "France", "Brazil", "Kenya", "Egypt"]
    return [{"id": f"n{i}", "text": f"{names[i % 8]} met {names[(i + 3) % 8]} on Tuesday. Talks went on." * 3}
            for i in range(n)]


def test_kill_and_resume_loses_and_repeats_nothing(tiny_checkpoint: Path, tmp_path: Path) -> None:
    inp = tmp_path / "big.jsonl"
    inp.write_text("".join(json.dumps(a) + "\n" for a in _articles(400)))
    out = tmp_path / "out.parquet"
    cmd = [sys.executable, "-m", "infer", "--checkpoint", str(tiny_checkpoint), "--input", str(inp),
           "--output", str(out), "--chunk-size", "5", "--no-progress", "--threads", "1"]
    parts = output_paths(str(out))["parts"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("*.status.parquet"))) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(parts.glob("*.status.parquet")))
    assert 3 <= done_before < 80, "the run was not interrupted mid-way"
    summary = run(_cfg(tiny_checkpoint, inp, out, chunk_size=5))
    assert summary["resumed_chunks"] >= done_before - 1
    status = read_table(output_paths(str(out))["status"])
    assert sorted(r["article_id"] for r in status) == sorted(f"n{i}" for i in range(400))
    articles = read_table(out)
    directed = [(r["article_id"], r["dyad"]) for r in articles if r["directed"]]
    assert len(directed) == len(set(directed)) == 800  # two directions per article, none twice


def test_changed_arguments_do_not_mix_with_old_parts(tiny_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    parts = output_paths(str(out))["parts"]
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"input": "other"}))
    with pytest.raises(InputError, match="other arguments"):
        run(_cfg(tiny_checkpoint, EXAMPLES, out))


def test_recalibrated_checkpoint_does_not_mix_with_old_parts(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Only the temperature changes (beyond the first MiB of the weights): a resume must still refuse."""
    import shutil

    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, ckpt)
    from infer.batch import _manifest

    out = tmp_path / "o.parquet"
    parts = output_paths(str(out))["parts"]
    parts.mkdir()  # an interrupted run with the first calibration left its manifest
    (parts / "manifest.json").write_text(json.dumps(_manifest(_cfg(ckpt, EXAMPLES, out, chunk_size=2))))
    meta = json.loads((ckpt / "geostance.json").read_text())
    (ckpt / "geostance.json").write_text(json.dumps({**meta, "temperature": meta["temperature"] * 2}))
    with pytest.raises(InputError, match="other arguments"):
        run(_cfg(ckpt, EXAMPLES, out, chunk_size=2))


def test_capped_actors_are_counted_in_status_and_sentence_rows(tiny_checkpoint: Path, tmp_path: Path) -> None:
    inp = tmp_path / "crowded.jsonl"
    text = "Kenya, Ghana, Peru, Chile, Brazil and Mexico signed the declaration. Kenya thanked Ghana."
    inp.write_text(json.dumps({"id": "c1", "text": text}) + "\n")
    out = tmp_path / "o.parquet"
    run(_cfg(tiny_checkpoint, inp, out, max_actors_per_sentence=3))
    (status,) = read_table(output_paths(str(out))["status"])
    assert status["n_actors"] == 6 and status["n_skipped_actors"] == 3
    sentences = read_table(output_paths(str(out))["sentences"])
    first = [r for r in sentences if r["sentence_index"] == 0]
    assert len(first) == 6 and all(list(r["skipped_actors"]) == ["CHL", "BRA", "MEX"] for r in first)
    assert all(list(r["skipped_actors"]) == [] for r in sentences if r["sentence_index"] == 1)


def test_user_actor_table_adds_dyads_without_retraining(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """A user overlay adds a non-state actor (and takes over a surface), with no change to the checkpoint."""
    extra = tmp_path / "my_actors.yaml"
    extra.write_text("actors:\n  HEZ:\n    names: [Hezbollah]\n")
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "h1", "text": "Israel struck Hezbollah positions, and Hezbollah fired rockets at Israel."}) + "\n")
    out = tmp_path / "o.parquet"
    run(_cfg(tiny_checkpoint, inp, out, aliases_extra=str(extra)))
    dyads = {r["dyad"] for r in read_table(out) if r["directed"]}
    assert dyads == {"ISR->HEZ", "HEZ->ISR"}
    plain = tmp_path / "plain.parquet"
    run(_cfg(tiny_checkpoint, inp, plain))
    assert [r["status"] for r in read_table(output_paths(str(plain))["status"])] == ["no_dyads"]


def test_bad_user_actor_table_names_the_key(tiny_checkpoint: Path, tmp_path: Path) -> None:
    extra = tmp_path / "bad.yaml"
    extra.write_text("actors:\n  HEZ:\n    nmes: [Hezbollah]\n")
    with pytest.raises(ValueError, match=r"bad.yaml: actors.HEZ: unknown keys \['nmes'\]"):
        run(_cfg(tiny_checkpoint, EXAMPLES, tmp_path / "o.parquet", aliases_extra=str(extra)))
