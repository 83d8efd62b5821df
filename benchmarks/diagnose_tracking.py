"""Where the classical tracker loses balls: per-stage recall against the simulator's truth.

``eval_tracking.py`` scores the end result (ball count, siteswap); this script
says which stage failed, per clip:

- detections: recall of balls in flight that the sensor can see (depth: the
  ball has measurable depth; colour: visible in the picture) and the share of
  detections that lie on no ball at all (false detections per frame);
- flights: recall of true throws by value (a true flight is found when one of
  our flights, not matched before, covers half of its time in the air, lasts
  at most 1.5 times as long, and has its apex where that ball was then), and
  flights that match no true flight.

    python benchmarks/diagnose_tracking.py 71 --seed 3 --profile kinect_v1 --modality depth
    python benchmarks/diagnose_tracking.py --tuning --modality color   # the eval plan, summed

Tuning seeds only while tuning (``--tuning``); the test seeds stay unseen.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))


def true_flights(truth, t_end: float) -> list[dict]:
    """Throw-to-catch intervals of every ball, with the throw's siteswap value."""
    open_: dict[int, dict] = {}
    out = []
    for e in truth.events:
        if e["t_s"] > t_end:
            break
        if e["type"] == "throw":
            open_[e["ball"]] = {"ball": e["ball"], "t0": e["t_s"], "value": e.get("value")}
        elif e["type"] in ("catch", "drop") and e["ball"] in open_:
            f = open_.pop(e["ball"])
            f["t1"] = e["t_s"]
            out.append(f)
    return out


def diagnose_clip(
    pattern: str, seed: int, modality: str, profile: str, seconds: float = 10.0
) -> dict:
    """Track one clip while recording what the segmenter handed to the associator."""
    from edge_juggler.sim.clips import render_clip
    from edge_juggler.tracking.tracker import Tracker

    frames, truth = render_clip(pattern, seed, seconds=seconds, profile=profile, modality=modality)
    tracker = Tracker(frames[0].intrinsics, modality)
    dets_by_frame: dict[int, list] = {}
    step = tracker.assoc.step

    def spy(t, frame, dets):
        dets_by_frame[frame] = list(dets)
        return step(t, frame, dets)

    tracker.assoc.step = spy  # type: ignore[method-assign]
    for f in frames:
        f = replace(f, color=None) if modality == "depth" else replace(f, depth=None)
        tracker.update(f)
    analysis = tracker.finish()
    w = frames[0].depth.shape[1] if modality == "depth" else frames[0].color.shape[1]
    r_match = 0.03 * w  # ~19 px at 640: about two ball radii at 2 m
    seen_key = "ball_in_depth" if modality == "depth" else "ball_visible"
    n_fly = n_fly_hit = n_det = n_det_false = 0
    for ft in truth.frames:
        dets = dets_by_frame.get(ft.index, [])
        dxy = np.array([[d.x, d.y] for d in dets]).reshape(-1, 2)
        txy = np.asarray(ft.balls_px, dtype=float).reshape(-1, 2)
        vis = np.asarray(getattr(ft, seen_key), dtype=bool)
        fly = np.array([p == "flight" for p in ft.ball_phase], dtype=bool) & vis
        if len(dxy) and len(txy):
            dist = np.linalg.norm(dxy[:, None, :] - txy[None, :, :], axis=2)
        else:
            dist = np.full((len(dxy), len(txy)), np.inf)
        n_fly += int(fly.sum())
        if fly.any():
            n_fly_hit += int((dist[:, fly].min(axis=0, initial=np.inf) <= r_match).sum())
        n_det += len(dxy)
        n_det_false += int((dist.min(axis=1, initial=np.inf) > r_match).sum())
    t_end = frames[-1].t_s
    tf = true_flights(truth, t_end)
    ft_t = np.array([ft.t_s for ft in truth.frames])
    ft_px = [np.asarray(ft.balls_px, dtype=float) for ft in truth.frames]
    found_by_value: dict[str, list[bool]] = defaultdict(list)
    used: set[int] = set()
    for f in tf:
        dur = f["t1"] - f["t0"]
        best, best_ov = None, 0.0
        for k, o in enumerate(analysis.flights):
            if k in used or o.t_catch - o.t_throw > 1.5 * dur + 0.1:
                continue  # a long flight over a short true one is no match
            ov = min(o.t_catch, f["t1"]) - max(o.t_throw, f["t0"])
            # in the same place: where this ball was at our apex moment (dense
            # patterns have several balls in the air at any time)
            j = int(np.clip(np.searchsorted(ft_t, o.t_apex), 0, len(ft_t) - 1))
            far = np.hypot(*(ft_px[j][f["ball"]] - np.asarray(o.apex_xy)))
            if ov > best_ov and (far <= 2 * r_match or o.apex_xy[1] < 0):
                best, best_ov = k, ov
        hit = best is not None and best_ov >= 0.5 * dur
        if hit:
            used.add(best)
        found_by_value[str(f["value"])].append(hit)
    ours = analysis.flights
    s = analysis.summary
    return {
        "pattern": pattern,
        "seed": seed,
        "modality": modality,
        "profile": profile,
        "balls": (s["ball_count"], truth.ball_count),
        "siteswap": (s["siteswap"], truth.siteswap),
        "det_recall": n_fly_hit / max(n_fly, 1),
        "false_per_frame": n_det_false / max(len(truth.frames), 1),
        "det_precision": 1 - n_det_false / max(n_det, 1),
        "flights_true": len(tf),
        "flights_found": sum(sum(v) for v in found_by_value.values()),
        "flights_ours": len(ours),
        "flights_spurious": len(ours) - len(used),
        "recall_by_value": {k: (sum(v), len(v)) for k, v in sorted(found_by_value.items())},
        "tracks": len(tracker.assoc.all),
    }


def show(r: dict) -> str:
    by = " ".join(f"{k}:{a}/{n}" for k, (a, n) in r["recall_by_value"].items())
    ok = r["balls"][0] == r["balls"][1] and str(r["siteswap"][0]) == str(r["siteswap"][1])
    return (
        f"{'  ' if ok else '<-'} {r['pattern']:>6} {r['modality']:5} {r['profile']:17} "
        f"s{r['seed']:<5} balls {r['balls'][0]}/{r['balls'][1]} ss {r['siteswap'][0]}/"
        f"{r['siteswap'][1]} | det recall {r['det_recall']:.2f} false/frame "
        f"{r['false_per_frame']:.2f} | flights {r['flights_found']}/{r['flights_true']} "
        f"(+{r['flights_spurious']} spurious, {r['tracks']} tracks) by value {by}"
    )


def main(argv: list[str] | None = None) -> list[dict]:
    from eval_tracking import TEST_SEED_BASE, plan

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pattern", nargs="?", help="one clip: pattern (else the eval plan)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", default="azure_nfov")
    ap.add_argument("--modality", choices=["depth", "color"])
    ap.add_argument("--seeds", type=int, default=2, help="plan: clips per pattern and modality")
    ap.add_argument("--tuning", action="store_true", help="plan: tuning seeds (0-99)")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    if args.pattern:
        jobs = [(args.pattern, args.seed, args.modality or "depth", args.profile)]
    else:
        base = 0 if args.tuning else TEST_SEED_BASE
        jobs = plan(False, args.seeds, base, args.modality)
    rows = []
    for job in jobs:
        rows.append(diagnose_clip(*job, seconds=args.seconds))
        print(show(rows[-1]), flush=True)
    if len(rows) > 1:
        tot: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in rows:
            for k, (a, n) in r["recall_by_value"].items():
                tot[k][0] += a
                tot[k][1] += n
        print(
            f"mean det recall {np.mean([r['det_recall'] for r in rows]):.3f}, false/frame "
            f"{np.mean([r['false_per_frame'] for r in rows]):.2f}, flights found "
            f"{sum(r['flights_found'] for r in rows)}/{sum(r['flights_true'] for r in rows)}, "
            f"spurious {sum(r['flights_spurious'] for r in rows)}; by value "
            + " ".join(f"{k}:{a}/{n}" for k, (a, n) in sorted(tot.items()))
        )
    return rows


if __name__ == "__main__":
    main()
