"""The learner's progress: one small JSON file, written atomically, never silently reset.

Where: ``$XDG_DATA_HOME/edge_juggler/progress.json`` (``~/.local/share/...``
when XDG_DATA_HOME is unset), or any path given with ``--progress``. A write
goes to a temporary file in the same folder, is flushed to disk and then
renamed over the old file (``os.replace`` is atomic), so a process killed at
any moment leaves either the old record or the new one, never half a file.

A file that exists but cannot be read as a progress record is an ``InputError``
naming it (exit 2): months of practice must not vanish because of one bad
byte; the learner moves the file away to start over. Lessons the ladder does not
know (a newer version wrote them) are kept as they are.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edge_juggler.errors import InputError

from .lessons import LADDER, Lesson

SCHEMA = "edge_juggler.progress/1"
APP_DIR = "edge_juggler"
FILENAME = "progress.json"


def default_progress_path() -> Path:
    """``$XDG_DATA_HOME/edge_juggler/progress.json``, else ``~/.local/share/...``."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / APP_DIR / FILENAME


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class LessonRecord:
    """What the learner has done in one lesson, over all sessions."""

    passed: bool = False
    passed_at: str | None = None  # ISO 8601 UTC of the first pass
    sessions: int = 0
    practice_s: float = 0.0  # seconds of source time watched in this lesson
    best_run: int = 0  # most throws in a row
    mistakes: dict[str, int] = field(default_factory=dict)  # onsets seen, by catalogue key
    last_session: str | None = None
    demo_sessions: int = 0  # sessions watching the synthetic juggler (not the learner)
    demo_passed: bool = False  # the synthetic juggler passed this lesson

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "passed_at": self.passed_at,
            "sessions": self.sessions,
            "practice_s": round(self.practice_s, 2),
            "best_run": self.best_run,
            "mistakes": dict(sorted(self.mistakes.items())),
            "last_session": self.last_session,
            "demo_sessions": self.demo_sessions,
            "demo_passed": self.demo_passed,
        }


def _bad(path: Path | str, what: str) -> InputError:
    return InputError(f"{path}: corrupt progress file ({what}); move it away to start over")


def _record_from(data: Any, path: Path | str, key: str) -> LessonRecord:
    if not isinstance(data, dict):
        raise _bad(path, f"lesson {key!r} is not an object")

    def get(name: str, kinds: tuple[type, ...], default: Any) -> Any:
        v = data.get(name, default)
        if v is None and default is None:
            return None
        if isinstance(v, bool) and bool not in kinds:
            raise _bad(path, f"lessons.{key}.{name} has the wrong type")
        if not isinstance(v, kinds):
            raise _bad(path, f"lessons.{key}.{name} has the wrong type")
        return v

    practice = float(get("practice_s", (int, float), 0.0))
    best = get("best_run", (int,), 0)
    sessions = get("sessions", (int,), 0)
    demo_sessions = get("demo_sessions", (int,), 0)
    if not math.isfinite(practice) or min(practice, best, sessions, demo_sessions) < 0:
        raise _bad(path, f"lessons.{key} has a negative or non-finite count")
    mistakes = get("mistakes", (dict,), {})
    for mk, mv in mistakes.items():
        if not isinstance(mv, int) or isinstance(mv, bool) or mv < 0:
            raise _bad(path, f"lessons.{key}.mistakes.{mk} is not a count")
    return LessonRecord(
        passed=get("passed", (bool,), False),
        passed_at=get("passed_at", (str,), None),
        sessions=sessions,
        practice_s=practice,
        best_run=best,
        mistakes=dict(mistakes),
        last_session=get("last_session", (str,), None),
        demo_sessions=demo_sessions,
        demo_passed=get("demo_passed", (bool,), False),
    )


@dataclass
class Progress:
    """All lessons' records, plus whatever unknown lessons the file held."""

    lessons: dict[str, LessonRecord] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)
    created: str | None = None
    updated: str | None = None

    def record(self, lesson_id: str) -> LessonRecord:
        rec = self.lessons.get(lesson_id)
        if rec is None:
            rec = self.lessons[lesson_id] = LessonRecord()
        return rec

    def is_passed(self, lesson_id: str) -> bool:
        rec = self.lessons.get(lesson_id)
        return bool(rec and rec.passed)

    def current_lesson(self) -> Lesson:
        """The first lesson not passed yet (the last one when all are)."""
        for lesson in LADDER:
            if not self.is_passed(lesson.id):
                return lesson
        return LADDER[-1]

    def next_after(self, lesson: Lesson) -> Lesson | None:
        """The first lesson after ``lesson`` that is not passed yet, or None."""
        ids = [x.id for x in LADDER]
        for later in LADDER[ids.index(lesson.id) + 1 :]:
            if not self.is_passed(later.id):
                return later
        return None

    def to_dict(self) -> dict[str, Any]:
        lessons: dict[str, Any] = {}
        for lesson in LADDER:  # ladder order, then the unknown ones untouched
            if lesson.id in self.lessons:
                lessons[lesson.id] = self.lessons[lesson.id].to_dict()
        lessons.update({k: v for k, v in self.unknown.items() if k not in lessons})
        return {
            "schema": SCHEMA,
            "created": self.created,
            "updated": self.updated,
            "lessons": lessons,
        }

    @classmethod
    def from_dict(cls, data: Any, path: Path | str = "progress") -> Progress:
        if not isinstance(data, dict):
            raise _bad(path, "not a JSON object")
        if data.get("schema") != SCHEMA:
            raise _bad(path, f"schema is {data.get('schema')!r}, expected {SCHEMA!r}")
        raw = data.get("lessons", {})
        if not isinstance(raw, dict):
            raise _bad(path, "'lessons' is not an object")
        known = {lesson.id for lesson in LADDER}
        prog = cls(created=_opt_str(data, "created", path), updated=_opt_str(data, "updated", path))
        for key, value in raw.items():
            if key in known:
                prog.lessons[key] = _record_from(value, path, key)
            else:
                prog.unknown[key] = value
        return prog


def _opt_str(data: dict, key: str, path: Path | str) -> str | None:
    v = data.get(key)
    if v is not None and not isinstance(v, str):
        raise _bad(path, f"'{key}' is not a string")
    return v


def load_progress(path: Path | str) -> Progress:
    """Read the record at ``path``; a missing file is a fresh learner, a bad one an error."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a progress file")
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress()
    except UnicodeDecodeError:
        raise _bad(p, "not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read progress file ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(p, f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    return Progress.from_dict(data, p)


def save_progress(path: Path | str, progress: Progress) -> Path:
    """Write atomically: temp file in the same folder, fsync, ``os.replace``."""
    p = Path(path)
    stamp = now_iso()
    progress.created = progress.created or stamp
    progress.updated = stamp
    text = json.dumps(progress.to_dict(), indent=2, allow_nan=False) + "\n"
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise InputError(f"{p}: cannot write progress file ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InputError(f"{p}: cannot write progress file ({exc.strerror})") from None
        raise
    _fsync_dir(p.parent)
    return p


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
