"""Training configuration: one dataclass per concern, loaded from YAML in ``configs/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class DataConfig:
    """Where the pair-level corpus and the actor table are."""

    train: str = "data/corpus/train.jsonl"
    """Pair-level JSONL training rows: id, doc_id, text, source, target, label."""
    dev: str = "data/corpus/dev.jsonl"
    """Development rows, used for early stopping and model selection."""
    test: str | None = "data/corpus/test.jsonl"
    """Held-out rows, evaluated once after training (never used for selection); null to skip."""
    articles: str | None = "data/corpus/articles.jsonl"
    """Articles with gold directed dyads and a split: the dev ones fit the learned article aggregator, the
    test ones are scored once; null to keep the weighted-mean rule."""
    aliases: str = "data/aliases.yaml"
    """Actor alias table, copied into the checkpoint."""
    include_organisations: bool = True
    """Treat international organisations (UN, NATO, EU, ...) as actors."""
    max_train_examples: int | None = None
    """Use only the first N training rows (smoke runs)."""

    def __post_init__(self) -> None:
        if self.max_train_examples is not None and self.max_train_examples < 1:
            raise ValueError("max_train_examples must be at least 1")


@dataclass
class ModelConfig:
    """The encoder and the pair encoding."""

    encoder: str = "packaged:all-minilm-l6-v2"
    """A packaged encoder name or a local Hugging Face model directory."""
    max_length: int = 128
    """Maximum tokens per pair input; longer sentences keep both mentions in the window."""
    dropout: float = 0.1
    """Dropout in the classification head."""
    mask_names: bool = True
    """Replace actor names by a neutral word inside the markers, so the model judges the act, not the country."""
    pair_encoding: Literal["per_pair", "per_sentence", "appended"] = "per_sentence"
    """per_pair: one encoder pass per ordered pair, [S]/[T] around its mentions; per_sentence: one pass
    per sentence, [A] around every mention, a pair head scores every ordered pair; appended: unmarked
    sentence with the pair named after it (ablation)."""
    max_actors_per_sentence: int = 12
    """Score pairs among at most this many actors of a sentence (first mentioned first); the rest are
    recorded as skipped in the output rows. Stored in the checkpoint; inference may override it."""

    def __post_init__(self) -> None:
        if not 16 <= self.max_length <= 512:
            raise ValueError(f"max_length must be in [16, 512], got {self.max_length}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.max_actors_per_sentence < 2:
            raise ValueError(f"max_actors_per_sentence must be at least 2, got {self.max_actors_per_sentence}")
        if self.pair_encoding == "appended" and self.mask_names:
            # Both names become the same word after the sentence, so RUS->CHN and CHN->RUS read alike.
            raise ValueError("model.pair_encoding 'appended' with model.mask_names true erases the direction "
                             "of the pair; set model.mask_names false for the appended ablation")


@dataclass
class TrainingConfig:
    """The optimisation loop."""

    output_dir: str = "models/default"
    """Checkpoint directory to write."""
    epochs: int = 2
    """Maximum number of passes over the training data."""
    batch_size: int = 32
    """Encoder inputs per training batch (pairs for per_pair, sentences for per_sentence), grouped by length."""
    eval_batch_size: int = 64
    """Batch size for dev and test prediction."""
    learning_rate: float = 1.5e-4
    """Peak AdamW learning rate."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    warmup_ratio: float = 0.1
    """Share of steps with linear warm-up."""
    patience: int = 2
    """Stop after this many epochs without a better dev macro-F1."""
    max_steps: int | None = None
    """Stop after this many optimiser steps (smoke runs); null for no limit."""
    seed: int = 13
    """Seed for shuffling, dropout and head initialisation."""
    threads: int | None = None
    """torch CPU threads; under contention 1 can beat 2."""
    focal_gamma: float = 0.0
    """Focal loss exponent (0: plain cross-entropy); above 0 down-weights the pairs the model already gets right."""
    class_weights: Literal["none", "balanced"] = "none"
    """Weight the loss by inverse label frequency in the training rows (balanced) or not."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where to train: auto takes a GPU when one is present (with bf16 autocast), else the CPU."""
    progress: bool = True
    """Show tqdm progress bars."""

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError("warmup_ratio must be in [0, 1)")
        if self.focal_gamma < 0:
            raise ValueError("focal_gamma must be at least 0")


@dataclass
class TrainConfig:
    """A whole training run: ``python -m train --config configs/default.yaml [--section.key value]``."""

    data: DataConfig = field(default_factory=DataConfig)
    """Data section."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """Model section."""
    training: TrainingConfig = field(default_factory=TrainingConfig)
    """Training section."""
