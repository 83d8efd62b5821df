"""MODEL_CARD.md written from the numbers a training run measured (never by hand)."""

from __future__ import annotations

from pathlib import Path

from edge_juggler.catalogue import parse_class


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f} %"


def write_model_card(out_dir: Path, s: dict) -> Path:
    ev = s["eval"]
    f, q = ev["fp32"], ev["int8"]
    cfg = s["config"]
    hist = s["history"]
    lines = [
        "# JuggleNet: 27-class juggling classifier (OpenVINO IR, FP32 + INT8)",
        "",
        "Written by `edge-juggler train` from the numbers it measured "
        f"(run started {s['started']}, {s['minutes']} min on this machine's CPU).",
        "",
        "## What it does",
        "",
        f"Classifies a clip of {cfg['frames']} frames sampled at {cfg['fps']:g} fps "
        f"({cfg['frames'] / cfg['fps']:.1f} s) into the 27 classes of "
        "`edge_juggler.catalogue` (`labels.json`, output order). The ball count, the "
        "pattern and the mistake or trick are read off the class name.",
        "",
        "## Model",
        "",
        f"- Input `clip` (1, {cfg['frames']}, {cfg['channels']}, {cfg['size']}, {cfg['size']}) "
        "float32: R, G, B in [-1, 1] and depth relative to the region's median (metres, "
        "closer = positive, clipped to +-1.5); a missing modality is all zeros, so one "
        "network serves colour-only, depth-only and RGB-D cameras.",
        "- Region: the juggler's box from the tracker grown to a square, or the whole frame "
        "letterboxed to a square (`edge_juggler/neural/preprocess.py`, shared by training "
        "and runtime).",
        *(
            [
                "- Motion: frame-to-frame differences are computed inside the graph and fed "
                "next to the frames (a thrown ball is a pixel or two; what moved finds it)."
            ]
            if cfg.get("motion")
            else []
        ),
        f"- Network: per-frame 2-D conv encoder to 1/8 resolution, then inverted-residual "
        f"blocks with depthwise (3, 3, 3) convs over time and space, global pooling, linear "
        f"layer, softmax. {s['params']:,} parameters, {s['macs'] / 1e6:.0f} M multiply-adds "
        f"per clip, width {cfg['width']}.",
        f"- Files: `jugglenet_fp32.xml/.bin` ({f['size_bytes'] / 1e6:.2f} MB), "
        f"`jugglenet_int8.xml/.bin` ({q['size_bytes'] / 1e6:.2f} MB, NNCF post-training "
        "quantization, MIXED preset"
        + (", accuracy control used" if s.get("accuracy_control") else "")
        + "), `jugglenet.pt` (PyTorch weights for `--finetune`), `model.json`, `labels.json`.",
        "",
        "## Data",
        "",
        f"Synthetic clips from the built-in simulator (`edge_juggler.sim`): {s['train_clips']} "
        "training clips, plus disjoint seed ranges for validation, test and the NNCF "
        "calibration set (`calibration/quantization/`). Each clip draws its juggler (height, "
        "build, clothes), distance (1.5-2.8 m), position, camera height and pitch, ball colour, "
        "size and shininess (depth holes), timing jitter, and one of six camera profiles "
        "(Azure Kinect NFOV/WFOV binned and unbinned, Kinect v1, webcam); half the clips show "
        "the whole frame, half the juggler's box. Training adds colour-only / depth-only "
        "dropout, brightness/contrast/tint, depth holes, mirror and small shifts.",
        "",
        "Training also asks the per-frame encoder where the balls and hands are: the "
        "simulator's ground truth, drawn as coarse 8 x 8 maps over the network's input, is "
        "an auxiliary target (a 1 x 1 conv head and a binary cross-entropy next to the class "
        "loss). The head is training-only and not in the exported IR; it makes the small "
        "network learn from far fewer clips.",
        "",
        "## Results on held-out synthetic test clips",
        "",
        f"{ev['test_clips']} clips ({ev['test_clips'] // max(len(f['per_class']), 1)} per "
        "class), seeds never used in training.",
        "",
        "| | FP32 IR | INT8 IR |",
        "| --- | --- | --- |",
        f"| top-1 (27 classes) | {_pct(f['top1'])} | {_pct(q['top1'])} |",
        f"| ball count read off the class | {_pct(f.get('ball_count_acc'))} | "
        f"{_pct(q.get('ball_count_acc'))} |",
        f"| median latency, 2 threads, LATENCY hint | {f['latency_ms_median_2threads']} ms | "
        f"{q['latency_ms_median_2threads']} ms |",
        f"| size | {f['size_bytes'] / 1e6:.2f} MB | {q['size_bytes'] / 1e6:.2f} MB |",
        "",
    ]
    br = s.get("breakdown")
    if br:
        lines += [
            "INT8 top-1 by input (the same test clips with a modality blanked out; "
            f"{br['clips']['full']} clips show the whole frame, {br['clips']['roi']} the "
            "juggler's box):",
            "",
            "| input | all | whole frame | juggler box |",
            "| --- | --- | --- | --- |",
        ]
        for name, title in (("rgbd", "RGB-D"), ("color", "colour only"), ("depth", "depth only")):
            b = br[name]
            lines.append(f"| {title} | {_pct(b['all'])} | {_pct(b['full'])} | {_pct(b['roi'])} |")
        lines.append("")
    lines += [
        "Latency here is measured right after training on a shared, noisy machine; "
        "`python benchmarks/bench_neural.py` measures it on its own.",
        "",
        "Confusion matrix of the INT8 model: `confusion_int8.png`.",
        "",
        "### Per class (top-1)",
        "",
        "| class | FP32 | INT8 |",
        "| --- | --- | --- |",
    ]
    for c in f["per_class"]:
        lines.append(f"| `{c}` | {_pct(f['per_class'][c])} | {_pct(q['per_class'][c])} |")
    worst = sorted(q["per_class"].items(), key=lambda kv: kv[1])[:4]
    lines += ["", "## Training", ""]
    stages = s.get("stages", [])
    if len(stages) > 1:
        lines += [
            "Trained in stages, each continuing from the weights of the one before (`--init`):",
            "",
            "| stage | minutes | training clips | epochs | best val top-1 (val clips) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for k, st in enumerate(stages, 1):
            lines.append(
                f"| {k} | {st['minutes']} | {st['train_clips']} | {st['epochs']} | "
                f"{_pct(st.get('best_val_top1'))} ({st.get('val_clips', '?')}) |"
            )
        lines += ["", "Epochs of the last stage (loss = class + map loss):", ""]
    lines += [
        "| epoch | loss | val top-1 |",
        "| --- | --- | --- |",
    ]
    for h in hist:
        loss = "start" if h.get("loss") is None else f"{h['loss']:.3f}"
        lines.append(f"| {h['epoch']} | {loss} | {_pct(h.get('val_top1'))} |")
    lines += [
        "",
        "## Known limits",
        "",
        "- Trained on synthetic clips only: real cameras, people, clothes and rooms differ. "
        "Use `edge-juggler train --finetune DATASET/` with about 20 recorded clips per "
        "class to adapt it.",
        "- Weakest classes: "
        + ", ".join(f"`{c}` ({_pct(v)}, {parse_class(c).description})" for c, v in worst)
        + ".",
        *(
            [
                f"- Depth-only cameras: {_pct(br['depth']['all'])} top-1 (colour carries most "
                "of what the network uses; RGB-D or colour input is far better)."
            ]
            if br and br["depth"]["all"] < 0.8
            else []
        ),
        f"- A clip spans {cfg['frames'] / cfg['fps']:.1f} s: one-off events (a drop, a flash) "
        "are named only while they are inside the window; the runtime smooths over clips.",
        "- Balls are a pixel or two wide when the whole frame is shrunk to "
        f"{cfg['size']} px; passing the tracker's juggler box as `roi` helps.",
    ]
    commands = [st["command"] for st in stages if st.get("command")] or [
        "edge-juggler train --out models/"
    ]
    lines += [
        "",
        "## How to reproduce",
        "",
        "The commands that made these files (folders of intermediate runs as they were):",
        "",
        "```",
        'pip install torch==2.13.0 && pip install -e ".[train]"',
        *commands,
        "python benchmarks/bench_neural.py   # latency FP32 vs INT8, side by side",
        "```",
        "",
    ]
    path = Path(out_dir) / "MODEL_CARD.md"
    path.write_text("\n".join(lines))
    return path
