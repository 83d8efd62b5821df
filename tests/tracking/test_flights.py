"""Flights: parabola fitting on ideal and noisy tracks."""

from __future__ import annotations

import numpy as np

from edge_juggler.tracking.analysis import Scale, clean_flights
from edge_juggler.tracking.flights import TrackSamples, estimate_gravity_px, extract_flights
from tests.tracking.helpers import G_PX, siteswap_tracks


def _one_throw(noise: float = 0.0) -> TrackSamples:
    """Held still, thrown up for 0.6 s, caught, held still again (30 fps).

    The release falls between two frames, as it does in a real recording.
    """
    t = np.arange(0, 1.5, 1 / 30) + 1 / 60
    y = np.full_like(t, 400.0)
    x = np.full_like(t, 100.0)
    fly = (t >= 0.4) & (t <= 1.0)
    s = t[fly] - 0.4
    y[fly] = 400 - 0.5 * G_PX * 0.6 * s + 0.5 * G_PX * s * s
    x[fly] = 100 + 150 * s
    x[t > 1.0] = 100 + 150 * 0.6
    rng = np.random.default_rng(0)
    xy = np.stack([x, y], 1) + rng.normal(0, noise, (len(t), 2))
    return TrackSamples(1, t, xy, np.arange(len(t)))


def test_single_flight_times_and_apex():
    fl = extract_flights(_one_throw(), G_PX)
    assert len(fl) == 1
    f = fl[0]
    assert abs(f.t_throw - 0.4) <= 0.034 and abs(f.t_catch - 1.0) <= 0.034
    assert abs(f.duration - 0.6) <= 0.05
    assert abs(f.t_apex - 0.7) < 0.02
    # apex above the release point: g T^2 / 8 = 90 px
    assert abs(f.rise_px - G_PX * 0.36 / 8) < 5


def test_noisy_flight_still_found():
    fl = clean_flights(extract_flights(_one_throw(noise=1.0), G_PX), Scale(G_PX))
    assert len(fl) == 1 and abs(fl[0].duration - 0.6) < 0.1


def test_gravity_estimate_from_apexes():
    g = estimate_gravity_px(siteswap_tracks("3", noise_px=0.5))
    assert g is not None and abs(g - G_PX) / G_PX < 0.05


def test_gravity_prior_rejects_jitter():
    rng = np.random.default_rng(1)
    t = np.arange(0, 3, 1 / 30)
    still = TrackSamples(9, t, 300 + rng.normal(0, 2, (len(t), 2)), np.arange(len(t)))
    assert estimate_gravity_px([still]) is None
    assert clean_flights(extract_flights(still, G_PX), Scale(G_PX)) == []
