"""MOT16 ball tracks: real annotated juggling files and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.mot import MotSource
from edge_juggler.errors import InputError

SITESWAPS = ["1", "3", "4", "5", "31", "40", "51", "423", "441", "531", "633", "744"]


@pytest.mark.parametrize("siteswap", SITESWAPS)
def test_all_real_track_files_parse(shared_data: Path, siteswap: str) -> None:
    path = shared_data / "tfg_siteswap_tracks" / f"{siteswap}_manual2.txt"
    src = open_source(path)
    assert isinstance(src, MotSource) and src.modality == "tracks"
    frames = list(src)
    assert len(frames) == src.frame_count > 100
    balls = sum(int(c) for c in siteswap) // len(siteswap)
    assert len(src.ids) == balls  # the number of ids equals the ball count
    tracks = frames[0].extras["tracks"]
    assert tracks.shape[1] == 3 and frames[0].color is None and frames[0].depth is None
    # portrait video about 1080x1920: centres land inside it
    allc = np.concatenate([f.extras["tracks"] for f in frames])
    assert 0 <= allc[:, 1].min() and allc[:, 1].max() < 1200 and allc[:, 2].max() < 2000


def test_centres_and_time(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text(
        "1,1,100,200,50,50,1,-1,-1,-1\n1,2,10,20,4,6,1,-1,-1,-1\n3,1,110,190,50,50,1,-1,-1,-1\n"
    )
    frames = list(open_source(f"{p}?fps=60"))
    assert len(frames) == 3
    assert frames[0].extras["tracks"].tolist() == [[1, 125, 225], [2, 12, 23]]
    assert frames[1].extras["tracks"].shape == (0, 3)  # frame 2: nothing annotated
    assert [f.timestamp_us for f in frames] == [0, 16667, 33333]


def test_fps_from_sidecar(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("1,1,0,0,2,2\n2,1,1,1,2,2\n")
    (tmp_path / "t.json").write_text(json.dumps({"fps": 50}))
    assert MotSource(p).fps == 50
    assert [f.timestamp_us for f in MotSource(p)] == [0, 20_000]


@pytest.mark.parametrize(
    "text, line",
    [
        ("1,1,0,0,2,2\nhello world\n", 2),
        ("1,1,0,0,2,2\n\n2,1,0,0\n", 3),
        ("0,1,0,0,2,2\n", 1),
        ("1,1,0,0,nan,2\n", 1),
    ],
)
def test_garbage_line_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(InputError, match=rf"bad\.txt: line {line}: "):
        open_source(p)


def test_empty_track_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_text("# nothing\n")
    with pytest.raises(InputError, match="no tracks"):
        MotSource(p)
