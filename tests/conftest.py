"""Shared fixtures: a tiny randomly initialised BERT, the real alias table, a small pair corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ALIASES = ROOT / "data" / "aliases.yaml"

# Words for the tiny WordPiece vocabulary: enough for the test sentences to tokenise sensibly.
_WORDS = """the a an of to in on and or with for by at from said says say was were is are has have had will would
not did refused condemned praised invaded attacked signed agreed met talks deal trade aid sanctions troops war
peace border minister president foreign ministry statement tuesday monday accused warned supported welcomed
criticised rejected urged called new visit summit leaders officials government relations ties cooperation
military attack missile strike drone oil gas energy climate health china chinese beijing russia russian moscow
kremlin ukraine ukrainian kyiv united states us u s america american washington biden putin xi zelensky india
pakistan japan tokyo france germany britain uk london paris berlin iran israel nato un eu actor""".split()


def _write_tiny_encoder(directory: Path) -> Path:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(_WORDS))]
    vocab += sorted({c for w in _WORDS for c in w} | set(".,;:'\"-!?()0123456789"))
    vocab += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    BertTokenizerFast(vocab_file=str(directory / "vocab.txt"), do_lower_case=True).save_pretrained(directory)
    config = BertConfig(vocab_size=len(dict.fromkeys(vocab)), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=256)
    BertModel(config, add_pooling_layer=False).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of a 2-layer, 32-wide random BERT with a ~250-token vocabulary."""
    return _write_tiny_encoder(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def finder():
    """The actor finder on the project's real alias table."""
    from infer.actors import ActorFinder

    return ActorFinder.from_yaml(ALIASES)


PAIR_ROWS = [
    ("Russia invaded Ukraine on Tuesday.", "RUS", "UKR", "conflictual"),
    ("Russia invaded Ukraine on Tuesday.", "UKR", "RUS", "neutral"),
    ("China and Russia signed a trade deal.", "CHN", "RUS", "cooperative"),
    ("China and Russia signed a trade deal.", "RUS", "CHN", "cooperative"),
    ("Biden condemned Putin over the war.", "USA", "RUS", "conflictual"),
    ("Biden condemned Putin over the war.", "RUS", "USA", "neutral"),
    ("India and Pakistan held talks on the border.", "IND", "PAK", "cooperative"),
    ("India and Pakistan held talks on the border.", "PAK", "IND", "cooperative"),
    ("Japan praised France for its climate aid.", "JPN", "FRA", "cooperative"),
    ("Japan praised France for its climate aid.", "FRA", "JPN", "cooperative"),
    ("Iran warned Israel of a missile strike.", "IRN", "ISR", "conflictual"),
    ("Iran warned Israel of a missile strike.", "ISR", "IRN", "neutral"),
]


ARTICLE_TEXTS = [
    ("Russia invaded Ukraine on Tuesday. Ukraine condemned Moscow.", [("RUS", "UKR", "conflictual", -1), ("UKR", "RUS", "conflictual", -1)]),
    ("China and Russia signed a trade deal. Beijing praised Moscow.", [("CHN", "RUS", "cooperative", 1), ("RUS", "CHN", "cooperative", 0.5)]),
    ("India and Pakistan held talks on the border. Japan met France.", [("IND", "PAK", "cooperative", 1), ("PAK", "IND", "neutral", 0),
                                                                         ("JPN", "FRA", "neutral", 0), ("FRA", "JPN", "neutral", 0)]),
]


def write_pair_corpus(directory: Path) -> dict[str, str]:
    """Train/dev/test JSONL files of the small pair table above, and articles with gold dyads (the same
    three in dev and test); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "articles.jsonl", "w") as f:
        for split in ("dev", "test"):
            for i, (text, dyads) in enumerate(ARTICLE_TEXTS):
                f.write(json.dumps({"doc_id": f"{split}-a{i}", "split": split, "text": text, "dyads": [
                    {"source": s, "target": t, "label": label, "score": score} for s, t, label, score in dyads]}) + "\n")
    paths = {"articles": str(directory / "articles.jsonl")}
    for split in ("train", "dev", "test"):
        path = directory / f"{split}.jsonl"
        with open(path, "w") as f:
            for i, (text, s, t, label) in enumerate(PAIR_ROWS):
                f.write(json.dumps({"id": f"{split}-{i}", "doc_id": f"d{i // 2}", "text": text, "source": s,
                                    "target": t, "label": label}) + "\n")
        paths[split] = str(path)
    return paths


def train_tiny(base: Path, encoder: Path, **model: object) -> Path:
    """Train a checkpoint for a few steps on the tiny encoder and the small pair table; return its directory."""
    from train.config import DataConfig, ModelConfig, TrainConfig, TrainingConfig
    from train.trainer import run

    paths = write_pair_corpus(base / "corpus")
    out = base / "checkpoint"
    cfg = TrainConfig(
        data=DataConfig(train=paths["train"], dev=paths["dev"], test=paths["test"], articles=paths["articles"], aliases=str(ALIASES)),
        model=ModelConfig(encoder=str(encoder), max_length=64, **model),  # type: ignore[arg-type]
        training=TrainingConfig(output_dir=str(out), epochs=2, batch_size=4, learning_rate=1e-3, progress=False),
    )
    run(cfg)
    return out


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Path:
    """A per-pair checkpoint trained for a few steps on the tiny encoder (trained once per session)."""
    return train_tiny(tmp_path_factory.mktemp("tiny-run"), tiny_encoder, pair_encoding="per_pair")


@pytest.fixture(scope="session")
def tiny_sentence_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Path:
    """The same, with the per-sentence strategy (one encoder pass per sentence; the default)."""
    return train_tiny(tmp_path_factory.mktemp("tiny-sentence-run"), tiny_encoder)


@pytest.fixture(scope="session", params=["per_pair", "per_sentence"])
def any_checkpoint(request: pytest.FixtureRequest) -> Path:
    """Each strategy's tiny checkpoint in turn: the contract holds for both."""
    return request.getfixturevalue("tiny_checkpoint" if request.param == "per_pair" else "tiny_sentence_checkpoint")
