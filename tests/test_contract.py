"""The model contract: train -> save -> load -> predict, on the tiny random BERT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from infer.predictor import ArticleResult, StancePredictor
from infer.schema import LABELS


@pytest.fixture
def predictor(any_checkpoint: Path) -> StancePredictor:
    return StancePredictor.from_pretrained(any_checkpoint, batch_size=4, threads=1, device="cpu")


def test_checkpoint_describes_itself(any_checkpoint: Path) -> None:
    for name in ("model.safetensors", "config.json", "geostance.json", "aliases.yaml", "metrics.json", "tokenizer.json", "README.md"):
        assert (any_checkpoint / name).is_file(), name
    card = (any_checkpoint / "README.md").read_text()
    assert "| corpus test |" in card and "Intended use and limits" in card
    meta = json.loads((any_checkpoint / "geostance.json").read_text())
    assert meta["labels"] == LABELS
    strategy = meta["config"]["model"]["pair_encoding"]
    assert meta["encoding_version"] == {"per_pair": "typed-markers-v1", "per_sentence": "sentence-markers-v1"}[strategy]
    assert meta["config"]["model"]["max_length"] == 64
    assert meta["max_actors_per_sentence"] == 12
    metrics = json.loads((any_checkpoint / "metrics.json").read_text())
    for split in ("dev", "test"):
        m = metrics[split]
        assert 0.0 <= m["macro_f1"] <= 1.0 and 0.0 <= m["accuracy"] <= 1.0
        assert set(m["per_class"]) == set(LABELS)
        assert sum(map(sum, m["confusion_matrix"])) == m["n"] == 12


def test_marker_tokens_saved_with_tokenizer(predictor: StancePredictor) -> None:
    for marker in ("[S]", "[/S]", "[T]", "[/T]", "[A]", "[/A]"):
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


def test_many_actors_are_capped_and_recorded(predictor: StancePredictor) -> None:
    found = ["Kenya", "Ghana", "Peru", "Chile", "Brazil", "Argentina", "Mexico", "Canada", "France", "Germany", "Italy",
             "Spain", "Portugal", "Poland", "Sweden", "Norway", "Finland", "Denmark", "Egypt", "Morocco", "Tunisia",
             "Algeria", "Nigeria", "Senegal", "Ethiopia", "India", "Pakistan", "Nepal", "Vietnam", "Thailand", "Japan",
             "Indonesia", "Malaysia", "Australia", "Fiji", "Greece", "Austria", "Hungary", "Romania", "Bulgaria"]
    text = ", ".join(found[:-1]) + " and " + found[-1] + " signed the declaration on Tuesday."
    assert len(predictor.finder.find(text)) == 40
    rows = predictor.predict_sentences(text)
    assert len(rows) == 12 * 11  # pairs among the first 12 actors, the default cap
    assert all(len(r.skipped_actors) == 28 for r in rows)
    for r in rows:
        _check(r)
    article = predictor.predict_article(text)
    assert article.n_actors == 40 and article.skipped_actors == 28


def test_long_sentence_keeps_both_mentions(predictor: StancePredictor) -> None:
    filler = " ".join(["the talks were held"] * 40)
    text = f"Russia said {filler} and later Ukraine replied."
    rows = predictor.predict_sentences(text)
    assert {(r.source, r.target) for r in rows} == {("RUS", "UKR"), ("UKR", "RUS")}
    for r in rows:
        _check(r)


def test_strategies_agree_on_the_pair_set(tiny_checkpoint: Path, tiny_sentence_checkpoint: Path) -> None:
    text = "China, Russia and India met in Moscow; Japan stayed away."
    pairs = [{(r.source, r.target) for r in StancePredictor.from_pretrained(c, device="cpu").predict_sentences(text)}
             for c in (tiny_checkpoint, tiny_sentence_checkpoint)]
    assert pairs[0] == pairs[1] and len(pairs[0]) == 12


def test_predict_pairs_equals_predict_sentences(any_checkpoint: Path) -> None:
    p = StancePredictor.from_pretrained(any_checkpoint, device="cpu")
    text = "China, Russia and India met in Moscow."
    whole = p.predict_sentences(text)
    one_by_one = p.predict_pairs([(text, r.source, r.target) for r in whole])
    for a, b in zip(whole, one_by_one, strict=True):
        assert a.probs == pytest.approx(b.probs, abs=1e-5)


def test_batching_does_not_change_predictions(any_checkpoint: Path) -> None:
    texts = ["Russia invaded Ukraine on Tuesday after weeks of talks.", "China met India.", "Japan praised France."]
    small = StancePredictor.from_pretrained(any_checkpoint, batch_size=1, device="cpu").predict_sentences(texts)
    big = StancePredictor.from_pretrained(any_checkpoint, batch_size=64, device="cpu").predict_sentences(texts)
    for a, b in zip(small, big, strict=True):
        for p, q in zip(a, b, strict=True):
            assert p.probs == pytest.approx(q.probs, abs=1e-4)


def test_not_a_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a geostance checkpoint"):
        StancePredictor.from_pretrained(tmp_path)


def test_onnx_backend_matches_torch(any_checkpoint: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    import shutil

    ckpt = tmp_path / "ckpt"
    shutil.copytree(any_checkpoint, ckpt)
    texts = ["Russia invaded Ukraine.", "China, India and Japan met in Tokyo on Tuesday."]
    ref = StancePredictor.from_pretrained(ckpt, device="cpu").predict_sentences(texts)
    onnx = StancePredictor.from_pretrained(ckpt, backend="onnx", int8=False).predict_sentences(texts)
    for a, b in zip(ref, onnx, strict=True):
        for p, q in zip(a, b, strict=True):
            assert (p.source, p.target) == (q.source, q.target)
            assert p.probs == pytest.approx(q.probs, abs=1e-4)
    q8 = StancePredictor.from_pretrained(ckpt, backend="onnx", int8=True).predict_sentences(texts)
    assert [len(x) for x in q8] == [2, 6]
    assert len(list(ckpt.glob("model.*.int8.onnx"))) == 1
    # int8 stays close to fp32: every probability within 0.1 on this fixed set
    for a, b in zip(ref, q8, strict=True):
        for p, q in zip(a, b, strict=True):
            assert p.probs == pytest.approx(q.probs, abs=0.1)


def test_onnx_export_follows_rewritten_weights(tiny_checkpoint: Path, tmp_path: Path) -> None:
    """Weights rewritten in place (a retrain into the same directory) must not reuse the old export."""
    pytest.importorskip("onnxruntime")
    import shutil

    import torch
    import yaml

    from infer.model import load_checkpoint, save_checkpoint

    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, ckpt)
    text = "Russia invaded Ukraine."
    StancePredictor.from_pretrained(ckpt, backend="onnx").predict_sentences(text)  # export the first weights
    model, tokenizer, meta = load_checkpoint(ckpt)
    with torch.no_grad():
        model.head[-1].bias.copy_(torch.tensor([0.0, 0.0, 25.0]))  # now everything is cooperative
    aliases = yaml.safe_load((ckpt / "aliases.yaml").read_text())
    save_checkpoint(ckpt, model, tokenizer, meta["max_length"], meta["config"], aliases, temperature=meta["temperature"])
    torch_rows = StancePredictor.from_pretrained(ckpt, device="cpu").predict_sentences(text)
    onnx_rows = StancePredictor.from_pretrained(ckpt, backend="onnx").predict_sentences(text)
    assert [r.label for r in torch_rows] == ["cooperative", "cooperative"]
    for p, q in zip(torch_rows, onnx_rows, strict=True):
        assert p.probs == pytest.approx(q.probs, abs=1e-4)


def test_checkpoint_is_calibrated_on_dev(tiny_checkpoint: Path) -> None:
    meta = json.loads((tiny_checkpoint / "geostance.json").read_text())
    assert json.loads((tiny_checkpoint / "metrics.json").read_text())["temperature"] == meta["temperature"]
    # The fitted temperature must not raise the dev negative log-likelihood above the uncalibrated one.
    from infer.schema import LABEL2ID
    from tests.conftest import PAIR_ROWS

    p = StancePredictor.from_pretrained(tiny_checkpoint, device="cpu")
    gold = np.array([LABEL2ID[label] for *_, label in PAIR_ROWS])

    def dev_nll(temperature: float) -> float:
        p.temperature = temperature
        probs = np.array([x.probs for x in p.predict_pairs([(t, s, g) for t, s, g, _ in PAIR_ROWS])])
        return float(-np.log(probs[np.arange(len(gold)), gold]).mean())

    assert dev_nll(meta["temperature"]) <= dev_nll(1.0) + 1e-6
    assert meta["temperature"] != 1.0 or dev_nll(1.0) <= dev_nll(2.0)


def test_training_is_deterministic_for_a_seed(tiny_encoder: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from tests.conftest import train_tiny

    first = load_file(str(train_tiny(tmp_path / "a", tiny_encoder) / "model.safetensors"))
    second = load_file(str(train_tiny(tmp_path / "b", tiny_encoder) / "model.safetensors"))
    assert first.keys() == second.keys()
    for k in first:
        assert torch.equal(first[k], second[k]), k


def test_appended_encoding_round_trip(tiny_encoder: Path, tmp_path: Path) -> None:
    from tests.conftest import ALIASES, write_pair_corpus
    from train.config import DataConfig, ModelConfig, TrainConfig, TrainingConfig
    from train.trainer import run

    paths = write_pair_corpus(tmp_path / "c")
    out = tmp_path / "ckpt"
    run(TrainConfig(data=DataConfig(train=paths["train"], dev=paths["dev"], test=None, articles=None, aliases=str(ALIASES)),
                    model=ModelConfig(encoder=str(tiny_encoder), max_length=64, pair_encoding="appended", mask_names=False),
                    training=TrainingConfig(output_dir=str(out), epochs=1, batch_size=4, progress=False)))
    assert json.loads((out / "geostance.json").read_text())["encoding_version"] == "appended-pair-v1"
    p = StancePredictor.from_pretrained(out, device="cpu")
    assert p.strategy == "appended"
    rows = p.predict_sentences("China, Russia and India met.")
    assert len(rows) == 6
    for r in rows:
        _check(r)


def test_article_aggregator_fitted_on_dev_and_scored_on_test(any_checkpoint: Path) -> None:
    meta = json.loads((any_checkpoint / "geostance.json").read_text())
    assert len(meta["aggregator"]["coef"]) == 3 and meta["aggregator"]["features"]
    metrics = json.loads((any_checkpoint / "metrics.json").read_text())
    for kind in ("rule", "learned"):
        m = metrics["articles_test"][kind]
        assert m["dyads"] == 8 and 0.0 <= m["sign_accuracy"] <= 1.0 and 0.0 <= m["macro_f1"] <= 1.0
    p = StancePredictor.from_pretrained(any_checkpoint, device="cpu")
    assert p.aggregator is not None
    for d in p.predict_article("Russia invaded Ukraine. Kyiv condemned Moscow.").dyads:
        assert d.label in LABELS and -1.0 <= d.score <= 1.0
