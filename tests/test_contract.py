"""The model contract: train -> save -> load -> predict, on the tiny random BERT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infer.predictor import ArticleResult, StancePredictor
from infer.schema import LABELS


@pytest.fixture(scope="module")
def predictor(tiny_checkpoint: Path) -> StancePredictor:
    return StancePredictor.from_pretrained(tiny_checkpoint, batch_size=4, threads=1, device="cpu")


def test_checkpoint_describes_itself(tiny_checkpoint: Path) -> None:
    for name in ("model.safetensors", "config.json", "geostance.json", "aliases.yaml", "metrics.json", "tokenizer.json"):
        assert (tiny_checkpoint / name).is_file(), name
    meta = json.loads((tiny_checkpoint / "geostance.json").read_text())
    assert meta["labels"] == LABELS
    assert meta["encoding_version"] == "typed-markers-v1"
    assert meta["config"]["model"]["max_length"] == 64
    metrics = json.loads((tiny_checkpoint / "metrics.json").read_text())
    for split in ("dev", "test"):
        m = metrics[split]
        assert 0.0 <= m["macro_f1"] <= 1.0 and 0.0 <= m["accuracy"] <= 1.0
        assert set(m["per_class"]) == set(LABELS)
        assert sum(map(sum, m["confusion_matrix"])) == m["n"] == 12


def test_marker_tokens_saved_with_tokenizer(predictor: StancePredictor) -> None:
    for marker in ("[S]", "[/S]", "[T]", "[/T]"):
        assert predictor.tokenizer.convert_tokens_to_ids(marker) != predictor.tokenizer.unk_token_id


def _check(p) -> None:
    assert p.label in LABELS
    assert abs(sum(p.probs) - 1.0) < 1e-4
    assert -1.0 <= p.score <= 1.0


def test_predict_pairs_same_shape(predictor: StancePredictor) -> None:
    one = predictor.predict_pairs(("Russia invaded Ukraine.", "RUS", "UKR"))
    _check(one)
    many = predictor.predict_pairs([{"text": "Russia invaded Ukraine.", "source": "UKR", "target": "RUS"},
                                    ("China met India.", "CHN", "IND")])
    assert len(many) == 2
    for p in many:
        _check(p)
    assert predictor.predict_pairs([]) == []


def test_predict_pairs_unknown_actor_is_a_clear_error(predictor: StancePredictor) -> None:
    with pytest.raises(ValueError, match="row 0: actor 'FRA' not found"):
        predictor.predict_pairs([("Russia invaded Ukraine.", "FRA", "UKR")])


def test_predict_sentences(predictor: StancePredictor) -> None:
    rows = predictor.predict_sentences("China, Russia and India met in Moscow.")
    assert {(p.source, p.target) for p in rows} == {
        ("CHN", "RUS"), ("RUS", "CHN"), ("CHN", "IND"), ("IND", "CHN"), ("RUS", "IND"), ("IND", "RUS")}
    for p in rows:
        _check(p)
    batch = predictor.predict_sentences(["Russia invaded Ukraine.", "Nothing here.", ""])
    assert [len(b) for b in batch] == [2, 0, 0]


def test_predict_article_empty_and_one_actor(predictor: StancePredictor) -> None:
    empty = predictor.predict_article("")
    assert isinstance(empty, ArticleResult) and empty.status == "no_dyads" and empty.dyads == []
    one = predictor.predict_article("Only China is named here. It said nothing else.")
    assert one.status == "no_dyads" and one.n_actors == 1 and one.n_sentences == 2


def test_predict_article_rows_and_aggregates(predictor: StancePredictor) -> None:
    text = "Russia invaded Ukraine. Ukraine condemned Moscow. Russia invaded Ukraine."
    result = predictor.predict_article(text)
    assert result.status == "ok"
    assert len(result.sentences) == 6  # 3 sentences x 2 directions
    dyads = {d.dyad: d for d in result.dyads}
    assert set(dyads) == {"RUS->UKR", "UKR->RUS", "RUS-UKR"}
    assert dyads["RUS->UKR"].n_sentences == 2  # the repeated sentence counts once
    for d in result.dyads:
        assert -1.0 <= d.score <= 1.0 and d.evidence
    both = predictor.predict_article([text, ""])
    assert [r.status for r in both] == ["ok", "no_dyads"]


def test_batching_does_not_change_predictions(tiny_checkpoint: Path) -> None:
    texts = ["Russia invaded Ukraine on Tuesday after weeks of talks.", "China met India.", "Japan praised France."]
    small = StancePredictor.from_pretrained(tiny_checkpoint, batch_size=1, device="cpu").predict_sentences(texts)
    big = StancePredictor.from_pretrained(tiny_checkpoint, batch_size=64, device="cpu").predict_sentences(texts)
    for a, b in zip(small, big):
        for p, q in zip(a, b):
            assert p.probs == pytest.approx(q.probs, abs=1e-4)


def test_not_a_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a geostance checkpoint"):
        StancePredictor.from_pretrained(tmp_path)


def test_onnx_backend_matches_torch(tiny_checkpoint: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    import shutil

    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, ckpt)
    texts = ["Russia invaded Ukraine.", "China, India and Japan met in Tokyo on Tuesday."]
    ref = StancePredictor.from_pretrained(ckpt, device="cpu").predict_sentences(texts)
    onnx = StancePredictor.from_pretrained(ckpt, backend="onnx", int8=False).predict_sentences(texts)
    for a, b in zip(ref, onnx):
        for p, q in zip(a, b):
            assert (p.source, p.target) == (q.source, q.target)
            assert p.probs == pytest.approx(q.probs, abs=1e-4)
    q8 = StancePredictor.from_pretrained(ckpt, backend="onnx", int8=True).predict_sentences(texts)
    assert [len(x) for x in q8] == [2, 6]
    assert (ckpt / "model.int8.onnx").is_file()


def test_checkpoint_is_calibrated_on_dev(tiny_checkpoint: Path) -> None:
    meta = json.loads((tiny_checkpoint / "geostance.json").read_text())
    assert 0.25 <= meta["temperature"] <= 10.0
    assert json.loads((tiny_checkpoint / "metrics.json").read_text())["temperature"] == meta["temperature"]


def test_appended_encoding_round_trip(tiny_encoder: Path, tmp_path: Path) -> None:
    from tests.conftest import ALIASES, write_pair_corpus
    from train.config import DataConfig, ModelConfig, TrainConfig, TrainingConfig
    from train.trainer import run

    paths = write_pair_corpus(tmp_path / "c")
    out = tmp_path / "ckpt"
    run(TrainConfig(data=DataConfig(train=paths["train"], dev=paths["dev"], test=None, aliases=str(ALIASES)),
                    model=ModelConfig(encoder=str(tiny_encoder), max_length=64, pair_encoding="appended"),
                    training=TrainingConfig(output_dir=str(out), epochs=1, batch_size=4, progress=False)))
    assert json.loads((out / "geostance.json").read_text())["encoding_version"] == "appended-pair-v1"
    p = StancePredictor.from_pretrained(out, device="cpu")
    assert p.style == "appended"
    rows = p.predict_sentences("China, Russia and India met.")
    assert len(rows) == 6
    for r in rows:
        _check(r)
