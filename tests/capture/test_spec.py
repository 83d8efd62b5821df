"""SOURCE spec dispatch: schemes, paths, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.mot import MotSource
from edge_juggler.capture.tum import TumSource
from edge_juggler.errors import InputError


def test_missing_path_names_it_and_schemes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.mkv: no such file or directory .*kinect:"):
        open_source(tmp_path / "nope.mkv")


def test_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "data.xyz"
    p.write_text("x")
    with pytest.raises(InputError, match=r"data\.xyz: unknown format '\.xyz'"):
        open_source(p)


def test_folder_that_is_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(InputError, match="neither a TUM/record folder nor an image folder"):
        open_source(tmp_path)


def test_dispatch_by_content(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("1,1,0,0,2,2\n")
    assert isinstance(open_source(tmp_path / "t.txt"), MotSource)
    assert isinstance(open_source(f"{tmp_path / 't.txt'}?fps=12"), MotSource)
    with pytest.raises(InputError, match="no rgb.txt or depth.txt|list no frames"):
        (tmp_path / "tum").mkdir()
        (tmp_path / "tum" / "depth.txt").write_text("# empty\n")
        open_source(tmp_path / "tum")
    assert TumSource  # imported for the isinstance checks elsewhere
