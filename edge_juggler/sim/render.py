"""Depth and colour rendering of a juggling world through a profile's pinhole camera.

Speed comes from doing the per-pixel work once per scenario: the static room
(wall, floor, furniture) is ray-cast once into clean depth and colour, and a
few noisy variants of it are stored. Per frame only the person and the balls
are drawn with OpenCV primitives (painter's order, far to near) into a scratch
depth layer, and the sensor model (distance-dependent noise, quantisation,
dropouts and flying pixels at edges, holes on shiny balls and dark hair) is
applied inside their bounding box using precomputed random tables.

Colour is rendered at the depth camera's geometry (like the Azure Kinect SDK's
colour-to-depth transformation), so the two images are pixel-registered and
``Frame.color_intrinsics`` stays None. Profiles without depth render colour at
their colour intrinsics.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge_juggler.capture.profiles import CameraProfile
from edge_juggler.frames import Intrinsics
from edge_juggler.sim.juggler import J
from edge_juggler.sim.scenarios import World, WorldState

SHIFT = 2  # sub-pixel bits for cv2 drawing
ONE = 1 << SHIFT
HOLE = 1  # scratch depth value meaning "surface returns no depth"
N_VARIANTS = 4


def noise_sd_mm(z_mm: np.ndarray | float) -> np.ndarray | float:
    """Depth noise (1 sigma) of the simulated time-of-flight sensor, growing with distance."""
    z = np.asarray(z_mm, dtype=np.float32) * 1e-3
    return 0.5 + 0.35 * z * z


def valid_mask(profile: CameraProfile | None, intr: Intrinsics) -> np.ndarray:
    """Pixels the sensor can measure at all: NFOV hexagon, WFOV circle, or everything."""
    w, h = intr.width, intr.height
    mask = np.zeros((h, w), np.uint8)
    kind = profile.depth_mask if profile is not None else None
    if kind == "nfov_hexagon":
        # the NFOV illuminator's hexagon, traced from a real NFOV unbinned frame: pointy
        # left and right at 50 % height, the flat top and bottom just outside the image
        pts = np.array(
            [
                (-0.006, 0.503),
                (0.270, -0.07),
                (0.739, -0.07),
                (1.07, 0.503),
                (0.773, 1.068),
                (0.264, 1.068),
            ]
        )
        poly = np.round(pts * [w - 1, h - 1]).astype(np.int32)
        cv2.fillConvexPoly(mask, poly, 1)
    elif kind == "wfov_circle":
        cv2.circle(mask, (w // 2, h // 2), int(0.5 * min(w, h) * 0.985), 1, -1)
    else:
        mask[:] = 1
    return mask


@dataclass
class Rendered:
    depth: np.ndarray | None
    color: np.ndarray | None
    ball_visible: np.ndarray  # (n,) bool: in the image and not hidden behind a hand/arm
    ball_in_depth: np.ndarray  # (n,) bool: visible and measurable by the depth sensor
    ball_px: np.ndarray  # (n, 2)
    hand_px: np.ndarray  # (2, 2)
    ball_cam: np.ndarray  # (n, 3) camera-frame metres
    hand_cam: np.ndarray  # (2, 3)


class Renderer:
    """Draws ``WorldState``s of one world; everything static is precomputed here."""

    def __init__(
        self,
        world: World,
        profile: CameraProfile,
        *,
        scale: float = 1.0,
        depth: bool = True,
        color: bool = True,
    ) -> None:
        self.world = world
        self.profile = profile
        base = profile.depth or profile.color
        assert base is not None
        if scale != 1.0:
            base = base.scaled(
                max(8, round(base.width * scale)), max(8, round(base.height * scale))
            )
        self.intr = base
        self.want_depth = depth and profile.depth is not None
        # Kinect v1 is structured light: depth comes in disparity steps that grow as z^2
        self.structured_light = profile.name.startswith("kinect_v1")
        self.want_color = color
        self.range_mm = (
            (int(profile.depth_range_m[0] * 1000), int(profile.depth_range_m[1] * 1000))
            if profile.depth_range_m
            else (300, 6000)
        )
        self.rng = np.random.default_rng([world.seed, 11])
        w, h = base.width, base.height
        self.w, self.h = w, h
        self.f = 0.5 * (base.fx + base.fy)
        self.mask = valid_mask(profile if self.want_depth else None, base)
        self._build_background()
        pad = 64
        self._gauss = (self.rng.standard_normal((h + pad, w + pad))).astype(np.float32)
        self._unif = self.rng.integers(0, 256, (h + pad, w + pad), dtype=np.uint8)
        cnoise = self.rng.normal(0, 2.2, (h + pad, w + pad, 3)).astype(np.int16)
        # split into a brightening and a darkening part for saturating uint8 adds
        self._cnoise_pos = np.clip(cnoise, 0, 255).astype(np.uint8)
        self._cnoise_neg = np.clip(-cnoise, 0, 255).astype(np.uint8)
        self._scratch = np.zeros((h, w), np.uint16)
        self._frame = 0
        wb = self.rng.uniform(0.85, 1.15, 3)
        self.gain = (wb / wb.mean() * self.rng.uniform(0.75, 1.15)).astype(np.float32)
        self.exposure_s = float(self.rng.uniform(0.008, 0.02))
        self._colour_cache: dict = {}
        self._limbs = None

    # ------------------------------------------------------------------ static room
    def _build_background(self) -> None:
        intr, cam, rng = self.intr, self.world.camera, self.rng
        h, w = self.h, self.w
        u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        rays_c = np.stack(
            [(u - intr.cx) / intr.fx, (v - intr.cy) / intr.fy, np.ones_like(u)], axis=-1
        )
        rays_w = rays_c @ cam.rotation  # camera -> world direction (z_cam = 1 per unit t)
        c = cam.centre
        far = 1e9
        t_best = np.full((h, w), far)
        colour = np.zeros((h, w, 3), np.float32)
        shade = np.ones((h, w), np.float32)
        dark = np.zeros((h, w), bool)
        # floor y = 0
        dy = rays_w[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_floor = np.where(dy < -1e-6, -c[1] / dy, far)
        floor_col = np.array(
            [(150, 110, 70), (120, 120, 120), (170, 150, 120), (90, 80, 75)][rng.integers(4)],
            np.float32,
        )
        wall_z = float(rng.uniform(3.0, 4.6))
        wall_col = np.array(
            [(225, 220, 205), (200, 205, 210), (235, 235, 235), (190, 170, 150)][rng.integers(4)],
            np.float32,
        )
        dz = rays_w[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_wall = np.where(dz > 1e-6, (wall_z - c[2]) / dz, far)
        sel = t_floor < t_best
        t_best[sel] = t_floor[sel]
        colour[sel] = floor_col
        shade[sel] = 0.85
        sel = t_wall < t_best
        t_best[sel] = t_wall[sel]
        colour[sel] = wall_col
        # furniture and clutter: boxes standing on the floor
        light = np.array([0.3, 0.8, -0.5])
        light /= np.linalg.norm(light)
        for _ in range(int(rng.integers(3, 8))):
            side = rng.choice([-1.0, 1.0])
            bw, bh, bd = rng.uniform(0.3, 1.2), rng.uniform(0.3, 1.9), rng.uniform(0.3, 0.8)
            x0 = side * rng.uniform(0.5, 2.2) - bw / 2
            z0 = rng.uniform(2.6, wall_z - 0.05) if rng.random() < 0.8 else rng.uniform(1.0, 1.8)
            if z0 < 2.0:  # near clutter stays at the edges
                x0 = side * rng.uniform(1.0, 2.0) - bw / 2
            lo = np.array([x0, 0.0, min(z0, wall_z - bd)])
            hi = lo + np.array([bw, bh, bd])
            t_box, normal = _ray_box(c, rays_w, lo, hi)
            sel = t_box < t_best
            t_best[sel] = t_box[sel]
            col = rng.integers(20, 235, 3).astype(np.float32)
            colour[sel] = col
            lam = 0.55 + 0.45 * np.clip(normal[sel] @ -light, 0, 1)
            shade[sel] = lam
            if col.mean() < 50:
                dark[sel] = True
        depth_m = np.where(t_best < far, t_best, 0.0)  # t along a z_cam=1 ray = z_cam
        # texture and light falloff for colour
        tex = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 12 * w / 640)
        tex = tex / (tex.std() + 1e-6)
        fine = rng.normal(0, 1, (h, w)).astype(np.float32)
        r2 = ((u - w / 2) / w) ** 2 + ((v - h / 2) / h) ** 2
        vign = (1.0 - 0.5 * r2).astype(np.float32)
        # light from one side: a gentle left-right and top-bottom ramp
        ramp = 1.0 + rng.uniform(-0.25, 0.25) * (u / w - 0.5) + rng.uniform(-0.15, 0.1) * (v / h)
        lum = shade * vign * ramp.astype(np.float32) * (1.0 + 0.025 * tex + 0.015 * fine)
        wall_px = (t_wall <= t_best + 1e-9) & (t_wall < far)
        self._add_posters(colour, wall_px, wall_z, rng)
        self.bg_color_clean = np.clip(colour * lum[..., None], 0, 255)
        # clean and noisy depth
        z_mm = (depth_m * 1000.0).astype(np.float32)
        lo_mm, hi_mm = self.range_mm
        self.bg_depth_clean = np.where((z_mm >= lo_mm) & (z_mm <= hi_mm), z_mm, 0).astype(np.uint16)
        # dropout probability: a few random pixels everywhere, most on dark (low-IR)
        # furniture, and more on the floor the further (and more grazing) it is
        floor_far = (t_floor <= t_best + 1e-9) & (t_floor < far)
        drop_p = np.full((h, w), 0.004, np.float32)
        drop_p += np.where(dark, 0.6, 0.0).astype(np.float32)
        drop_p += np.where(floor_far, np.clip((z_mm - 2500) / 3000, 0, 0.5), 0.0).astype(np.float32)
        self._bg_drop_p = drop_p

    def _add_posters(
        self, colour: np.ndarray, wall_px: np.ndarray, wall_z: float, rng: np.random.Generator
    ) -> None:
        """Flat pictures, posters and a door on the back wall (colour only: they add no depth)."""
        cam, intr = self.world.camera, self.intr
        for _ in range(int(rng.integers(0, 4))):
            door = rng.random() < 0.2
            pw, ph_ = (0.9, 2.0) if door else (rng.uniform(0.3, 1.0), rng.uniform(0.3, 0.9))
            x = rng.uniform(-2.0, 2.0)
            y = 0.0 if door else rng.uniform(0.9, 2.0)
            corners = np.array(
                [
                    [x, y, wall_z],
                    [x + pw, y, wall_z],
                    [x + pw, y + ph_, wall_z],
                    [x, y + ph_, wall_z],
                ]
            )
            pc = cam.to_camera(corners)
            if np.any(pc[:, 2] <= 0.1):
                continue
            px = np.round(intr.project(pc)).astype(np.int32)
            mask = np.zeros(wall_px.shape, np.uint8)
            cv2.fillConvexPoly(mask, px, 1)
            sel = (mask > 0) & wall_px
            base = rng.integers(30, 230, 3).astype(np.float32)
            if door:
                colour[sel] = base * 0.6
            else:
                # a picture: two colour bands
                vv = np.indices(wall_px.shape)[0]
                split = px[:, 1].min() + (px[:, 1].max() - px[:, 1].min()) * rng.uniform(0.3, 0.7)
                other = rng.integers(30, 230, 3).astype(np.float32)
                colour[sel & (vv < split)] = base
                colour[sel & (vv >= split)] = other

    def _quantise(self, z_mm: np.ndarray) -> np.ndarray:
        """Whole millimetres (ToF), or Kinect v1 disparity steps of 2.85e-3 z^2 m."""
        if not self.structured_light:
            return np.round(z_mm)
        z = np.maximum(z_mm, 1.0)
        k = 1.0 / 2.85e-6  # disparity units per 1/mm: step(z) = 2.85e-6 z^2 mm
        return np.where(z_mm > 0, 1.0 / (np.round(k / z) / k), 0.0)

    def _noisy_background(self) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_bg_variants"):
            self._bg_variants = [self._make_bg_variant() for _ in range(N_VARIANTS)]
        return self._bg_variants[int(self.rng.integers(N_VARIANTS))]

    def _make_bg_variant(self) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        h, w = self.h, self.w
        depth = None
        if self.want_depth:
            z = self.bg_depth_clean.astype(np.float32)
            noisy = z + rng.standard_normal((h, w)).astype(np.float32) * noise_sd_mm(z)
            noisy = self._quantise(noisy)
            drop = rng.random((h, w)).astype(np.float32) < self._bg_drop_p
            edges = _depth_edges(self.bg_depth_clean)
            edge_u = rng.random((h, w))
            drop |= edges & (edge_u < 0.5)
            noisy[drop] = 0
            noisy[self.bg_depth_clean == 0] = 0
            noisy *= self.mask
            depth = np.clip(noisy, 0, 65535).astype(np.uint16)
        color = None
        if self.want_color:
            c = self.bg_color_clean * self.gain + rng.normal(0, 2.0, (h, w, 3)).astype(np.float32)
            color = np.clip(c, 0, 255).astype(np.uint8)
        return depth, color

    # ------------------------------------------------------------------ per frame
    def render(self, state: WorldState) -> Rendered:
        world, cam, intr = self.world, self.world.camera, self.intr
        self._frame += 1
        bg_depth, bg_color = self._noisy_background()
        depth = bg_depth.copy() if bg_depth is not None else None
        color = bg_color.copy() if bg_color is not None else None
        n = len(state.balls)
        ball_cam = cam.to_camera(state.balls) if n else np.zeros((0, 3))
        hand_cam = cam.to_camera(state.hands)
        ball_px = intr.project(ball_cam) if n else np.zeros((0, 2))
        hand_px = intr.project(hand_cam)
        prims = self._primitives(state, ball_cam)
        visible = np.zeros(n, bool)
        if prims:
            prims.sort(key=lambda p: -p[0])
            x0, y0, x1, y1 = self._bbox(prims)
            if x1 > x0 and y1 > y0:
                if depth is not None:
                    self._draw_depth(prims, depth, (x0, y0, x1, y1))
                if color is not None:
                    self._draw_color(prims, color, (x0, y0, x1, y1), state)
        in_depth = np.zeros(n, bool)
        r_mm = world.spec.ball_radius * 1000
        for b in range(n):
            u, v = ball_px[b]
            z = ball_cam[b, 2]
            iu, iv = int(round(u)), int(round(v))
            if not (z > 0.1 and 0 <= iu < self.w and 0 <= iv < self.h):
                continue
            if self.want_depth:
                s = int(self._scratch[iv, iu])
                covered = HOLE < s < z * 1000 - 1.2 * r_mm
            else:
                covered = _covered(prims, u, v, z - world.spec.ball_radius - 0.02)
            visible[b] = not covered  # a nearer hand or arm hides its centre
            in_depth[b] = (
                visible[b]
                and self.want_depth
                and bool(self.mask[iv, iu])
                and self.range_mm[0] <= z * 1000 <= self.range_mm[1]
                and not world.ball_shiny[b % len(world.ball_shiny)]
            )
        return Rendered(depth, color, visible, in_depth, ball_px, hand_px, ball_cam, hand_cam)

    def _limb_table(self) -> dict:
        """Sub-segments of the limbs (drawn as thick lines), fixed per body."""
        if getattr(self, "_limbs", None) is None:
            body = self.world.body
            assert body is not None
            h, g = body.height / 1.75, body.girth
            spec = []
            for side in ("r", "l"):
                spec += [
                    (f"{side}_hip", f"{side}_knee", 0.075 * h * g, body.trousers, 2),
                    (f"{side}_knee", f"{side}_foot", 0.055 * h * g, body.trousers, 2),
                ]
            spec.append(("neck", "head", 0.05 * h, body.skin, 1))
            for side in ("r", "l"):
                spec += [
                    (f"{side}_shoulder", f"{side}_elbow", 0.045 * h * g, body.shirt, 2),
                    (
                        f"{side}_elbow",
                        f"{side}_hand",
                        0.035 * h,
                        body.shirt if body.long_sleeves else body.skin,
                        3,
                    ),
                ]
            a, b, s0, s1, rad, col = [], [], [], [], [], []
            for ja, jb, r, c, parts in spec:
                for k in range(parts):
                    a.append(J[ja])
                    b.append(J[jb])
                    s0.append(k / parts)
                    s1.append((k + 1) / parts)
                    rad.append(r)
                    col.append(c)
            self._limbs = {
                "a": np.array(a),
                "b": np.array(b),
                "s0": np.array(s0)[:, None],
                "s1": np.array(s1)[:, None],
                "r": np.array(rad),
                "col": col,
            }
        return self._limbs

    def _primitives(self, state: WorldState, ball_cam: np.ndarray) -> list[tuple]:
        """Drawing primitives, each (sort depth m, kind, pts px*ONE, size px, front depth m,
        rgb, extra, (x0, y0, x1, y1) extent px)."""
        world, cam, intr = self.world, self.world.camera, self.intr
        f = self.f
        prims: list[tuple] = []
        body = world.body
        if body is not None and state.joints is not None:
            jc = cam.to_camera(state.joints)
            if np.all(jc[:, 2] > 0.2):
                jp = intr.project(jc)
                lt = self._limb_table()
                ca, cb = jc[lt["a"]], jc[lt["b"]]
                pa, pb = jp[lt["a"]], jp[lt["b"]]
                za = ca[:, 2] + (cb[:, 2] - ca[:, 2]) * (0.5 * (lt["s0"][:, 0] + lt["s1"][:, 0]))
                ua = pa + (pb - pa) * lt["s0"]
                ub = pa + (pb - pa) * lt["s1"]
                thick = np.maximum(1, (2 * f) * lt["r"] / za).astype(int)
                pts = np.round(np.stack([ua, ub], axis=1) * ONE).astype(np.int32)
                lo = np.minimum(ua, ub) - thick[:, None] * 0.5
                hi = np.maximum(ua, ub) + thick[:, None] * 0.5
                front = za - lt["r"]
                cols = lt["col"]
                for i in range(len(za)):
                    prims.append(
                        (
                            za[i],
                            "line",
                            pts[i],
                            int(thick[i]),
                            front[i],
                            cols[i],
                            None,
                            (lo[i, 0], lo[i, 1], hi[i, 0], hi[i, 1]),
                        )
                    )
                # torso: shoulders and hips
                corners = jp[[J["r_shoulder"], J["l_shoulder"], J["l_hip"], J["r_hip"]]]
                cz = float(jc[J["chest"], 2])
                cmin, cmax = corners.min(axis=0), corners.max(axis=0)
                prims.append(
                    (
                        cz,
                        "poly",
                        np.round(corners * ONE).astype(np.int32),
                        0,
                        cz - 0.5 * body.torso_depth,
                        body.shirt,
                        (jp[J["chest"]], 0.45 * body.shoulder_half * f / cz),
                        (cmin[0], cmin[1], cmax[0], cmax[1]),
                    )
                )
                hz = float(jc[J["head"], 2])
                hr = body.head_radius * f / hz
                hu, hv = jp[J["head"]]
                prims.append(
                    (
                        hz,
                        "head",
                        np.round(jp[J["head"]] * ONE).astype(np.int32),
                        hr,
                        hz - body.head_radius,
                        body.skin,
                        body,
                        (hu - hr, hv - 1.1 * hr, hu + hr, hv + 1.1 * hr),
                    )
                )
                # shoes and hands: small disks at the end joints (radius m, z bias m, colour)
                for joints, radius, z_bias, z_face, colour in (
                    (("r_foot", "l_foot"), 0.055, 0.05, 0.06, body.shoes),
                    (("r_hand", "l_hand"), 0.045, 0.01, 0.03, body.skin),
                ):
                    rad = radius * body.height / 1.75
                    for name in joints:
                        jt = J[name]
                        z = float(jc[jt, 2])
                        size = rad * f / z
                        u, v = jp[jt]
                        prims.append(
                            (
                                z - z_bias,
                                "disk",
                                np.round(jp[jt] * ONE).astype(np.int32),
                                size,
                                z - z_face,
                                colour,
                                None,
                                (u - size, v - size, u + size, v + size),
                            )
                        )
        r = world.spec.ball_radius
        if len(ball_cam):
            bp = intr.project(ball_cam)
            for b in range(len(ball_cam)):
                z = float(ball_cam[b, 2])
                if z <= 0.15:
                    continue
                size = r * f / z
                u, v = bp[b]
                tail = self._streak_start(b, state.t, bp[b], size)
                tu, tv = (u, v) if tail is None else tail
                m = size + 2
                prims.append(
                    (
                        z - 0.02,
                        "ball",
                        np.round(bp[b] * ONE).astype(np.int32),
                        size,
                        z - r,
                        world.ball_colours[b % len(world.ball_colours)],
                        (b, tail),
                        (min(u, tu) - m, min(v, tv) - m, max(u, tu) + m, max(v, tv) + m),
                    )
                )
        return prims

    def _bbox(self, prims: list[tuple]) -> tuple[int, int, int, int]:
        ext = [p[7] for p in prims]
        x0 = int(max(0, min(e[0] for e in ext) - 3))
        y0 = int(max(0, min(e[1] for e in ext) - 3))
        x1 = int(min(self.w, max(e[2] for e in ext) + 4))
        y1 = int(min(self.h, max(e[3] for e in ext) + 4))
        return x0, y0, x1, y1

    def _draw_depth(self, prims: list[tuple], depth: np.ndarray, box) -> None:
        x0, y0, x1, y1 = box
        scratch = self._scratch
        scratch[:] = 0
        shiny, hole = self.world.ball_shiny, self.world.ball_hole
        for p in prims:
            _, kind, pts, size, zf, _rgb, extra, _ext = p
            val = int(max(zf * 1000.0, 2))
            if kind == "line":
                cv2.line(scratch, tuple(pts[0]), tuple(pts[1]), val, int(size), cv2.LINE_8, SHIFT)
            elif kind == "poly":
                cv2.fillConvexPoly(scratch, pts, val, cv2.LINE_8, SHIFT)
                c, rad = extra
                cv2.circle(
                    scratch,
                    tuple(np.round(c * ONE).astype(int)),
                    int(rad * ONE),
                    val - 25,
                    -1,
                    cv2.LINE_8,
                    SHIFT,
                )
            elif kind in ("disk", "head"):
                rad = max(int(size * ONE), ONE)
                cv2.circle(scratch, tuple(pts), rad, val + 15, -1, cv2.LINE_8, SHIFT)
                cv2.circle(scratch, tuple(pts), int(rad * 0.6), val, -1, cv2.LINE_8, SHIFT)
                if kind == "head" and extra.hair_absorbs_ir:
                    cv2.ellipse(
                        scratch,
                        tuple(pts),
                        (rad, int(rad * 1.05)),
                        0,
                        190,
                        350,
                        HOLE,
                        -1,
                        cv2.LINE_8,
                        SHIFT,
                    )
            elif kind == "ball":
                rad = max(int(size * ONE), ONE)
                rim = int(val + 0.6 * self.world.spec.ball_radius * 1000)
                tail = extra[1]
                if tail is not None:
                    # time-of-flight motion smear: the trailing half of the exposure
                    mid = (np.array(tail) + pts / ONE) * 0.5
                    cv2.line(
                        scratch,
                        tuple(np.round(mid * ONE).astype(np.int32)),
                        tuple(pts),
                        rim,
                        max(int(1.5 * size), 1),
                        cv2.LINE_8,
                        SHIFT,
                    )
                cv2.circle(scratch, tuple(pts), rad, rim, -1, cv2.LINE_8, SHIFT)
                cv2.circle(scratch, tuple(pts), int(rad * 0.65), val, -1, cv2.LINE_8, SHIFT)
                b = extra[0]
                if shiny[b % len(shiny)]:
                    # specular IR return saturates: most of the ball reads as no depth
                    r_hole = int(rad * hole[b % len(hole)])
                    cv2.circle(scratch, tuple(pts), r_hole, HOLE, -1, cv2.LINE_8, SHIFT)
        fg = scratch[y0:y1, x0:x1]
        m = fg > 0
        if not m.any():
            return
        fgf = fg.astype(np.float32)
        k = self._frame
        oy, ox = (k * 7) % 61, (k * 13) % 59
        gauss = self._gauss[oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
        unif = self._unif[(oy + 3) % 61 : (oy + 3) % 61 + (y1 - y0), ox : ox + (x1 - x0)]
        noisy = fgf + gauss * noise_sd_mm(fgf)
        mu8 = m.astype(np.uint8)
        edge = cv2.morphologyEx(mu8, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        roi = depth[y0:y1, x0:x1]
        out = np.where(m, noisy, roi.astype(np.float32))
        # mixed pixels at silhouettes: some read nothing, some fly between fg and bg
        # (computed on the few silhouette pixels only)
        fy, fx = np.nonzero(edge & (unif >= 90) & (unif < 130))
        near = cv2.dilate(fg, np.ones((3, 3), np.uint8))[fy, fx].astype(np.float32)
        bgc = self.bg_depth_clean[fy + y0, fx + x0].astype(np.float32)
        w = unif[fy, fx].astype(np.float32) * (1.0 / 255.0)
        out[fy, fx] = np.where(bgc > 0, near * w + bgc * (1 - w), out[fy, fx])
        out[edge & (unif < 90)] = 0
        out[fg == HOLE] = 0
        lo, hi = self.range_mm
        out[(out < lo) | (out > hi)] = 0
        out *= self.mask[y0:y1, x0:x1]
        roi[...] = self._quantise(out).astype(np.uint16)

    def _draw_color(self, prims: list[tuple], color: np.ndarray, box, state: WorldState) -> None:
        x0, y0, x1, y1 = box
        for p in prims:
            _, kind, pts, size, _zf, rgb, extra, _ext = p
            c = self._gained(rgb)
            if kind == "line":
                cv2.line(color, tuple(pts[0]), tuple(pts[1]), c, int(size), cv2.LINE_AA, SHIFT)
            elif kind == "poly":
                cv2.fillConvexPoly(color, pts, c, cv2.LINE_AA, SHIFT)
            elif kind == "disk":
                cv2.circle(color, tuple(pts), max(int(size * ONE), ONE), c, -1, cv2.LINE_AA, SHIFT)
            elif kind == "head":
                rad = max(int(size * ONE), ONE)
                cv2.ellipse(
                    color, tuple(pts), (int(rad * 0.88), rad), 0, 0, 360, c, -1, cv2.LINE_AA, SHIFT
                )
                hair = self._gained(extra.hair)
                cv2.ellipse(
                    color,
                    tuple(pts),
                    (int(rad * 0.92), int(rad * 1.04)),
                    0,
                    180,
                    360,
                    hair,
                    -1,
                    cv2.LINE_AA,
                    SHIFT,
                )
            elif kind == "ball":
                rad = max(int(size * ONE), ONE)
                self._draw_ball_color(color, pts, rad, c, extra[1], size)
        # sensor noise on the redrawn region
        k = self._frame
        oy, ox = (k * 5) % 61, (k * 11) % 59
        roi = color[y0:y1, x0:x1]
        sl = (slice(oy, oy + (y1 - y0)), slice(ox, ox + (x1 - x0)))
        roi[...] = cv2.subtract(cv2.add(roi, self._cnoise_pos[sl]), self._cnoise_neg[sl])

    def _gained(self, rgb: tuple[int, int, int]) -> tuple[float, float, float]:
        """A surface colour under this scene's lighting and white balance (cached)."""
        c = self._colour_cache.get(rgb)
        if c is None:
            c = tuple(float(min(255.0, v * g)) for v, g in zip(rgb, self.gain, strict=True))
            self._colour_cache[rgb] = c
        return c

    def _streak_start(self, b: int, t: float, p_px: np.ndarray, size_px: float):  # noqa: ANN202
        """Pixel where a flying ball was when the exposure began, or None if it barely moved."""
        world = self.world
        if b >= len(world.ball_paths):
            return None
        path = world.ball_paths[b]
        seg = path.segment(t)
        if path.kinds[seg] != 1:
            return None
        dt = t - path.starts[seg]
        v = path.v[seg] + path.a[seg] * dt
        p_now = path.p[seg] + path.v[seg] * dt + 0.5 * path.a[seg] * dt * dt
        pc = world.camera.to_camera(p_now - v * self.exposure_s)
        if pc[2] <= 0.15:
            return None
        q = self.intr.project(pc)
        if np.hypot(*(q - p_px)) <= 0.6 * size_px:
            return None
        return float(q[0]), float(q[1])

    def _draw_ball_color(self, color, pts, rad, c, tail, size_px) -> None:  # noqa: ANN001
        streak = None if tail is None else np.round(np.array(tail) * ONE).astype(np.int32)
        if streak is not None:
            x0 = int(min(pts[0], streak[0]) / ONE - size_px - 2)
            y0 = int(min(pts[1], streak[1]) / ONE - size_px - 2)
            x1 = int(max(pts[0], streak[0]) / ONE + size_px + 3)
            y1 = int(max(pts[1], streak[1]) / ONE + size_px + 3)
            x0, y0 = max(x0, 0), max(y0, 0)
            x1, y1 = min(x1, self.w), min(y1, self.h)
            if x1 > x0 and y1 > y0:
                roi = color[y0:y1, x0:x1]
                blur = roi.copy()
                off = np.array([x0 * ONE, y0 * ONE])
                cv2.line(
                    blur,
                    tuple(streak - off),
                    tuple(pts - off),
                    c,
                    max(int(2 * size_px), 1),
                    cv2.LINE_AA,
                    SHIFT,
                )
                cv2.addWeighted(blur, 0.55, roi, 0.45, 0, dst=roi)
        cv2.circle(color, tuple(pts), rad, c, -1, cv2.LINE_AA, SHIFT)
        hi = tuple(min(255.0, v * 0.5 + 140) for v in c)
        off = int(rad * 0.3)
        cv2.circle(
            color,
            (int(pts[0] - off), int(pts[1] - off)),
            max(int(rad * 0.3), 1),
            hi,
            -1,
            cv2.LINE_AA,
            SHIFT,
        )


def _covered(prims: list[tuple], u: float, v: float, z_front: float) -> bool:
    """Whether a primitive nearer than ``z_front`` covers pixel (u, v) (no depth drawn)."""
    for p in prims:
        _, kind, pts, size, front, _rgb, _extra, ext = p
        if front >= z_front or not (ext[0] <= u <= ext[2] and ext[1] <= v <= ext[3]):
            continue
        if kind in ("disk", "head", "ball"):
            c = pts / ONE
            if (c[0] - u) ** 2 + (c[1] - v) ** 2 <= size * size:
                return True
        elif kind == "line":
            a, b = pts[0] / ONE, pts[1] / ONE
            d = b - a
            t = np.clip(np.dot([u - a[0], v - a[1]], d) / max(np.dot(d, d), 1e-9), 0.0, 1.0)
            q = a + t * d
            if (q[0] - u) ** 2 + (q[1] - v) ** 2 <= (size / 2) ** 2:
                return True
        elif kind == "poly":
            if cv2.pointPolygonTest((pts / ONE).astype(np.float32), (u, v), False) >= 0:
                return True
    return False


def _depth_edges(depth: np.ndarray, jump_mm: int = 60) -> np.ndarray:
    d = depth.astype(np.int32)
    e = np.zeros(depth.shape, bool)
    e[:, 1:] |= np.abs(d[:, 1:] - d[:, :-1]) > jump_mm
    e[1:, :] |= np.abs(d[1:, :] - d[:-1, :]) > jump_mm
    return e


def _ray_box(c: np.ndarray, dirs: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Slab test: ray parameter to an axis-aligned box (inf when missed) and face normals."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dirs
        t0 = (lo - c) * inv
        t1 = (hi - c) * inv
    tmin = np.minimum(t0, t1)
    tmax = np.maximum(t0, t1)
    tmin = np.nan_to_num(tmin, nan=-np.inf)
    tmax = np.nan_to_num(tmax, nan=np.inf)
    t_enter = tmin.max(axis=-1)
    t_exit = tmax.min(axis=-1)
    hit = (t_exit >= t_enter) & (t_enter > 0)
    axis = tmin.argmax(axis=-1)
    normal = np.zeros(dirs.shape)
    idx = np.indices(axis.shape)
    normal[idx[0], idx[1], axis] = -np.sign(np.take_along_axis(dirs, axis[..., None], -1)[..., 0])
    return np.where(hit, t_enter, np.inf), normal
