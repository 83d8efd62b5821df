"""The juggler's body: proportions, clothing, and a pose that ends in the hands.

Proportions follow standard anthropometric fractions of body height; the arms
are solved by two-link inverse kinematics so the hands land exactly where the
physics put them (the elbows point down, out and back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHIRTS = (
    (200, 40, 40),
    (40, 70, 160),
    (30, 120, 60),
    (230, 230, 225),
    (35, 35, 40),
    (120, 120, 130),
    (150, 90, 160),
    (230, 170, 40),
    (90, 60, 40),
    (60, 150, 170),
)
TROUSERS = ((40, 45, 70), (30, 30, 30), (90, 80, 60), (110, 110, 120), (60, 70, 110))
SKINS = ((241, 194, 160), (224, 172, 125), (198, 134, 86), (141, 85, 54), (92, 58, 38))
SHOES = ((35, 30, 28), (220, 220, 215), (90, 60, 40), (40, 50, 90))
HAIRS = ((30, 22, 18), (80, 50, 30), (160, 120, 60), (200, 180, 120), (60, 60, 60))


@dataclass(frozen=True)
class Body:
    """A person: size and colours (RGB 0-255)."""

    height: float
    girth: float  # 1.0 = average build
    shirt: tuple[int, int, int]
    trousers: tuple[int, int, int]
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    hair_absorbs_ir: bool  # dark hair often returns no ToF depth
    long_sleeves: bool = False
    shoes: tuple[int, int, int] = (40, 35, 30)

    @property
    def shoulder_half(self) -> float:
        return 0.129 * self.height * self.girth

    @property
    def hip_half(self) -> float:
        return 0.095 * self.height * self.girth

    @property
    def upper_arm(self) -> float:
        return 0.186 * self.height

    @property
    def forearm(self) -> float:
        return 0.175 * self.height  # elbow to palm centre

    @property
    def head_radius(self) -> float:
        return 0.062 * self.height

    @property
    def hand_y(self) -> float:
        """Comfortable juggling height of the hands above the floor (about the waist)."""
        return 0.6 * self.height

    @property
    def torso_depth(self) -> float:
        return 0.12 * self.height * self.girth

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Body:
        return cls(
            height=float(rng.uniform(1.55, 1.95)),
            girth=float(rng.uniform(0.9, 1.15)),
            shirt=_jitter(SHIRTS[rng.integers(len(SHIRTS))], rng),
            trousers=_jitter(TROUSERS[rng.integers(len(TROUSERS))], rng),
            skin=_jitter(SKINS[rng.integers(len(SKINS))], rng, 10),
            hair=_jitter(HAIRS[rng.integers(len(HAIRS))], rng, 10),
            hair_absorbs_ir=bool(rng.random() < 0.5),
            long_sleeves=bool(rng.random() < 0.5),
            shoes=_jitter(SHOES[rng.integers(len(SHOES))], rng, 15),
        )


def _jitter(c: tuple[int, int, int], rng: np.random.Generator, amount: int = 25):
    return tuple(int(np.clip(v + rng.integers(-amount, amount + 1), 0, 255)) for v in c)


def yaw_matrix(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def elbow_position(
    shoulder: np.ndarray, hand: np.ndarray, l1: float, l2: float, pole: np.ndarray
) -> np.ndarray:
    """Two-link IK: the elbow so that |S-E| = l1 and |E-H| = l2, bent towards ``pole``."""
    d_vec = hand - shoulder
    d = float(np.linalg.norm(d_vec))
    d = min(max(d, abs(l1 - l2) + 1e-3), l1 + l2 - 1e-3)
    u = d_vec / max(np.linalg.norm(d_vec), 1e-9)
    a = (l1 * l1 - l2 * l2 + d * d) / (2 * d)
    r = np.sqrt(max(l1 * l1 - a * a, 0.0))
    w = pole - np.dot(pole, u) * u
    n = np.linalg.norm(w)
    w = w / n if n > 1e-9 else np.array([0.0, -1.0, 0.0])
    return shoulder + a * u + r * w


#: joint names in the order of ``pose`` rows
JOINTS = (
    "head",
    "neck",
    "r_shoulder",
    "l_shoulder",
    "r_elbow",
    "l_elbow",
    "r_hand",
    "l_hand",
    "r_hip",
    "l_hip",
    "r_knee",
    "l_knee",
    "r_foot",
    "l_foot",
    "chest",
)
J = {name: i for i, name in enumerate(JOINTS)}


def pose(
    body: Body,
    origin: np.ndarray,
    yaw: float,
    hands: np.ndarray,
    step_phase: float = 0.0,
    stride: float = 0.0,
    lean: float = 0.0,
) -> np.ndarray:
    """World positions (len(JOINTS), 3) of the joints for hands at ``hands`` (2, 3).

    ``origin`` is the point on the floor between the feet; the person faces -z
    (the camera) turned by ``yaw``. ``stride`` > 0 swings the legs (walking).
    """
    h = body.height
    rot = yaw_matrix(yaw)
    out = np.empty((len(JOINTS), 3))

    def at(x: float, y: float, z: float) -> np.ndarray:
        return origin + rot @ np.array([x, y, z])

    sh, hh = body.shoulder_half, body.hip_half
    out[J["head"]] = at(0.0, 0.93 * h, lean * 0.3)
    out[J["neck"]] = at(0.0, 0.85 * h, lean * 0.2)
    out[J["chest"]] = at(0.0, 0.72 * h, lean * 0.1)
    out[J["r_shoulder"]] = at(-sh, 0.815 * h, lean * 0.15)
    out[J["l_shoulder"]] = at(sh, 0.815 * h, lean * 0.15)
    out[J["r_hip"]] = at(-hh, 0.53 * h, 0.0)
    out[J["l_hip"]] = at(hh, 0.53 * h, 0.0)
    swing = stride * np.sin(step_phase)
    lift_r = 0.05 * h * max(np.sin(step_phase), 0.0) * (stride > 0)
    lift_l = 0.05 * h * max(-np.sin(step_phase), 0.0) * (stride > 0)
    out[J["r_knee"]] = at(-hh * 0.9, 0.285 * h + lift_r, -0.5 * swing - 0.02)
    out[J["l_knee"]] = at(hh * 0.9, 0.285 * h + lift_l, 0.5 * swing - 0.02)
    out[J["r_foot"]] = at(-hh * 0.85, 0.04 + lift_r * 0.5, -swing)
    out[J["l_foot"]] = at(hh * 0.85, 0.04 + lift_l * 0.5, swing)
    out[J["r_hand"]] = hands[0]
    out[J["l_hand"]] = hands[1]
    back = rot @ np.array([0.0, 0.0, 1.0])
    for side, s_name, e_name, hand in (
        (-1, "r_shoulder", "r_elbow", 0),
        (1, "l_shoulder", "l_elbow", 1),
    ):
        pole = rot @ np.array([0.5 * side, -1.0, 0.0]) + 0.6 * back
        out[J[e_name]] = elbow_position(
            out[J[s_name]], hands[hand], body.upper_arm, body.forearm, pole
        )
    return out
