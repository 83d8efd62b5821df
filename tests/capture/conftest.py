"""Fixtures for capture tests: small files made on the fly (never copies of shared data)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest


def remux_k4a(src: Path, dst: Path, copies: int, step_us: int = 200_000) -> Path:
    """A multi-capture Azure Kinect file: the real recording's packets repeated in time.

    Keeps titles, K4A_* tags and the calibration.json attachment, so the reader
    sees the same layout as k4arecorder output with ``copies`` captures.
    """
    inp = av.open(str(src))
    out = av.open(str(dst), "w", format="matroska", options={"allow_raw_vfw": "1"})
    streams = list(inp.streams.video)
    omap = {}
    for s in streams:
        o = out.add_stream_from_template(s)
        for k, v in s.metadata.items():
            o.metadata[k] = v
        omap[s.index] = o
    for a in inp.streams.attachments:
        out.add_attachment(a.name, a.mimetype, bytes(a.data))
    for k, v in inp.metadata.items():
        out.metadata[k] = v
    packets = [p for p in inp.demux(streams) if p.size]
    for i in range(copies):
        for p in packets:
            q = av.Packet(bytes(p))
            q.stream = omap[p.stream.index]
            q.time_base = p.time_base
            q.pts = q.dts = p.pts + i * step_us
            out.mux(q)
    out.close()
    inp.close()
    return dst


@pytest.fixture(scope="session")
def k4a_multi(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six captures, 200 ms apart, built from the real recording."""
    dst = tmp_path_factory.mktemp("k4a") / "multi.mkv"
    return remux_k4a(shared_data / "pyk4a" / "recording.mkv", dst, copies=6)


def make_video(
    path: Path, frames: int, size: tuple[int, int] = (64, 48), fps: int = 25, seed: int = 0
) -> list[np.ndarray]:
    """Encode random-ish RGB frames with mpeg4; returns what was fed to the encoder."""
    rng = np.random.default_rng(seed)
    out = av.open(str(path), "w")
    s = out.add_stream("mpeg4", rate=fps)
    s.width, s.height = size
    s.pix_fmt = "yuv420p"
    fed = []
    for i in range(frames):
        img = np.full((size[1], size[0], 3), (i * 7) % 255, np.uint8)
        img[:, : size[0] // 2] = rng.integers(0, 255, (size[1], size[0] // 2, 3), dtype=np.uint8)
        fed.append(img)
        for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(pkt)
    for pkt in s.encode():
        out.mux(pkt)
    out.close()
    return fed


@pytest.fixture()
def video_file(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    make_video(path, frames=12)
    return path
