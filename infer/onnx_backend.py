"""Optional ONNX Runtime backend (``pip install -e ".[onnx]"``): export, int8 quantisation, sessions.

The exported graph is the whole :class:`~infer.model.StanceModel` (encoder, marker gather and head),
so the predictor's batching, padding and aggregation stay the same; only the forward pass changes.
Exported files are cached in the checkpoint directory (``model.onnx``, ``model.int8.onnx``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "source_pos", "target_pos")


def export(directory: str | Path, int8: bool = True) -> Path:
    """Export the checkpoint to ONNX (and a dynamically int8-quantised copy); return the file to use."""
    import torch

    from infer.model import load_checkpoint

    directory = Path(directory)
    fp32, q8 = directory / "model.onnx", directory / "model.int8.onnx"
    if not fp32.exists():
        model, _, _ = load_checkpoint(directory)
        ids = torch.ones((2, 16), dtype=torch.long)
        args = (ids, torch.ones_like(ids), torch.tensor([1, 2]), torch.tensor([3, 4]))
        tmp = fp32.with_suffix(".tmp.onnx")
        with warnings.catch_warnings():
            # The TorchScript exporter warns that it is deprecated in favour of dynamo export, which needs
            # a newer opset toolchain; it is still the exporter that handles the marker gather cleanly.
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(model, args, str(tmp), input_names=list(INPUTS), output_names=["logits"], opset_version=17,
                              dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                            "source_pos": {0: "batch"}, "target_pos": {0: "batch"}, "logits": {0: "batch"}},
                              dynamo=False)
        tmp.rename(fp32)
    if int8 and not q8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = q8.with_suffix(".tmp.onnx")
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        tmp.rename(q8)
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

    def __call__(self, **batch: Any) -> np.ndarray:
        feed = {k: batch[k].numpy().astype(np.int64) for k in INPUTS}
        return self.session.run(["logits"], feed)[0]
