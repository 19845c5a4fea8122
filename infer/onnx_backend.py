"""Optional ONNX Runtime backend (``pip install -e ".[onnx]"``): export, int8 quantisation, sessions.

The exported graph is the whole :class:`~infer.model.StanceModel` (encoder, marker gather and head),
so the predictor's batching, padding and aggregation stay the same; only the forward pass changes.
Exported files are cached in the checkpoint directory under the model's fingerprint
(``model.<hash>.onnx``, ``model.<hash>.int8.onnx``) and removed when the checkpoint is saved again.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "pair_row", "source_pos", "target_pos")
LEVITATED_INPUTS = ("position_ids", "lev_source_pos", "lev_target_pos")


def model_fingerprint(directory: str | Path) -> str:
    """SHA-256 of what defines the model's outputs: the weights, the metadata (encoding, temperature,
    labels) and the actor table. An export (or a resumed batch job) made with another fingerprint is
    never reused.
    """
    import hashlib

    digest = hashlib.sha256()
    for name in ("model.safetensors", "geostance.json", "aliases.yaml"):
        with open(Path(directory, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def remove_exports(directory: str | Path) -> None:
    """Delete every ONNX export in a checkpoint directory (``save_checkpoint`` calls this)."""
    for path in Path(directory).glob("model*.onnx"):
        path.unlink(missing_ok=True)


def _write_atomically(target: Path, write: Any) -> None:
    """``write(tmp_path)`` to a unique temporary name beside ``target``, then rename it into place, so
    that several workers exporting at once never read a half-written file."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def export(directory: str | Path, int8: bool = True) -> Path:
    """Export the checkpoint to ONNX (and a dynamically int8-quantised copy); return the file to use.

    Exports are named by the model's fingerprint (``model.<hash>.onnx``), so weights rewritten in place
    get a fresh export; older exports are removed.
    """
    import torch

    from infer.model import load_checkpoint

    directory = Path(directory)
    tag = model_fingerprint(directory)[:16]
    fp32, q8 = directory / f"model.{tag}.onnx", directory / f"model.{tag}.int8.onnx"
    for old in directory.glob("model*.onnx"):
        if old not in (fp32, q8):
            old.unlink(missing_ok=True)
    if not fp32.exists():
        model, _, _ = load_checkpoint(directory)
        ids = torch.ones((2, 16), dtype=torch.long)
        pairs = (torch.tensor([0, 1, 1]), torch.tensor([1, 2, 3]), torch.tensor([3, 4, 5]))
        names = list(INPUTS)
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "pair_row": {0: "pairs"},
                "source_pos": {0: "pairs"}, "target_pos": {0: "pairs"}, "logits": {0: "pairs"}}
        if model.levitated:
            mask = torch.ones((2, 16, 16), dtype=torch.long)
            args = (ids, mask, *pairs, torch.arange(16).repeat(2, 1), torch.tensor([10, 12, 14]), torch.tensor([11, 13, 15]))
            names += list(LEVITATED_INPUTS)
            axes.update(attention_mask={0: "batch", 1: "seq", 2: "seq2"}, position_ids={0: "batch", 1: "seq"},
                        lev_source_pos={0: "pairs"}, lev_target_pos={0: "pairs"})
        else:
            args = (ids, torch.ones_like(ids), *pairs)

        def write_fp32(tmp: str) -> None:
            with warnings.catch_warnings():
                # The TorchScript exporter warns that it is deprecated in favour of dynamo export, which needs
                # a newer opset toolchain; it is still the exporter that handles the marker gather cleanly.
                warnings.simplefilter("ignore", DeprecationWarning)
                torch.onnx.export(model, args, tmp, input_names=names, output_names=["logits"], opset_version=17,
                                  dynamic_axes=axes, dynamo=False)

        _write_atomically(fp32, write_fp32)
    if int8 and not q8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        _write_atomically(q8, lambda tmp: quantize_dynamic(str(fp32), tmp, weight_type=QuantType.QInt8))
    return q8 if int8 else fp32


class OnnxForward:
    """Callable like the torch model on a collated batch; returns logits as a numpy array."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}  # the levitated graph takes three more

    def __call__(self, **batch: Any) -> np.ndarray:
        feed = {k: v.numpy().astype(np.int64) for k, v in batch.items() if k in self.inputs}
        return self.session.run(["logits"], feed)[0]
