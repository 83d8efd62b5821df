"""Real data: annotated juggling tracks (MOT16) and recordings without juggling."""

from __future__ import annotations

from edge_juggler.capture.spec import open_source
from edge_juggler.siteswap import parse
from edge_juggler.tracking.tracker import Tracker

TFG = ["1", "3", "4", "5", "31", "40", "51", "423", "441", "531", "633", "744"]


def _analyse(spec: str, max_frames: int | None = None):
    with open_source(spec) as src:
        tr = Tracker(src.intrinsics, src.modality)
        for i, f in enumerate(src):
            tr.update(f)
            if max_frames and i + 1 >= max_frames:
                break
        return tr.finish()


def test_tfg_siteswap_tracks(shared_data):
    """Ball count and siteswap of 12 hand-annotated real juggling videos.

    Target (issue 4): >= 10 of 12. The assertion is a regression guard at the
    level measured (counts 12/12, siteswaps 11/12: only the flat hand-to-hand
    passes of '1' are not read; real rhythms are uneven).
    """
    folder = shared_data / "tfg_siteswap_tracks"
    right_count = right_ss = 0
    for name in TFG:
        a = _analyse(str(folder / f"{name}_manual2.txt"))
        ss = parse(name)
        right_count += a.summary["ball_count"] == ss.balls
        right_ss += a.summary["siteswap"] == str(ss.canonical())
    assert right_count >= 12
    assert right_ss >= 11


def test_tfg_cascade_throw_counts_stay_near_the_flights_annotated(shared_data):
    """In a cascade every throw flies, and the annotation follows every ball, so
    the flights seen are nearly all the throws: the beat clock may add the few at
    the recording's edges, not beats after the juggler stopped. Guard at the level
    measured (26 -> 27, 42 -> 42, 66 -> 71); counting on from the last catch seen
    (session 15, reverted) read 29, 47 and 78."""
    folder = shared_data / "tfg_siteswap_tracks"
    for name in ("3", "4", "5"):
        s = _analyse(str(folder / f"{name}_manual2.txt")).summary
        assert s["throws_seen"] <= s["throws"] <= 1.08 * s["throws_seen"] + 1, (name, s)


def test_azure_recording_without_juggling_has_no_balls(shared_data):
    a = _analyse(str(shared_data / "pyk4a" / "recording.mkv"))
    assert a.summary["ball_count"] == 0 and a.summary["throws"] == 0


def test_kinect_v1_office_frame_has_no_balls(shared_data):
    # the folder as shipped (TUM_depth.png + TUM_color.png, no list files): one RGB-D frame
    a = _analyse(str(shared_data / "open3d_testdata_kinect1"))
    assert a.summary["modality"] == "rgbd"
    assert a.summary["ball_count"] == 0 and a.summary["throws"] == 0


def test_live_state_carries_running_metrics(shared_data):
    """TrackState per frame: running ball count and the metrics fusion reads."""
    spec = str(shared_data / "tfg_siteswap_tracks" / "4_manual2.txt")
    with open_source(spec) as src:
        tr = Tracker(src.intrinsics, src.modality)
        states = [tr.update(f) for f in src]
    last = states[-1]
    assert last.ball_count == 4
    for key in ("throws", "drops", "throws_per_second", "period_cv", "siteswap", "drift_m"):
        assert key in last.metrics
    assert sum(len(s.events) for s in states) > 20  # events are published while running


def test_real_five_ball_mocap(shared_data):
    """Real 5-ball cascade from motion capture (unlabelled markers, 300 Hz), analysed
    like any recording through a virtual camera: 5 balls, siteswap 5, and the
    upstream's ~4.65 throws/s within 2 % (measured 4.58; nothing here was tuned on
    it). A real juggler's tempo drifts, so any steady clock fits the throws less
    well than their own beats: refusing such a re-clock read 4.49."""
    a = _analyse(str(shared_data / "jugglebot_mocap" / "5_ball_juggling_cut.tsv"))
    s = a.summary
    assert s["ball_count"] == 5 and s["siteswap"] == "5"
    assert abs(s["throws_per_second"] - 4.65) <= 0.02 * 4.65
    assert s["drops"] == 0 and s["throws"] >= 70  # 16.6 s at ~4.5 throws/s
