"""Siteswap, events and metrics from flights of ideal tracks."""

from __future__ import annotations

import pytest

from edge_juggler.tracking.analysis import Scale, analyse_flights, clean_flights, find_period
from edge_juggler.tracking.flights import estimate_gravity_px, extract_flights
from tests.tracking.helpers import siteswap_tracks


def _analyse(pattern: str, noise: float = 1.0, identities: bool = False) -> dict:
    tracks = siteswap_tracks(pattern, noise_px=noise)
    g = estimate_gravity_px(tracks)
    scale = Scale(g)
    flights = clean_flights([f for t in tracks for f in extract_flights(t, g)], scale)
    summary, events = analyse_flights(flights, scale, duration_s=12.0, identities=identities)
    return {"summary": summary, "events": events}


@pytest.mark.parametrize(
    "pattern",
    ["3", "4", "5", "51", "423", "441", "531", "534", "633", "645", "55550", "71", "40", "31"],
)
def test_siteswap_and_count_from_timing(pattern):
    from edge_juggler.siteswap import parse

    s = _analyse(pattern)["summary"]
    ss = parse(pattern)
    assert s["siteswap"] == str(ss.canonical())
    assert s["ball_count"] == ss.balls


def test_events_and_metrics():
    out = _analyse("3")
    s, ev = out["summary"], out["events"]
    kinds = {e.type for e in ev}
    assert {"throw", "catch", "peak"} <= kinds
    assert s["throws"] >= 30 and s["drops"] == 0
    assert 2.7 < s["throws_per_second"] < 3.3  # bps = 3
    assert s["period_cv"] is not None and s["period_cv"] < 0.1
    # flight of (3 - 1.3) beats at 3 bps: h = g T^2 / 8 = 9.81 * 0.567^2 / 8
    assert s["mean_apex_height_m"] == pytest.approx(9.81 * (1.7 / 3) ** 2 / 8, rel=0.1)
    hands = {e.hand for e in ev if e.type == "throw"}
    assert hands == {"left", "right"}


def test_find_period_tolerates_noise_and_rotation():
    seq = [5, 3, 1] * 8
    seq[7] = 2  # one wrong beat
    unit, agree = find_period(seq)
    assert unit == (5, 3, 1) and agree > 0.9
    unit, _ = find_period([1, 5, 3] * 6)
    assert unit == (5, 3, 1)


def test_no_flights_means_zero_balls():
    s, ev = analyse_flights([], Scale(None), duration_s=5.0)
    assert s["ball_count"] == 0 and s["throws"] == 0 and ev == []
    assert s["siteswap"] is None and s["mean_apex_height_m"] is None
