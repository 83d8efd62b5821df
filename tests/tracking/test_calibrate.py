"""``edge-juggler calibrate``: learns colours, writes a profile and a picture; analyze reads it."""

from __future__ import annotations

import json

from edge_juggler.cli import main

SPEC = "synthetic:3?seed=5020&seconds=3&modality=color&profile=webcam"


def test_calibrate_writes_profile_and_picture(tmp_path, capsys):
    out = tmp_path / "prof.json"
    assert main(["calibrate", SPEC, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ball colour 1" in text
    prof = json.loads(out.read_text())
    assert prof["schema"] == "edge_juggler.calibration/1"
    assert prof["color"]["ranges"] and prof["camera"]["intrinsics"]["width"] == 640
    assert out.with_suffix(".png").stat().st_size > 1000
    assert main(["analyze", SPEC, "--calibration", str(out), "--quiet", "--no-classify"]) == 0


def test_calibrate_manual_hue_and_depth_band(tmp_path, capsys):
    out = tmp_path / "m.json"
    spec = "synthetic:3?seed=5021&seconds=2&modality=rgbd&scale=0.5"
    assert main(["calibrate", spec, "--out", str(out), "--hue", "100-125"]) == 0
    prof = json.loads(out.read_text())
    assert prof["color"]["ranges"][0]["h_lo"] == 100 and prof["color"]["source"] == "manual"
    lo, hi = prof["depth_band_m"]
    assert lo < prof["body_depth_m"] < hi


def test_calibrate_bad_hue_exits_2(tmp_path, capsys):
    assert main(["calibrate", SPEC, "--out", str(tmp_path / "x.json"), "--hue", "red"]) == 2
    assert "--hue" in capsys.readouterr().err
