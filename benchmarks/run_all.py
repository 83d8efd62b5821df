"""Run every benchmark in this folder in one process and collect the results.

Usage: ``python benchmarks/run_all.py [--only sim,tracking,...]``. Each
``bench_<area>.py`` exposes ``main(argv) -> dict`` and writes
``results/<area>.json``; this script adds ``results/summary.json`` with the
machine it ran on. Speed claims are ratios and medians from one run: these
machines are noisy, so compare numbers only within the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated areas, e.g. sim,tracking")
    args = ap.parse_args(argv)
    wanted = {a.strip() for a in args.only.split(",") if a.strip()}
    benches = sorted(HERE.glob("bench_*.py"))
    results: dict[str, object] = {
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for path in benches:
        area = path.stem.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        print(f"== {area} ==", flush=True)
        try:
            results[area] = _load(path).main([])
        except Exception as exc:  # keep going: one broken bench must not hide the rest
            print(f"{area}: failed: {exc}", file=sys.stderr)
            results[area] = {"error": str(exc)}
    out = HERE / "results" / "summary.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
