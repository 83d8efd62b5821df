"""Train the juggling classifier from nothing on synthetic clips, or fine-tune it on your own.

From nothing (reproduces the shipped model, under an hour on 2 cores): renders
synthetic clips (cached in ~/.cache/edge_juggler/clips), trains JuggleNet with
PyTorch on the CPU, exports ONNX -> OpenVINO IR FP32 -> NNCF INT8, evaluates both
on held-out clips and writes metrics.json, confusion_int8.png and MODEL_CARD.md.

--finetune DATASET/ starts from the shipped weights, freezes the early layers and
adapts the network to DATASET/<class>/<clip>/ recordings (made with
`edge-juggler record SOURCE --label CLASS DATASET/`; any class names, about 20
clips per class); the result loads with the runtime like the shipped model.
Needs the `train` extra: pip install edge-juggler[train].
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

HELP = "train the classifier (synthetic, or --finetune on your recorded clips)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--finetune",
        type=Path,
        metavar="DATASET",
        help="adapt the shipped model to DATASET/<class>/<clip>/ recordings",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: models/ from nothing, "
        "DATASET/../<name>_model with --finetune)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="training epochs (default 16 from nothing, 12 fine-tuning)",
    )
    p.add_argument(
        "--per-class",
        type=int,
        default=150,
        help="synthetic training clips per class (default 150)",
    )
    p.add_argument(
        "--val-per-class",
        type=int,
        default=20,
        help="synthetic validation clips per class: best epoch, INT8 drop (default 20)",
    )
    p.add_argument(
        "--test-per-class",
        type=int,
        default=20,
        help="held-out synthetic test clips per class (default 20)",
    )
    p.add_argument("--threads", type=int, default=2, help="PyTorch threads (default 2)")
    p.add_argument("--workers", type=int, default=2, help="processes rendering clips")
    p.add_argument("--size", type=int, default=64, help="input side in pixels (default 64)")
    p.add_argument("--frames", type=int, default=16, help="frames per clip (default 16)")
    p.add_argument("--width", type=float, default=1.0, help="channel multiplier (default 1.0)")
    p.add_argument(
        "--motion",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also feed frame-to-frame differences (computed inside the network; default on)",
    )
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW)")
    p.add_argument(
        "--time-budget",
        type=float,
        default=None,
        metavar="MIN",
        help="stop training after this many minutes (keeps the best epoch; default 40 from "
        "nothing, none when fine-tuning or continuing)",
    )
    p.add_argument(
        "--init",
        type=Path,
        default=None,
        metavar="WEIGHTS",
        help="start from these jugglenet.pt weights instead of random ones "
        "(a second, shorter run continues a time-boxed first one)",
    )
    p.add_argument("--cache", type=Path, default=None, help="clip cache folder")
    p.add_argument("--log", type=Path, default=None, help="also append progress to this file")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from edge_juggler.errors import InputError

    try:
        import nncf  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"train needs the train extra ({exc.name} missing): pip install edge-juggler[train]"
        ) from None
    from edge_juggler.neural.train import pipeline

    if args.finetune is not None:
        ds = args.finetune.resolve()
        out = args.out or ds.parent / f"{ds.name}_model"
        epochs = args.epochs or 12
    else:
        from edge_juggler.resources import models_dir

        out = args.out or models_dir()
        epochs = args.epochs or 16
        if args.time_budget is None and args.init is None:
            args.time_budget = 40.0  # with rendering and export: under an hour on 2 cores
    summary = pipeline.run(
        Path(out),
        per_class=args.per_class,
        val_per_class=args.val_per_class,
        test_per_class=args.test_per_class,
        epochs=epochs,
        lr=args.lr,
        threads=args.threads,
        workers=args.workers,
        frames=args.frames,
        size=args.size,
        width=args.width,
        motion=args.motion,
        finetune=args.finetune,
        cache_dir=args.cache,
        time_budget_s=args.time_budget * 60 if args.time_budget else None,
        progress=not args.no_progress,
        log_file=args.log,
        init=args.init,
        command="edge-juggler train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        if len(sys.argv) > 1 and sys.argv[1] == "train"
        else None,
    )
    ev = summary["eval"]
    print(
        f"wrote {out}: INT8 top-1 {ev['int8']['top1']:.1%} (FP32 {ev['fp32']['top1']:.1%}) "
        f"on {ev['test_clips']} held-out clips"
    )
    return 0
