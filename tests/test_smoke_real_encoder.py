"""One smoke run of the real packaged MiniLM encoder for a few steps (offline)."""

from __future__ import annotations

from pathlib import Path

from infer.config import load_config
from train.config import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


def test_packaged_minilm_trains_saves_and_predicts(tmp_path: Path) -> None:
    from infer.predictor import StancePredictor
    from tests.conftest import ALIASES, write_pair_corpus
    from train.trainer import run

    paths = write_pair_corpus(tmp_path / "c")
    cfg = load_config(TrainConfig, ROOT / "configs" / "smoke.yaml",
                      ["--data.train", paths["train"], "--data.dev", paths["dev"], "--data.test", paths["test"],
                       "--data.aliases", str(ALIASES), "--training.output_dir", str(tmp_path / "ckpt")])
    metrics = run(cfg)
    assert metrics["steps"] == 1  # 12 rows in 6 sentences: one per-sentence batch of 8, one epoch
    p = StancePredictor.from_pretrained(tmp_path / "ckpt", device="cpu")
    assert p.model.encoder.config.hidden_size == 384  # the real MiniLM-L6, not the tiny test model
    rows = p.predict_sentences("Russia invaded Ukraine.")
    assert {(r.source, r.target) for r in rows} == {("RUS", "UKR"), ("UKR", "RUS")}
    assert all(-1 <= r.score <= 1 for r in rows)
