"""Tiny train -> export -> quantize -> load round trip: fine-tune on recorded clips.

Builds a dataset the way ``edge-juggler record --label`` lays it out (two new
classes, 20 clips each, TUM folders), fine-tunes the shipped weights for a short
run, and loads the result with the runtime.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("nncf")

from edge_juggler.cli import main  # noqa: E402
from edge_juggler.resources import models_dir  # noqa: E402

NEW_CLASSES = {"idle": "bg_standing", "juggling": "3b_cascade_good"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from edge_juggler.capture.recorder import RecordingWriter
    from edge_juggler.sim.source import SyntheticSource

    root = tmp_path_factory.mktemp("ds")
    for name, sim_class in NEW_CLASSES.items():
        for k in range(20):
            src = SyntheticSource(
                sim_class, seed=500_000 + k, profile="azure_nfov", seconds=1.8, fps=10, scale=0.25
            )
            with RecordingWriter(
                root / name / f"clip_{k:04d}",
                intrinsics=src.intrinsics,
                fps=10,
                device="synthetic",
                fsync=False,
            ) as rec:
                for frame in src:
                    rec.write(frame)
    return root


@pytest.mark.skipif(not (models_dir() / "jugglenet.pt").is_file(), reason="no shipped weights")
def test_finetune_new_class_set_round_trip(dataset, tmp_path):
    out = tmp_path / "model"
    rc = main(
        [
            "train",
            "--finetune",
            str(dataset),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--threads",
            "1",
            "--no-progress",
        ]
    )
    assert rc == 0
    for name in (
        "jugglenet_fp32.xml",
        "jugglenet_int8.xml",
        "jugglenet_int8.bin",
        "labels.json",
        "model.json",
        "confusion_int8.png",
        "metrics.json",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "labels.json").read_text()) == sorted(NEW_CLASSES)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["mode"] == "finetune"
    assert 0.0 <= metrics["eval"]["int8"]["top1"] <= 1.0

    from edge_juggler.neural.runtime import StreamingClassifier
    from edge_juggler.sim.source import SyntheticSource

    clf = StreamingClassifier(models_dir=out, precision="int8", stride=2)
    assert clf.labels == ["idle", "juggling"]
    src = SyntheticSource(
        "3b_cascade_good", seed=600_000, profile="azure_nfov", seconds=2.5, fps=10, scale=0.25
    )
    scores = [s for f in src if (s := clf.push(f))]
    assert scores and scores[-1].probs.shape == (2,)
    assert np.isclose(scores[-1].probs.sum(), 1.0, atol=1e-3)
    assert scores[-1].label in ("idle", "juggling")


def test_finetune_rejects_a_dataset_with_one_class(tmp_path, capsys):
    ds = tmp_path / "ds"
    (ds / "only").mkdir(parents=True)
    rc = main(["train", "--finetune", str(ds), "--out", str(tmp_path / "m"), "--no-progress"])
    assert rc == 2
    assert "need at least two class folders" in capsys.readouterr().err
