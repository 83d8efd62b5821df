"""The progress store: round trip, atomic writes, corrupt files are errors (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge_juggler.cli import main
from edge_juggler.coach import progress as progress_mod
from edge_juggler.coach.lessons import LADDER
from edge_juggler.coach.progress import (
    SCHEMA,
    Progress,
    default_progress_path,
    load_progress,
    save_progress,
)
from edge_juggler.errors import InputError


def _sample() -> Progress:
    prog = Progress()
    rec = prog.record("toss")
    rec.passed, rec.passed_at, rec.sessions = True, "2026-01-02T03:04:05+00:00", 3
    rec.practice_s, rec.best_run, rec.mistakes = 95.5, 14, {"too_high": 2, "drop": 1}
    prog.record("exchange").sessions = 1
    return prog


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "sub" / "progress.json"
    prog = _sample()
    prog.unknown["juggle_4_balls"] = {"passed": True, "future_field": [1, 2]}
    save_progress(path, prog)
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA
    back = load_progress(path)
    assert back.lessons["toss"] == prog.lessons["toss"]
    assert back.lessons["exchange"].sessions == 1
    assert back.unknown == {"juggle_4_balls": {"passed": True, "future_field": [1, 2]}}
    assert back.created and back.updated
    assert back.current_lesson().id == "exchange"
    assert back.next_after(LADDER[0]).id == "exchange"
    # saving again keeps the creation time
    created = back.created
    save_progress(path, back)
    assert load_progress(path).created == created


def test_missing_file_is_a_fresh_learner(tmp_path):
    prog = load_progress(tmp_path / "nothing.json")
    assert prog.lessons == {}
    assert prog.current_lesson().id == LADDER[0].id


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_progress_path() == tmp_path / "xdg" / "edge_juggler" / "progress.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    want = tmp_path / "home" / ".local" / "share" / "edge_juggler" / "progress.json"
    assert default_progress_path() == want


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, exc):
    path = tmp_path / "progress.json"
    save_progress(path, _sample())
    before = path.read_bytes()

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr(progress_mod.os, "replace", boom)
    prog = load_progress(path)
    prog.record("toss").sessions = 99
    with pytest.raises(InputError if isinstance(exc, OSError) else KeyboardInterrupt) as info:
        save_progress(path, prog)
    if isinstance(exc, OSError):
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]  # no temp left


def test_kill_during_writes_never_leaves_a_broken_file(tmp_path):
    """SIGKILL a process that saves in a loop: the file on disk is always a whole record."""
    path = tmp_path / "progress.json"
    save_progress(path, _sample())
    code = (
        "import sys\n"
        "from edge_juggler.coach.progress import load_progress, save_progress\n"
        "p = sys.argv[1]\n"
        "prog = load_progress(p)\n"
        "prog.unknown['pad'] = 'x' * 200000\n"
        "print('go', flush=True)\n"
        "while True:\n"
        "    prog.record('toss').sessions += 1\n"
        "    save_progress(p, prog)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "go"
        time.sleep(0.4)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    back = load_progress(path)
    assert back.lessons["toss"].sessions >= 3
    assert len(back.unknown.get("pad", "")) in (0, 200000)


@pytest.mark.parametrize(
    "content, what",
    [
        (
            b'{"schema": "edge_juggler.progress/1", "lessons": {"toss": {"passed": tr',
            "invalid JSON",
        ),
        (b"[1, 2]", "not a JSON object"),
        (b'{"schema": "something/9", "lessons": {}}', "schema"),
        (b'{"schema": "edge_juggler.progress/1", "lessons": {"toss": {"best_run": "x"}}}', "type"),
        (b'{"schema": "edge_juggler.progress/1", "lessons": {"toss": {"sessions": -1}}}', "neg"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
    ],
)
def test_corrupt_file_is_an_input_error(tmp_path, content, what):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_progress(path)
    msg = str(info.value)
    assert str(path) in msg and what in msg and "\n" not in msg
    assert path.read_bytes() == content  # never reset


def test_corrupt_file_exits_2_via_the_cli(tmp_path, capsys):
    path = tmp_path / "progress.json"
    path.write_text("{ not json")
    assert main(["coach", "--status", "--progress", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("edge-juggler: error: ") and str(path) in err
    assert len(err.splitlines()) == 1
    # a session refuses to start (and to overwrite it) before opening any source
    assert main(["coach", "--headless", "--seconds", "1", "--progress", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
    assert path.read_text() == "{ not json"


def test_status_prints_the_ladder(tmp_path, capsys):
    path = tmp_path / "progress.json"
    save_progress(path, _sample())
    assert main(["coach", "--status", "--progress", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"progress: {path}"
    assert lines[1].startswith("[x] 1. One-ball toss") and "best run 14" in lines[1]
    assert lines[2].startswith("[>] 2. Two-ball exchange")
    assert all(ln.startswith("[ ]") for ln in lines[3:6])
    assert lines[-1] == f"1/{len(LADDER)} lessons passed"
    # --status on a fresh path creates nothing
    fresh = tmp_path / "fresh.json"
    assert main(["coach", "--status", "--progress", str(fresh)]) == 0
    assert not fresh.exists()
    assert os.listdir(tmp_path) == ["progress.json"]


def test_progress_dir_is_not_a_file(tmp_path, capsys):
    assert main(["coach", "--status", "--progress", str(tmp_path)]) == 2
    assert str(tmp_path) in capsys.readouterr().err


def test_unwritable_folder_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError) as info:
        save_progress(Path(blocker) / "progress.json", Progress())
    assert "cannot write progress file" in str(info.value)
