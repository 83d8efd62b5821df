"""benchmarks/bench_pipeline.py runs and reports every stage it measured."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from edge_juggler.capture import spec

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pipeline.py"


def test_bench_pipeline_smoke(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(spec.SCHEMES, "parabola", "tests.app.fakes:open_parabola")
    mod_spec = importlib.util.spec_from_file_location("bench_pipeline", BENCH)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    out = tmp_path / "pipeline.json"
    args = ["--source", "parabola:40", "--frames", "12", "--warmup", "3", "--no-classifier"]
    result = mod.main([*args, "--size", "480x270", "--out", str(out), "--video"])
    assert result["frames"] == 12
    lat = result["latency_ms"]
    for stage in ("source", "track", "fuse", "draw", "output", "loop"):
        assert lat[stage]["p50"] <= lat[stage]["p95"] <= lat[stage]["p99"]
    assert lat["loop"]["n"] == 12
    assert json.loads(out.read_text())["latency_ms"]["loop"]["n"] == 12
    assert "loop" in capsys.readouterr().out
