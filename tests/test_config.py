"""Every shipped config parses; unknown keys and bad values are errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from infer.config import ConfigError, load_config
from train.config import TrainConfig

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def test_there_are_configs() -> None:
    assert any(p.name == "default.yaml" for p in CONFIGS)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_config_parses(path: Path) -> None:
    cfg = load_config(TrainConfig, path)
    assert cfg.model.max_length >= 16
    assert cfg.training.epochs >= 1


@pytest.mark.parametrize("yaml_text,overrides,message", [
    ("model:\n  encodr: x\n", [], "unknown key 'model.encodr'"),
    ("trainin:\n  epochs: 1\n", [], "unknown key 'trainin'"),
    ("training:\n  epochs: three\n", [], "training.epochs"),
    ("training:\n  epochs: 0\n", [], "epochs must be at least 1"),
    ("model:\n  max_length: 8\n", [], "max_length must be in"),
    ("data:\n  include_organisations: 3\n", [], "data.include_organisations"),
    ("", ["--training.lr", "1"], "unknown key 'training.lr'"),
    ("", ["--training.epochs"], "needs a value"),
])
def test_bad_configs_name_the_key(tmp_path: Path, yaml_text: str, overrides: list[str], message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(TrainConfig, path, overrides)


def test_precedence_defaults_file_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  epochs: 2\n  batch_size: 4\n")
    cfg = load_config(TrainConfig, path, ["--training.epochs", "5", "--model.mask_names=true"])
    assert (cfg.training.epochs, cfg.training.batch_size, cfg.model.mask_names) == (5, 4, True)
    assert cfg.training.learning_rate == TrainConfig().training.learning_rate


@pytest.mark.parametrize("name,cuda,expected", [
    ("auto", False, "cpu"), ("auto", True, "cuda"), ("cpu", True, "cpu"), ("cuda", True, "cuda"),
])
def test_device_resolution(monkeypatch: pytest.MonkeyPatch, name: str, cuda: bool, expected: str) -> None:
    import torch

    from infer.model import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert resolve_device(name) == expected


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from infer.model import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="torch sees no GPU"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        resolve_device("tpu")


def test_default_config_says_only_what_the_defaults_say() -> None:
    """configs/default.yaml documents the default model; the dataclass defaults are that model."""
    import dataclasses

    import yaml

    path = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"
    written = yaml.safe_load(path.read_text())
    defaults = dataclasses.asdict(TrainConfig())
    for section, values in written.items():
        for key, value in values.items():
            assert defaults[section][key] == value, f"{section}.{key}: default.yaml says {value!r}, the default is {defaults[section][key]!r}"
    assert dataclasses.asdict(load_config(TrainConfig, path)) == defaults
