"""Fusion rules: who is believed when, and what the user is told to fix."""

from __future__ import annotations

import dataclasses
import json

import pytest

from edge_juggler import catalogue
from edge_juggler.fusion import (
    FusionConfig,
    JugglingState,
    canonical_siteswap,
    count_marginals,
    expected_apex_m,
    fuse,
    pattern_of_siteswap,
)
from edge_juggler.tracking.types import Event
from tests.app.fakes import class_scores, track_state

STEADY = {"siteswap": "3", "period_cv": 0.05, "throws_per_second": 2.9, "throws": 12}


def test_nothing_known_claims_nothing():
    st = fuse(None, None)
    for claim in (st.ball_count, st.pattern, st.siteswap, st.stable, st.juggling, st.label):
        assert claim.value is None and claim.source == "none" and claim.confidence == 0.0
    assert st.advice == () and st.agree is None


def test_tracker_alone_after_many_throws():
    st = fuse(track_state(10, ball_count=3, metrics=STEADY), None)
    assert st.ball_count.value == 3 and st.ball_count.source == "tracker"
    assert st.pattern.value == "cascade" and st.pattern.source == "tracker"
    assert st.siteswap.value == "3" and st.siteswap.source == "tracker"
    assert st.stable.value is True and st.stable.source == "tracker"
    assert st.throws_per_second == pytest.approx(2.9)
    assert st.juggling.value is True
    assert st.throws_seen == 12


def test_classifier_alone_names_count_pattern_and_mistake():
    scores = class_scores("3b_cascade_too_high", 0.7)
    st = fuse(None, scores)
    assert st.ball_count.value == 3 and st.ball_count.source == "classifier"
    # confidence of the count is the probability mass of every 3-ball class
    three = sum(
        float(p)
        for n, p in zip(catalogue.CLASSES, scores.probs, strict=True)
        if n.startswith("3b_")
    )
    assert st.ball_count.confidence == pytest.approx(three, rel=1e-5)
    assert st.ball_count.confidence > 0.7
    assert st.pattern.value == "cascade"
    assert st.label.value == "3b_cascade_too_high"
    assert [a.key for a in st.advice] == ["too_high"]
    assert st.advice[0].text == catalogue.MISTAKES["too_high"]
    assert st.advice[0].source == "classifier"
    assert st.stable.value is True  # a form fault, the pattern itself runs


def test_agreement_raises_confidence():
    track = track_state(10, ball_count=3, metrics=STEADY)
    scores = class_scores("3b_cascade_good", 0.6)
    alone_t = fuse(track, None).ball_count.confidence
    alone_c = fuse(None, scores).ball_count.confidence
    st = fuse(track, scores)
    assert st.ball_count.value == 3 and st.ball_count.source == "both"
    assert st.ball_count.confidence > max(alone_t, alone_c)
    assert st.agree is True
    assert st.pattern.source == "both" and st.stable.source == "both"


def test_disagreement_trusted_tracker_wins_with_less_confidence():
    track = track_state(10, ball_count=3, metrics=STEADY)
    scores = class_scores("2b_exchange_good", 0.8)
    alone = fuse(track, None).ball_count
    st = fuse(track, scores)
    assert st.ball_count.value == 3 and st.ball_count.source == "tracker"
    assert st.ball_count.confidence < alone.confidence
    assert st.agree is False
    # the patterns disagree too: the trusted tracker's cascade wins
    assert st.pattern.value == "cascade" and st.pattern.source == "tracker"


def test_disagreement_early_classifier_wins():
    track = track_state(2, ball_count=2, metrics={})  # no throws seen yet
    scores = class_scores("3b_cascade_good", 0.8)
    alone = fuse(None, scores).ball_count
    st = fuse(track, scores)
    assert st.ball_count.value == 3 and st.ball_count.source == "classifier"
    assert st.ball_count.confidence < alone.confidence
    assert st.agree is False


def test_throws_accumulate_through_previous_state_until_tracker_is_trusted():
    cfg = FusionConfig(min_throws=4)
    scores = class_scores("2b_exchange_good", 0.9)
    st: JugglingState | None = None
    sources = []
    for i in range(6):
        ev = (Event(t_s=i * 0.3, type="throw", ball=1),)
        st = fuse(track_state(i, ball_count=3, events=ev), scores, previous=st, config=cfg)
        sources.append(st.ball_count.source)
    assert st is not None and st.throws_seen == 6
    assert sources[:3] == ["classifier"] * 3  # 1..3 throws: not enough
    assert sources[3:] == ["tracker"] * 3  # from the 4th throw on


def test_drop_gives_advice_and_unstable_then_fades():
    cfg = FusionConfig(drop_memory_s=2.0)
    drop = (Event(t_s=1.0, type="drop", ball=2),)
    st = fuse(track_state(30, metrics=STEADY, events=drop), None, config=cfg)
    assert st.last_drop_t_s == pytest.approx(1.0)
    assert st.advice[0].key == "drop" and st.advice[0].source == "tracker"
    assert st.stable.value is False
    later = fuse(track_state(60, metrics=STEADY), None, previous=st, config=cfg)  # t = 2.0 s
    assert later.advice and later.advice[0].key == "drop"
    gone = fuse(track_state(120, metrics=STEADY), None, previous=later, config=cfg)  # 4.0 s
    assert "drop" not in [a.key for a in gone.advice]
    assert gone.stable.value is True


def test_same_mistake_from_both_is_marked_both():
    drop = (Event(t_s=1.0, type="drop", ball=2),)
    st = fuse(track_state(30, metrics=STEADY, events=drop), class_scores("3b_cascade_drop", 0.6))
    (adv,) = [a for a in st.advice if a.key == "drop"]
    assert adv.source == "both" and adv.confidence > 0.9
    assert st.stable.value is False and st.stable.source == "both"


def test_tracker_sees_high_throws_and_uneven_rhythm():
    high = dict(STEADY, mean_apex_height_m=2.5 * expected_apex_m(3), period_cv=0.4)
    st = fuse(track_state(30, metrics=high), None)
    keys = {a.key: a for a in st.advice}
    assert "too_high" in keys and keys["too_high"].source == "tracker"
    assert "unsteady" in keys
    assert st.stable.value is False
    low = dict(STEADY, mean_apex_height_m=0.3 * expected_apex_m(3))
    assert [a.key for a in fuse(track_state(30, metrics=low), None).advice] == ["too_low"]


def test_trick_shower_from_siteswap_and_classifier():
    track = track_state(30, metrics=dict(STEADY, siteswap="51"))
    st = fuse(track, class_scores("3b_trick_shower", 0.7))
    assert st.pattern.value == "shower" and st.pattern.source == "both"
    assert st.trick.value == "shower"
    (adv,) = [a for a in st.advice if a.kind == "trick"]
    assert adv.text == catalogue.TRICKS["shower"]


def test_classifier_refines_a_compatible_tracker_pattern():
    # siteswap 3 is a cascade and a reverse cascade: the classifier's finer name wins
    st = fuse(track_state(30, metrics=STEADY), class_scores("3b_trick_reverse", 0.7))
    assert st.pattern.value == "reverse" and st.pattern.source == "both"
    assert st.trick.value == "reverse"


def test_background_class_means_not_juggling():
    st = fuse(None, class_scores("bg_standing", 0.9))
    assert st.juggling.value is False and st.juggling.source == "classifier"
    assert st.ball_count.value == 0
    assert st.pattern.value is None and st.advice == ()


def test_unknown_label_is_no_claim():
    s = class_scores("3b_cascade_good", 0.3)
    s = dataclasses.replace(s, label="uncertain")
    st = fuse(None, s)
    assert st.ball_count.source == "none" and st.label.value is None


def test_state_is_frozen_and_serialisable():
    st = fuse(track_state(3, metrics=STEADY), class_scores("3b_cascade_unsteady", 0.6))
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.ball_count = None  # type: ignore[misc]
    d = json.loads(json.dumps(st.to_dict()))
    assert d["ball_count"]["value"] == 3
    assert {a["key"] for a in d["advice"]} >= {"unsteady"}


def test_fuse_is_pure():
    track = track_state(5, metrics=STEADY, events=(Event(0.1, "throw", 1),))
    scores = class_scores("3b_cascade_good", 0.6)
    assert fuse(track, scores) == fuse(track, scores)


@pytest.mark.parametrize(
    ("siteswap", "pattern"),
    [
        ("3", "cascade"),
        ("5", "cascade"),
        ("4", "fountain"),
        ("51", "shower"),
        ("15", "shower"),
        ("55500", "flash"),
        ("300", "toss"),
        ("330", "exchange"),
        ("531", None),
        ("54", None),  # not a siteswap with an integer ball count
        ("", None),
    ],
)
def test_pattern_of_siteswap(siteswap, pattern):
    assert pattern_of_siteswap(siteswap) == pattern


def test_canonical_siteswap_rotations():
    assert canonical_siteswap("531") == canonical_siteswap("315") == canonical_siteswap("153")
    assert canonical_siteswap("3333") == "3"
    assert canonical_siteswap("5151") == "15"


def test_count_marginals_sum_to_one():
    marg = count_marginals(class_scores("1b_toss_good", 0.5).probs)
    assert sum(marg.values()) == pytest.approx(1.0, abs=1e-5)
    assert set(marg) == {None, 0, 1, 2, 3}
    assert max(marg, key=marg.get) == 1


def test_expected_apex_matches_design_card():
    assert expected_apex_m(3) == pytest.approx(0.42, abs=0.01)


def test_drop_counted_in_metrics_without_an_event():
    st = fuse(track_state(30, metrics=dict(STEADY, drops=0)), None)
    assert st.drops_seen == 0 and "drop" not in [a.key for a in st.advice]
    st = fuse(track_state(31, metrics=dict(STEADY, drops=1)), None, previous=st)
    assert st.drops_seen == 1 and st.last_drop_t_s == pytest.approx(31 / 30)
    assert st.advice[0].key == "drop"
    # the same count on the next frame is not a new drop
    again = fuse(track_state(200, metrics=dict(STEADY, drops=1)), None, previous=st)
    assert again.last_drop_t_s == st.last_drop_t_s and "drop" not in [a.key for a in again.advice]


def test_tracker_sees_close_hands_and_walking():
    cfg = FusionConfig(close_hands_m=0.08)
    m = dict(STEADY, hand_separation_m=0.05, drift_m=0.8)
    keys = {a.key: a.source for a in fuse(track_state(30, metrics=m), None, config=cfg).advice}
    assert keys == {"hands_close": "tracker", "walking": "tracker"}
    ok = dict(STEADY, hand_separation_m=0.15, drift_m=0.1)  # a good cascade's throw points
    assert fuse(track_state(30, metrics=ok), None, config=cfg).advice == ()
    # off by default: the tracker's separation is not a reliable hand width yet
    assert [a.key for a in fuse(track_state(30, metrics=m), None).advice] == ["walking"]


def test_a_guess_near_chance_is_no_claim():
    track = track_state(10, ball_count=3, metrics=STEADY)
    st = fuse(track, class_scores("1b_toss_too_low", 0.05))
    assert st.ball_count.source == "tracker" and st.agree is None
    assert st.label.value is None and [a.key for a in st.advice] == []
    assert fuse(None, class_scores("1b_toss_too_low", 0.05)).ball_count.source == "none"
