"""``edge-juggler train``: data -> training -> export -> INT8 -> evaluation -> model card.

Two modes: from nothing on synthetic clips (reproduces the shipped model), and
``--finetune DATASET/`` which starts from the shipped weights, freezes the early
layers and adapts the head to a user's recorded clips (any class set).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from edge_juggler.catalogue import CLASSES, ball_count_of
from edge_juggler.errors import InputError
from edge_juggler.neural.runtime import MODEL_STEM

WEIGHTS = f"{MODEL_STEM}.pt"
FREEZE_FOR_FINETUNE = ("frame_encoder.", "temporal.0.", "temporal.1.")


def _log_to(path: Path | None):
    def log(msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        if path is not None:
            with open(path, "a") as fh:
                fh.write(line + "\n")

    return log


def calibration_manifest() -> Path:
    """The NNCF calibration set, kept in calibration/quantization/ (seeds, not pixels)."""
    from edge_juggler.resources import calibration_dir

    return calibration_dir() / "quantization" / "calibration_set.json"


def write_calibration_manifest(path: Path, jobs: list[dict], size: int, fps: float) -> None:
    doc = {
        "what": "NNCF post-training quantization calibration set of JuggleNet: synthetic "
        "clips, rendered deterministically from these seeds by edge_juggler.sim (seed range "
        "disjoint from train/val/test), preprocessed by edge_juggler.neural.preprocess",
        "size": size,
        "fps": fps,
        "clips": jobs,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")


def _ir_eval(xml: Path, xs: np.ndarray, threads: int = 2) -> np.ndarray:
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        str(xml), "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}
    )
    req = compiled.create_infer_request()
    out = [next(iter(req.infer({0: x[None]}).values()))[0] for x in xs]
    return np.stack(out)


def _ir_latency(xml: Path, shape: tuple[int, ...], threads: int = 2, n: int = 200) -> float:
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        str(xml), "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}
    )
    req = compiled.create_infer_request()
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    for _ in range(20):
        req.infer({0: x})
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        req.infer({0: x})
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts) * 1e3)


def evaluate_models(out_dir: Path, labels: list[str], test_x, test_y, log) -> dict:
    """Top-1, ball count, per-class accuracy and latency of FP32 vs INT8 IR."""
    from edge_juggler.neural.train.trainer import confusion, per_class_accuracy

    res: dict = {"test_clips": int(len(test_y))}
    for prec in ("fp32", "int8"):
        xml = out_dir / f"{MODEL_STEM}_{prec}.xml"
        probs = _ir_eval(xml, test_x)
        pred = probs.argmax(1)
        cm = confusion(test_y, pred, len(labels))
        r = {
            "top1": float((pred == test_y).mean()),
            "per_class": dict(zip(labels, per_class_accuracy(cm).round(4).tolist(), strict=True)),
            "confusion": cm.tolist(),
            "size_bytes": xml.stat().st_size + xml.with_suffix(".bin").stat().st_size,
        }
        if all(c in CLASSES for c in labels):
            counts = np.array([ball_count_of(c) for c in labels])
            r["ball_count_acc"] = float((counts[pred] == counts[test_y]).mean())
        res[prec] = r
        log(
            f"{prec.upper()} IR: top-1 {r['top1']:.3f}"
            + (f", ball count {r['ball_count_acc']:.3f}" if "ball_count_acc" in r else "")
        )
    shape = (1,) + tuple(test_x.shape[1:])
    # interleave so both see the same machine load
    lat = {"fp32": [], "int8": []}
    for _ in range(3):
        for prec in ("fp32", "int8"):
            lat[prec].append(_ir_latency(out_dir / f"{MODEL_STEM}_{prec}.xml", shape, n=100))
    for prec in ("fp32", "int8"):
        res[prec]["latency_ms_median_2threads"] = round(float(np.median(lat[prec])), 3)
    log(
        f"latency (2 threads, median): FP32 {res['fp32']['latency_ms_median_2threads']} ms, "
        f"INT8 {res['int8']['latency_ms_median_2threads']} ms"
    )
    return res


def evaluate_breakdown(out_dir: Path, test_set, frames: int, log) -> dict:
    """INT8 top-1 by input: RGB-D vs colour-only vs depth-only, whole frame vs box."""
    xs, ys = test_set.eval_arrays(frames)
    views = np.array([m.get("view", "full") for m in test_set.meta])
    xml = out_dir / f"{MODEL_STEM}_int8.xml"
    out: dict = {}
    for name in ("rgbd", "color", "depth"):
        x = xs.copy()
        if name == "color":
            x[:, :, 3] = 0.0
        elif name == "depth":
            x[:, :, :3] = 0.0
        hit = _ir_eval(xml, x).argmax(1) == ys
        out[name] = {v: round(float(hit[views == v].mean()), 4) for v in ("full", "roi")}
        out[name]["all"] = round(float(hit.mean()), 4)
        log(
            f"INT8 {name}: top-1 {out[name]['all']:.3f} (whole frame "
            f"{out[name]['full']:.3f}, juggler box {out[name]['roi']:.3f})"
        )
    out["clips"] = {v: int((views == v).sum()) for v in ("full", "roi")}
    return out


def run(
    out_dir: Path,
    *,
    per_class: int = 60,
    val_per_class: int = 20,
    test_per_class: int = 20,
    calib_per_class: int = 4,
    epochs: int = 20,
    lr: float = 4e-3,
    batch: int = 32,
    threads: int = 2,
    workers: int = 2,
    frames: int = 16,
    size: int = 64,
    fps: float = 10.0,
    width: float = 1.0,
    motion: bool = True,
    finetune: Path | None = None,
    cache_dir: Path | None = None,
    time_budget_s: float | None = None,
    progress: bool = True,
    seed: int = 0,
    log_file: Path | None = None,
    init: Path | None = None,
    command: str | None = None,
) -> dict:
    import torch

    from edge_juggler.neural.export.ir import export_and_quantize
    from edge_juggler.neural.train import data as D
    from edge_juggler.neural.train.model import JuggleNet, ModelConfig, count_macs
    from edge_juggler.neural.train.trainer import save_confusion_png, train_model

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = _log_to(log_file)
    t0 = time.monotonic()
    summary: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}

    if finetune is not None:
        from edge_juggler.resources import models_dir

        base = models_dir() / WEIGHTS
        if not base.is_file():
            raise InputError(f"{base}: shipped weights missing (needed for --finetune)")
        ckpt = torch.load(base, map_location="cpu", weights_only=False)
        base_cfg = ModelConfig(**ckpt["config"])
        clips = D.load_folder_dataset(finetune, base_cfg.size, base_cfg.fps, progress=progress)
        labels = clips.labels
        cfg = ModelConfig(**{**ckpt["config"], "num_classes": len(labels)})
        net = JuggleNet(cfg)
        state = {k: v for k, v in ckpt["state_dict"].items() if not k.startswith("classifier.")}
        net.load_state_dict(state, strict=False)
        # hold out every 5th clip of each class (by a seeded shuffle) for validation
        rng = np.random.default_rng(seed)
        held: set[int] = set()
        for ci in range(len(labels)):
            members = [i for i in range(len(clips)) if clips.y[i] == ci]
            rng.shuffle(members)
            held.update(members[4::5])
        train_set, val_set = D.ClipSet(labels), D.ClipSet(labels)
        for i in range(len(clips)):
            tgt = val_set if i in held else train_set
            tgt.add(clips.clips[i], clips.y[i], clips.event_frame[i], clips.meta[i], clips.aux[i])
        if not len(val_set):
            val_set = train_set
        test_set, calib_set = val_set, train_set
        log(
            f"fine-tuning on {len(train_set)} clips of {len(labels)} classes "
            f"({len(val_set)} held out); frozen: {', '.join(FREEZE_FOR_FINETUNE)}"
        )
        freeze = FREEZE_FOR_FINETUNE
        summary["mode"] = "finetune"
        summary["dataset"] = str(finetune)
    else:
        labels = list(CLASSES)
        cfg = ModelConfig(
            frames=frames,
            size=size,
            fps=fps,
            width=width,
            num_classes=len(labels),
            motion=motion,
        )
        net = JuggleNet(cfg)
        if init is not None:
            ckpt = torch.load(init, map_location="cpu", weights_only=False)
            if ModelConfig(**ckpt["config"]) != cfg:
                raise InputError(f"{init}: weights are for {ckpt['config']}, not {cfg.to_dict()}")
            missing, unexpected = net.load_state_dict(ckpt["state_dict"], strict=False)
            if unexpected or any(not k.startswith("aux_head.") for k in missing):
                raise InputError(f"{init}: weights do not fit JuggleNet {cfg.to_dict()}")
            summary["init"] = str(init)
            prior = Path(init).with_name("metrics.json")
            if prior.is_file():  # a continued run: keep the stages that led here
                summary["stages"] = json.loads(prior.read_text()).get("stages", [])
            log(f"continuing from {init}")
        kw = dict(
            labels=labels,
            size=size,
            fps=fps,
            cache_dir=cache_dir,
            workers=workers,
            progress=progress,
        )
        log(
            f"synthetic data: {per_class}/{val_per_class}/{test_per_class}/{calib_per_class} "
            "clips per class (train/val/test/calibration seeds disjoint)"
        )
        train_set = D.build_synthetic("train", per_class, **kw)
        val_set = D.build_synthetic("val", val_per_class, **kw)
        test_set = D.build_synthetic("test", test_per_class, **kw)
        manifest = calibration_manifest()
        if manifest.is_file():
            jobs = json.loads(manifest.read_text())["clips"]
            log(f"calibration set: {manifest} ({len(jobs)} clips)")
        else:
            jobs = D.split_jobs("calib", calib_per_class, labels)
            write_calibration_manifest(manifest, jobs, size, fps)
            log(f"calibration set: wrote {manifest} ({len(jobs)} clips)")
        calib_set = D.build_synthetic("calib", calib_per_class, jobs=jobs, **kw)
        log(f"data ready ({time.monotonic() - t0:.0f} s)")
        freeze = ()
        summary["mode"] = "scratch"
    summary["config"] = cfg.to_dict()
    summary["macs"] = count_macs(cfg)
    summary["params"] = sum(p.numel() for p in net.parameters())

    hist = train_model(
        net,
        train_set,
        val_set,
        epochs=epochs,
        lr=lr if finetune is None else lr / 2,
        batch=batch,
        freeze=freeze,
        progress=progress,
        log=log,
        time_budget_s=time_budget_s,
        start_is_candidate=init is not None and finetune is None,
    )
    summary.update(hist)
    summary["train_clips"] = len(train_set)
    torch.save(
        {"config": cfg.to_dict(), "state_dict": net.state_dict(), "labels": labels},
        out_dir / WEIGHTS,
    )

    calib_x, _ = calib_set.eval_arrays(cfg.frames)
    val_x, val_y = val_set.eval_arrays(cfg.frames)
    log("export: ONNX -> OpenVINO IR FP32 -> NNCF INT8")
    exp = export_and_quantize(
        net,
        cfg,
        labels,
        out_dir,
        calib_x,
        val_x,
        val_y,
        max_drop=0.01,
        progress=log,
        meta_extra={"trained": summary["mode"]},
    )
    summary["accuracy_control"] = exp.accuracy_control
    test_x, test_y = test_set.eval_arrays(cfg.frames)
    summary["eval"] = evaluate_models(out_dir, labels, test_x, test_y, log)
    int8 = summary["eval"]["int8"]
    cm = np.array(int8["confusion"])
    save_confusion_png(
        cm,
        labels,
        out_dir / "confusion_int8.png",
        f"INT8 IR on {len(test_y)} held-out clips: top-1 {int8['top1']:.1%}",
    )
    if finetune is None:
        summary["breakdown"] = evaluate_breakdown(out_dir, test_set, cfg.frames, log)
    summary["minutes"] = round((time.monotonic() - t0) / 60, 1)
    summary.setdefault("stages", []).append(
        {
            "command": command or "(library call)",
            "minutes": summary["minutes"],
            "train_clips": len(train_set),
            "val_clips": len(val_set),
            "epochs": sum(1 for h in hist["history"] if h["epoch"] > 0),
            "best_val_top1": hist["best_val_top1"],
        }
    )
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=1) + "\n")
    if finetune is None:
        from edge_juggler.neural.train.card import write_model_card

        write_model_card(out_dir, summary)
    log(f"done in {summary['minutes']} min -> {out_dir}")
    return summary
