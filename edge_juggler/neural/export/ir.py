"""PyTorch model -> ONNX -> OpenVINO IR (FP32) -> NNCF post-training INT8.

The INT8 model is checked against the FP32 one on held-out clips; when top-1
drops by more than ``max_drop`` NNCF's accuracy-control loop is used, which
keeps the most sensitive layers in floating point until the drop is within bounds.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_juggler.neural.runtime import MODEL_STEM

log = logging.getLogger("edge_juggler")


@dataclass
class ExportResult:
    fp32_xml: Path
    int8_xml: Path
    fp32_top1: float | None
    int8_top1: float | None
    accuracy_control: bool
    int8_bytes: int


def export_onnx(net, cfg, path: Path) -> Path:
    """Trace the network (with its softmax) to ONNX; batch size 1, static shape."""
    import torch

    from edge_juggler.neural.train.model import WithSoftmax

    wrapped = WithSoftmax(net).eval()
    x = torch.zeros(1, cfg.frames, cfg.channels, cfg.size, cfg.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (x,),
            str(path),
            input_names=["clip"],
            output_names=["probs"],
            opset_version=17,
            dynamo=False,
        )
    return path


def _top1(compiled, clips: np.ndarray, labels: np.ndarray) -> float:
    req = compiled.create_infer_request()
    hits = 0
    for x, y in zip(clips, labels, strict=True):
        out = next(iter(req.infer({0: x[None]}).values()))
        hits += int(np.argmax(out[0]) == y)
    return hits / max(len(labels), 1)


def write_model_meta(out_dir: Path, cfg, labels: list[str], extra: dict | None = None) -> None:
    meta = cfg.to_dict()
    meta.update(
        {
            "format": "edge_juggler.jugglenet/1",
            "input": "clip (1, frames, channels, size, size) float32: R, G, B in [-1, 1], "
            "relative depth in m; missing modality = 0",
            "output": "probs (1, num_classes) softmax, order of labels.json",
            "thresholds": {},
        }
    )
    meta.update(extra or {})
    (out_dir / "model.json").write_text(json.dumps(meta, indent=1) + "\n")
    (out_dir / "labels.json").write_text(json.dumps(list(labels), indent=1) + "\n")


def export_and_quantize(
    net,
    cfg,
    labels: list[str],
    out_dir: Path,
    calib_clips: np.ndarray,
    val_clips: np.ndarray | None = None,
    val_labels: np.ndarray | None = None,
    max_drop: float = 0.01,
    meta_extra: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Write FP32 + INT8 IR, labels.json and model.json to ``out_dir``.

    ``calib_clips`` (N, T, C, S, S) feed NNCF's statistics; ``val_clips`` with
    ``val_labels`` measure the drop and drive accuracy control when it exceeds
    ``max_drop``.
    """
    import nncf
    import openvino as ov

    say = progress or (lambda s: log.info(s))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{MODEL_STEM}.onnx"
    export_onnx(net.eval(), cfg, onnx_path)
    say("ONNX -> OpenVINO IR (FP32)")
    model = ov.convert_model(str(onnx_path))
    onnx_path.unlink()
    fp32_xml = out_dir / f"{MODEL_STEM}_fp32.xml"
    ov.save_model(model, str(fp32_xml), compress_to_fp16=False)

    calib = nncf.Dataset([c[None].astype(np.float32) for c in calib_clips])
    say(f"NNCF INT8 post-training quantization ({len(calib_clips)} calibration clips)")
    quantized = nncf.quantize(
        model, calib, subset_size=len(calib_clips), preset=nncf.QuantizationPreset.MIXED
    )
    core = ov.Core()
    cfgc = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 2}
    fp32_top1 = int8_top1 = None
    control = False
    if val_clips is not None and val_labels is not None and len(val_labels):
        fp32_top1 = _top1(core.compile_model(model, "CPU", cfgc), val_clips, val_labels)
        int8_top1 = _top1(core.compile_model(quantized, "CPU", cfgc), val_clips, val_labels)
        say(f"top-1 on {len(val_labels)} clips: FP32 {fp32_top1:.3f}, INT8 {int8_top1:.3f}")
        if fp32_top1 - int8_top1 > max_drop:
            say("drop above the limit: NNCF accuracy control")
            control = True
            items = [
                (c[None].astype(np.float32), int(y))
                for c, y in zip(val_clips, val_labels, strict=True)
            ]

            def validate(compiled, data) -> float:
                data = list(data)
                return _top1(
                    compiled, np.stack([c[0] for c, _ in data]), np.array([y for _, y in data])
                )

            quantized = nncf.quantize_with_accuracy_control(
                model,
                calibration_dataset=calib,
                validation_dataset=nncf.Dataset(items, lambda item: item[0]),
                validation_fn=validate,
                max_drop=max_drop,
                drop_type=nncf.DropType.ABSOLUTE,
                subset_size=len(calib_clips),
                preset=nncf.QuantizationPreset.MIXED,
            )
            int8_top1 = _top1(core.compile_model(quantized, "CPU", cfgc), val_clips, val_labels)
            say(f"after accuracy control: INT8 {int8_top1:.3f}")
    int8_xml = out_dir / f"{MODEL_STEM}_int8.xml"
    ov.save_model(quantized, str(int8_xml), compress_to_fp16=False)
    write_model_meta(out_dir, cfg, labels, meta_extra)
    return ExportResult(
        fp32_xml,
        int8_xml,
        fp32_top1,
        int8_top1,
        control,
        int8_xml.stat().st_size + int8_xml.with_suffix(".bin").stat().st_size,
    )
