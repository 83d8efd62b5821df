"""SOURCE spec strings: every command takes its input the same way.

``synthetic:3`` (the default), ``kinect:0``, ``webcam:0``, or a path: an Azure
Kinect ``.mkv``, a TUM RGB-D or ``record`` folder, a video file, an image
folder, a MOT16 ball-track ``.txt``, or a Qualisys mocap ``.tsv``.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from urllib.parse import parse_qsl

from edge_juggler.capture.base import Source
from edge_juggler.errors import InputError

DEFAULT_SOURCE = "synthetic:3"

#: scheme -> "module:function" taking the text after the colon
SCHEMES: dict[str, str] = {
    "synthetic": "edge_juggler.sim.source:open_synthetic",
    "kinect": "edge_juggler.capture.k4a:open_kinect",
    "webcam": "edge_juggler.capture.video:open_webcam",
}

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".m4v", ".webm", ".mpg", ".mpeg", ".mkv"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def _load(target: str):
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def open_source(spec: str | Path | None = None) -> Source:
    """Open a source from a spec string or path; InputError if it cannot be.

    A path may carry options after ``?`` (``tracks.txt?fps=60``, ``clips/?fps=25``);
    they become keyword arguments of the opener.
    """
    spec = DEFAULT_SOURCE if spec is None else str(spec)
    scheme, sep, rest = spec.partition(":")
    if sep and scheme in SCHEMES and not Path(spec).exists():
        return _load(SCHEMES[scheme])(rest)
    path = Path(spec)
    options: dict[str, object] = {}
    if not path.exists() and "?" in spec:
        head, _, query = spec.partition("?")
        if Path(head).exists():
            path = Path(head)
            options = {k: _value(v) for k, v in parse_qsl(query, keep_blank_values=True)}
    if not path.exists():
        raise InputError(
            f"{spec}: no such file or directory (and not a known scheme: "
            f"{', '.join(s + ':' for s in SCHEMES)})"
        )
    opener = _load(_path_opener(path))
    if options:
        params = inspect.signature(opener).parameters
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        known = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY]
        unknown = sorted(k for k in options if k not in known)
        if unknown and not accepts_any:
            raise InputError(f"{spec}: unknown option(s) {unknown}; this source takes {known}")
        return opener(path, **options)
    return opener(path)


def _value(text: str) -> object:
    """Query values: int, then float, then the string itself."""
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _path_opener(path: Path) -> str:
    if path.is_dir():
        if (path / "rgb.txt").exists() or (path / "depth.txt").exists():
            return "edge_juggler.capture.tum:TumSource"
        from edge_juggler.capture.tum import named_pairs

        if named_pairs(path) is not None:  # depth/colour PNGs told apart by name
            return "edge_juggler.capture.tum:TumSource"
        if any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir()):
            return "edge_juggler.capture.video:ImageFolderSource"
        raise InputError(f"{path}: folder is neither a TUM/record folder nor an image folder")
    suffix = path.suffix.lower()
    if suffix == ".mkv":
        return "edge_juggler.capture.mkv:open_mkv"  # Azure Kinect or plain video
    if suffix in VIDEO_SUFFIXES:
        return "edge_juggler.capture.video:VideoSource"
    if suffix in {".txt", ".csv"}:
        return "edge_juggler.capture.mot:MotSource"
    if suffix == ".tsv":
        return "edge_juggler.capture.mocap:MocapSource"  # Qualisys motion capture
    if suffix in IMAGE_SUFFIXES:
        return "edge_juggler.capture.video:ImageFolderSource"
    raise InputError(f"{path}: unknown format {suffix or '(no extension)'!r}")
