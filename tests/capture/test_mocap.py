"""Qualisys mocap TSV: the real 5-ball recording through a virtual camera, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.mocap import VIRTUAL, MocapSource
from edge_juggler.errors import InputError

MOCAP = Path("jugglebot_mocap") / "5_ball_juggling_cut.tsv"


def test_real_mocap_becomes_points_of_a_virtual_camera(shared_data: Path) -> None:
    src = open_source(shared_data / MOCAP)
    assert isinstance(src, MocapSource) and src.modality == "points"
    frames = list(src)
    # 4967 rows at 300 Hz = 16.6 s, resampled to 60 fps
    assert len(frames) == src.frame_count
    assert abs(len(frames) - 60 * src.duration_s) <= 2
    dt = np.diff([f.t_s for f in frames])
    assert np.allclose(dt, 1 / 60, atol=1 / 300 + 1e-6)
    pts = np.concatenate([f.extras["points"] for f in frames])
    assert 4.5 <= len(pts) / len(frames) <= 5.0  # about 4.9 balls seen per frame
    # inside the virtual picture, 3 m away, up is up: balls fly above the hands
    assert (pts[:, 0] > 0).all() and (pts[:, 0] < VIRTUAL.width).all()
    assert (pts[:, 1] > 0).all() and (pts[:, 1] < VIRTUAL.height).all()
    assert np.all(np.abs(pts[:, 2] - 3.0) < 0.6)
    assert frames[0].intrinsics == VIRTUAL and frames[0].color is None


def test_other_rate_on_request(shared_data: Path) -> None:
    src = open_source(f"{shared_data / MOCAP}?fps=30")
    assert abs(src.frame_count - 30 * src.duration_s) <= 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("hello\tworld\n", "not a Qualisys TSV"),
        ("NO_OF_FRAMES\t2\nFrame\tTime\ta X\ta Y\ta Z\n1\t0.0\tx\t1\t2\n", "not a Qualisys"),
        ("Frame\tTime\t \t \t \n1\t0.0\t0\t0\t0\n2\t0.1\t0\t0\t0\n", "no ball markers"),
        ("Frame\tTime\t \t \t \n1\t0.1\t1\t2\t3\n2\t0.1\t1\t2\t3\n", "does not increase"),
    ],
)
def test_bad_tsv_is_one_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "capture.tsv"
    p.write_text(text)
    with pytest.raises(InputError, match=needle):
        MocapSource(p)


def test_export_cut_short_keeps_whole_rows(shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / MOCAP).read_text()
    cut = text[: len(text) // 2]
    cut = cut[: cut.rindex("\n") + 20]  # stop 20 characters into a row
    p = tmp_path / "cut.tsv"
    p.write_text(cut)
    whole = cut[: cut.rindex("\n")].count("\n") - text[: text.index("Frame\t")].count("\n")
    src = MocapSource(p)
    assert len(src.t) == whole  # every complete row, the partial one dropped
    assert len(list(src)) == src.frame_count > 400
