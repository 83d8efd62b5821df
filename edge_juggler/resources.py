"""Where the shipped data folders live: ``calibration/`` and ``models/``.

In a source checkout or editable install they sit at the repository root; a
wheel installs them inside the package as ``edge_juggler/_data/`` (see the
``package-dir`` mapping in pyproject.toml). ``EDGE_JUGGLER_HOME`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    home = os.environ.get("EDGE_JUGGLER_HOME")
    candidates = [Path(home) / name] if home else []
    candidates += [_PKG.parent / name, _PKG / "_data" / name]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def calibration_dir() -> Path:
    """Camera profiles, colour/depth thresholds, quantization calibration data."""
    return _find("calibration")


def models_dir() -> Path:
    """Shipped OpenVINO IR files, labels.json and MODEL_CARD.md."""
    return _find("models")
