"""Every command answers --help; the thin entry points call run() in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [["train"], ["infer"], ["infer", "pairs"], ["train.corpus"], ["train.evaluate"], ["train.calibrate"], ["infer.bench"],
            ["infer.timeseries"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command: list[str]) -> None:
    module, *rest = command
    result = subprocess.run([sys.executable, "-m", module, *rest, "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_train_help_lists_config_fields() -> None:
    result = subprocess.run([sys.executable, "-m", "train", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "max_length" in result.stdout and "Stop after this many epochs" in result.stdout


def test_train_main_in_process(tiny_encoder: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.conftest import ALIASES, write_pair_corpus
    from train.__main__ import main

    paths = write_pair_corpus(tmp_path / "c")
    out = tmp_path / "ckpt"
    code = main(["--config", str(ROOT / "configs" / "smoke.yaml"), "--data.train", paths["train"], "--data.dev", paths["dev"],
                 "--data.test", paths["test"], "--data.aliases", str(ALIASES), "--model.encoder", str(tiny_encoder),
                 "--training.output_dir", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(printed["macro_f1"]) == {"dev", "test"}
    assert (out / "model.safetensors").is_file()


def test_infer_pairs_in_process(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from infer.__main__ import main
    from infer.batch_io import read_table

    inp = tmp_path / "pairs.jsonl"
    inp.write_text(json.dumps({"text": "Russia invaded Ukraine.", "source": "RUS", "target": "UKR", "label": "conflictual"}) + "\n"
                   + json.dumps({"text": "China met India.", "source": "CHN", "target": "IND"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["pairs", "--checkpoint", str(tiny_checkpoint), "--input", str(inp), "--output", str(out)]) == 0
    rows = read_table(out)
    assert rows[0]["label"] == "conflictual" and rows[0]["label_pred"] in ("conflictual", "neutral", "cooperative")
    assert rows[1]["label"] in ("conflictual", "neutral", "cooperative")
    for r in rows:
        assert -1 <= r["score"] <= 1 and abs(r["p_conflictual"] + r["p_neutral"] + r["p_cooperative"] - 1) < 1e-4


def test_infer_pairs_bad_row_fails_with_its_line(tiny_checkpoint: Path, tmp_path: Path) -> None:
    from infer.__main__ import main

    inp = tmp_path / "pairs.jsonl"  # a blank line before the bad row: line numbers count file lines
    inp.write_text(json.dumps({"text": "Russia invaded Ukraine.", "source": "RUS", "target": "UKR"}) + "\n\n"
                   + json.dumps({"text": "Russia invaded Ukraine.", "source": "FRA", "target": "UKR"}) + "\n")
    with pytest.raises(ValueError, match=r"pairs.jsonl:3: field 'source': actor 'FRA' not found"):
        main(["pairs", "--checkpoint", str(tiny_checkpoint), "--input", str(inp), "--output", str(tmp_path / "o.jsonl"),
              "--on-error", "fail"])


def test_infer_pairs_skips_bad_rows_and_keeps_every_row(tiny_checkpoint: Path, tmp_path: Path, capsys) -> None:
    from infer.__main__ import main
    from infer.batch_io import read_table

    inp = tmp_path / "pairs.csv"  # CSV: the header is line 1, the first row line 2
    inp.write_text("text,source,target\n"
                   "His administration rejected the plan.,USA,CHN\n"
                   "Russia invaded Ukraine.,RUS,UKR\n"
                   ",RUS,UKR\n")
    out = tmp_path / "o.jsonl"
    assert main(["pairs", "--checkpoint", str(tiny_checkpoint), "--input", str(inp), "--output", str(out)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"] == 2
    rows = read_table(out)
    assert [(r["line"], r["status"]) for r in rows] == [(2, "error"), (3, "ok"), (4, "error")]
    assert "pairs.csv:2: field 'source'" in rows[0]["error"] and rows[1]["label"] in ("conflictual", "neutral", "cooperative")
    errors = [json.loads(line) for line in (tmp_path / "o.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "source"), (4, "text")]
