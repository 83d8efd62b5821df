import pytest

from edge_juggler import siteswap
from edge_juggler.errors import InputError


@pytest.mark.parametrize(
    ("text", "balls"), [("3", 3), ("531", 3), ("441", 3), ("55550", 4), ("b97531", 6), ("71", 4)]
)
def test_valid_patterns_have_expected_ball_count(text: str, balls: int) -> None:
    assert siteswap.parse(text).balls == balls


@pytest.mark.parametrize("text", ["54", "432", "321", ""])
def test_invalid_patterns_raise_one_line_error(text: str) -> None:
    with pytest.raises(InputError) as err:
        siteswap.parse(text)
    assert "\n" not in str(err.value)


def test_canonical_form_merges_rotations_and_repeats() -> None:
    assert str(siteswap.parse("315").canonical()) == "531"
    assert str(siteswap.parse("153153").canonical()) == "531"
    assert str(siteswap.parse("333").canonical()) == "3"
    assert str(siteswap.parse("05555").canonical()) == "55550"


def test_state_of_cascade_and_shower() -> None:
    assert siteswap.parse("3").state() == (True, True, True)
    assert siteswap.parse("51").state() == (True, True, False, True, False)


@pytest.mark.parametrize(
    ("text", "balls", "pairs"),
    [("(4,4)", 4, 1), ("(6x,4)*", 5, 2), ("(4,2x)(2x,4)", 3, 2), ("(4,2x)*", 3, 2)],
)
def test_sync_siteswaps_parse(text: str, balls: int, pairs: int) -> None:
    ss = siteswap.parse_sync(text)
    assert ss.balls == balls and len(ss.pairs) == pairs
    assert siteswap.parse_any(text) == ss


@pytest.mark.parametrize("text", ["(4,3)", "(4,4)(2,4)", "(4,4", "(4)", "(#,4)"])
def test_invalid_sync_siteswaps_raise_one_line_error(text: str) -> None:
    with pytest.raises(InputError) as err:
        siteswap.parse_sync(text)
    assert "\n" not in str(err.value)
