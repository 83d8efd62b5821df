"""The analysis report (schema edge_juggler.report/1) and the analyze command."""

from __future__ import annotations

import json

from edge_juggler.cli import main
from edge_juggler.report import SCHEMA, build_report, percentiles, validate_report, write_report
from edge_juggler.tracking.types import Event


def _report(**kw):
    base = dict(
        source="x.txt",
        modality="tracks",
        frames=3,
        duration_s=0.1,
        summary={"ball_count": 3, "throws": 2, "siteswap": "3", "extra_metric": 1.5},
        events=[Event(0.5, "throw", 1, "left", None, 15), Event(0.8, "peak", 1, None, 0.42, 24)],
        tracks=[{"id": 1, "samples": [[0, 1.0, 2.0]]}],
        latency_ms={"track": percentiles([1.0, 2.0, 3.0]), "classify": None},
    )
    base.update(kw)
    return build_report(**base)


def test_report_schema_and_nulls(tmp_path):
    r = _report()
    assert r["schema"] == SCHEMA and validate_report(r) == []
    s = r["summary"]
    assert s["pattern"] is None and s["mean_apex_height_m"] is None  # unknown -> null
    assert s["extra_metric"] == 1.5  # keys may be added
    assert r["events"][1] == {
        "t_s": 0.8,
        "type": "peak",
        "ball": 1,
        "hand": None,
        "height_m": 0.42,
        "frame": 24,
    }
    assert "classify" not in r["latency_ms"] and r["latency_ms"]["track"]["p50"] == 2.0
    p = write_report(tmp_path / "r.json", r)
    assert json.loads(p.read_text())["summary"]["siteswap"] == "3"


def test_report_nan_becomes_null():
    r = _report(summary={"ball_count": float("nan")})
    assert r["summary"]["ball_count"] is None


def test_validate_finds_problems():
    r = _report()
    r["events"][0]["type"] = "juggle"
    del r["summary"]["throws"]
    problems = validate_report(r)
    assert any("event type" in p for p in problems) and any("throws" in p for p in problems)


def test_analyze_mot_tracks_writes_report(shared_data, tmp_path, capsys):
    src = shared_data / "tfg_siteswap_tracks" / "3_manual2.txt"
    out = tmp_path / "report.json"
    assert main(["analyze", str(src), "--json", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "siteswap 3" in text and "balls 3" in text
    r = json.loads(out.read_text())
    assert validate_report(r) == []
    assert r["modality"] == "tracks" and r["summary"]["ball_count"] == 3
    assert r["summary"]["pattern"] is None
    assert {e["type"] for e in r["events"]} >= {"throw", "catch", "peak"}
    assert len(r["tracks"]) == 3 and r["latency_ms"]["track"]["p99"] >= 0


def test_analyze_synthetic_depth(tmp_path, capsys):
    out = tmp_path / "s.json"
    spec = "synthetic:3?seed=5010&seconds=4&modality=depth&scale=0.5"
    assert main(["analyze", spec, "--json", str(out), "--quiet", "--no-classify"]) == 0
    r = json.loads(out.read_text())
    assert validate_report(r) == [] and r["modality"] == "depth" and r["frames"] == 120


def test_analyze_bad_input_exits_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.mkv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.mkv" in err[0]
    bad = tmp_path / "bad.txt"
    bad.write_text("hello,world\n")
    assert main(["analyze", str(bad), "--quiet"]) == 2
    assert "bad.txt" in capsys.readouterr().err


def test_analyze_bad_calibration_exits_2(tmp_path, capsys):
    prof = tmp_path / "p.json"
    prof.write_text("[1, 2]")
    assert main(["analyze", "synthetic:3", "--calibration", str(prof), "--quiet"]) == 2
    assert "p.json" in capsys.readouterr().err


def test_analyze_endless_synthetic_source_reads_10_seconds(tmp_path, capsys):
    """Without ?seconds= the simulated world runs for an hour (the live demo's):
    analyze takes a file-like 10 s and says so, instead of running for an hour."""
    out = tmp_path / "s.json"
    spec = "synthetic:3?seed=2&modality=depth&scale=0.5"
    assert main(["analyze", spec, "--json", str(out), "--quiet", "--no-classify"]) == 0
    assert "first 10 s" in capsys.readouterr().err
    assert json.loads(out.read_text())["frames"] == 300


def test_analyze_stopped_with_ctrl_c_reports_the_frames_read(tmp_path, capsys, monkeypatch):
    """A live camera runs until the user stops it: what was read is analysed."""
    from edge_juggler.tracking.tracker import Tracker

    update = Tracker.update

    def update_until_60(self, frame):
        if self.frames == 60:
            raise KeyboardInterrupt
        return update(self, frame)

    monkeypatch.setattr(Tracker, "update", update_until_60)
    out = tmp_path / "s.json"
    spec = "synthetic:3?seed=2&modality=depth&scale=0.5"
    assert main(["analyze", spec, "--json", str(out), "--quiet", "--no-classify"]) == 0
    r = json.loads(out.read_text())
    assert r["frames"] == 60 and validate_report(r) == []
    assert "stopped: analysing the 60 frames read" in capsys.readouterr().err


def test_analyze_a_recording_whose_depth_reads_nothing_exits_2(tmp_path, capsys):
    """Every depth pixel 0 (a covered sensor): an error, not a report of 0 balls."""
    import cv2
    import numpy as np

    rec = tmp_path / "rec"
    assert main(["record", "synthetic:3?seconds=0.5&modality=depth", str(rec), "--quiet"]) == 0
    pngs = sorted((rec / "depth").glob("*.png"))
    assert pngs
    for p in pngs:
        cv2.imwrite(str(p), np.zeros((576, 640), np.uint16))
    capsys.readouterr()
    assert main(["analyze", str(rec), "--quiet", "--no-classify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "read nothing in any of" in err[0] and "Traceback" not in err[0]


def test_analyze_a_camera_that_disconnects_keeps_the_frames_before(tmp_path, capsys, monkeypatch):
    """The source fails after 45 frames: those are analysed and the report written,
    then a one-line error and exit 2."""
    from edge_juggler.errors import InputError
    from edge_juggler.tracking.tracker import Tracker

    update = Tracker.update

    def update_until_45(self, frame):
        if self.frames == 45:
            raise InputError("webcam:0: camera stopped delivering frames")
        return update(self, frame)

    monkeypatch.setattr(Tracker, "update", update_until_45)
    out = tmp_path / "s.json"
    spec = "synthetic:3?seed=2&modality=depth&scale=0.5"
    assert main(["analyze", spec, "--json", str(out), "--quiet", "--no-classify"]) == 2
    captured = capsys.readouterr()
    err = [ln for ln in captured.err.strip().splitlines() if "first 10 s" not in ln]
    assert len(err) == 1 and "stopped delivering frames" in err[0] and "45 frames" in err[0]
    assert json.loads(out.read_text())["frames"] == 45 and "balls" in captured.out
