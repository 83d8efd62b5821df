import json

from edge_juggler import catalogue
from tests.conftest import REPO


def test_catalogue_has_27_unique_classes() -> None:
    assert len(set(catalogue.CLASSES)) == 27


def test_ball_count_is_read_off_every_prefix() -> None:
    for name in catalogue.CLASSES:
        info = catalogue.parse_class(name)
        prefix = name.split("_")[0]
        expected = None if prefix == "bg" else int(prefix[0])
        assert info.ball_count == expected
        assert info.description


def test_kinds() -> None:
    assert catalogue.parse_class("3b_cascade_too_high").kind == "mistake"
    assert catalogue.parse_class("3b_trick_shower").pattern == "shower"
    assert catalogue.parse_class("2b_exchange_good").kind == "good"
    assert catalogue.parse_class("bg_empty").kind == "background"


def test_labels_json_matches_catalogue() -> None:
    labels = json.loads((REPO / "models" / "labels.json").read_text())
    assert labels == list(catalogue.CLASSES)
