"""The analysis report: JSON schema ``edge_juggler.report/1`` (DESIGN.md).

Keys may be added, never renamed; unknown values are ``null``, never a guess.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from edge_juggler.errors import InputError

SCHEMA = "edge_juggler.report/1"

#: summary keys every report carries (null when unknown)
SUMMARY_KEYS = (
    "ball_count",
    "throws",
    "catches",
    "drops",
    "throws_per_second",
    "siteswap",
    "mean_apex_height_m",
    "period_cv",
    "pattern",
)


def percentiles(values: list[float]) -> dict[str, float] | None:
    """p50/p95/p99 (ms) of per-call timings, or None when there are none."""
    if not values:
        return None
    a = np.asarray(values, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(a, 50)), 3),
        "p95": round(float(np.percentile(a, 95)), 3),
        "p99": round(float(np.percentile(a, 99)), 3),
        "n": int(a.size),
    }


def _clean(v: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to null."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def event_dict(e: Any) -> dict:
    return {
        "t_s": round(float(e.t_s), 4),
        "type": e.type,
        "ball": e.ball,
        "hand": e.hand,
        "height_m": None if e.height_m is None else round(float(e.height_m), 4),
        "frame": e.frame_index,
    }


def build_report(
    *,
    source: str,
    modality: str,
    frames: int,
    duration_s: float | None,
    summary: dict,
    events: list,
    tracks: list[dict],
    latency_ms: dict[str, dict | None],
    pattern: str | None = None,
    classes: list[dict] | None = None,
    extra: dict | None = None,
) -> dict:
    """Assemble the report; ``events`` are tracking Events (or dicts already)."""
    summ = {k: summary.get(k) for k in SUMMARY_KEYS}
    summ["pattern"] = pattern
    for k, v in summary.items():  # added keys (hand metrics, agreement, scale...)
        if k not in summ and k not in ("frames", "modality", "duration_s"):
            summ[k] = v
    report = {
        "schema": SCHEMA,
        "source": str(source),
        "modality": modality,
        "frames": int(frames),
        "duration_s": None if duration_s is None else round(float(duration_s), 4),
        "summary": summ,
        "events": [e if isinstance(e, dict) else event_dict(e) for e in events],
        "tracks": tracks,
        "latency_ms": {k: v for k, v in latency_ms.items() if v},
    }
    if classes is not None:
        report["classes"] = classes
    if extra:
        report.update(extra)
    return _clean(report)


def write_report(path: str | Path, report: dict) -> Path:
    """Write the report as JSON; InputError (exit 2) when the path cannot be written."""
    p = Path(path)
    try:
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(report, indent=1) + "\n")
    except OSError as exc:
        raise InputError(f"{p}: cannot write report ({exc.strerror or exc})") from None
    return p


def validate_report(report: dict) -> list[str]:
    """Problems with a report's shape (empty when it follows the schema)."""
    problems = []
    for k in (
        "schema",
        "source",
        "modality",
        "frames",
        "duration_s",
        "summary",
        "events",
        "tracks",
        "latency_ms",
    ):
        if k not in report:
            problems.append(f"missing {k}")
    if report.get("schema") != SCHEMA:
        problems.append(f"schema is {report.get('schema')!r}")
    if report.get("modality") not in ("depth", "color", "rgbd", "tracks"):
        problems.append(f"modality {report.get('modality')!r}")
    for k in SUMMARY_KEYS:
        if k not in report.get("summary", {}):
            problems.append(f"summary.{k} missing")
    for e in report.get("events", []):
        if e.get("type") not in ("throw", "catch", "peak", "drop"):
            problems.append(f"event type {e.get('type')!r}")
            break
        if e.get("hand") not in ("left", "right", None):
            problems.append(f"event hand {e.get('hand')!r}")
            break
    for tr in report.get("tracks", []):
        if "id" not in tr or "samples" not in tr:
            problems.append("track without id/samples")
            break
    return problems
