"""A tiny 2-D scene simulator used to render deterministic synthetic videos.

The scene is a textured background seen through a camera that jitters by a few
pixels, and a set of textured sprites (rectangles or ellipses with stripes and
noise, one look per identity) that move with constant velocity plus a small
random acceleration. Sprites are drawn far-to-near (``z`` order), so nearer
objects occlude farther ones; visibility is measured on the actual pixels.

Coordinates are 0-based pixels with no ``+1`` (a box ``x1, y1, x2, y2`` covers the
columns ``x1 .. x2 - 1``). Boxes reported by :meth:`SyntheticScene.render` are the
sprite's rectangle clipped to the image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import cv2
import numpy as np


@dataclass
class SceneObject:
    """One moving sprite.

    Attributes:
        obj_id (int): Identity (1-based, unique within a scene).
        sprite (np.ndarray): Base appearance, (h, w, 3) uint8 BGR.
        mask (np.ndarray): Base silhouette, (h, w) bool.
        pos (np.ndarray): Centre (cx, cy) in world pixels, float64.
        vel (np.ndarray): Velocity (vx, vy) in pixels per frame.
        z (float): Depth order; larger values are nearer and drawn on top.
        bounds (tuple, optional): World rectangle ``(x1, y1, x2, y2)`` the
            object bounces inside; ``None`` means it may leave the scene.
        scale (float): Current size factor applied to the base sprite.
        scale_rate (float): Multiplicative size change per frame.
        acc_std (float): Std of the random acceleration per frame.
        max_speed (float): Speed limit in pixels per frame.
        shape (str): ``'rect'`` or ``'ellipse'``.
        active (bool): False once the object has left the scene for good.
    """

    obj_id: int
    sprite: np.ndarray
    mask: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    z: float
    bounds: Optional[tuple[float, float, float, float]] = None
    scale: float = 1.0
    scale_rate: float = 1.0
    acc_std: float = 0.08
    max_speed: float = 3.5
    shape: str = 'rect'
    active: bool = True
    label: int = 1

    def current_size(self) -> tuple[int, int]:
        """Return the rendered (w, h) of the sprite at the current scale."""
        h0, w0 = self.mask.shape
        return max(2, int(round(w0 * self.scale))), max(2, int(round(h0 * self.scale)))

    def world_box(self) -> tuple[int, int, int, int]:
        """Integer world box ``(x1, y1, x2, y2)`` of the sprite rectangle."""
        w, h = self.current_size()
        x1 = int(round(self.pos[0] - w / 2))
        y1 = int(round(self.pos[1] - h / 2))
        return x1, y1, x1 + w, y1 + h


@dataclass
class ObjectView:
    """What the camera sees of one object in one frame.

    Attributes:
        obj_id (int): Identity of the object.
        label (int): Class label of the object.
        box (tuple[int, int, int, int]): Sprite rectangle clipped to the image,
            ``(x1, y1, x2, y2)``, 0-based pixels.
        full_box (tuple[int, int, int, int]): Unclipped sprite rectangle.
        visibility (float): Visible silhouette pixels (inside the image and not
            covered by nearer objects) divided by all silhouette pixels, in [0, 1].
        visible_area (int): Number of visible silhouette pixels.
    """

    obj_id: int
    label: int
    box: tuple[int, int, int, int]
    full_box: tuple[int, int, int, int]
    visibility: float
    visible_area: int


@dataclass
class RenderedFrame:
    """One rendered frame.

    Attributes:
        image (np.ndarray): (H, W, 3) uint8 BGR image.
        owner (np.ndarray): (H, W) int32 map of the object id that owns each
            pixel (0 for background).
        views (list[ObjectView]): Objects whose clipped box is at least 2x2
            pixels, sorted by id.
    """

    image: np.ndarray
    owner: np.ndarray
    views: list[ObjectView] = field(default_factory=list)


def _random_bright_colour(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return a saturated colour and a dark stripe colour (BGR float)."""
    hue = int(rng.integers(0, 180))
    sat = int(rng.integers(170, 256))
    val = int(rng.integers(200, 256))
    hsv = np.array([[[hue, sat, val]]], dtype=np.uint8)
    main = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float64)
    hue2 = (hue + int(rng.integers(40, 140))) % 180
    hsv2 = np.array([[[hue2, int(rng.integers(120, 256)), int(rng.integers(20, 90))]]],
                    dtype=np.uint8)
    stripe = cv2.cvtColor(hsv2, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float64)
    return main, stripe


def make_sprite(rng: np.random.Generator, width: int, height: int,
                shape: str) -> tuple[np.ndarray, np.ndarray]:
    """Draw a textured sprite with a distinct look.

    Args:
        rng (np.random.Generator): Random generator.
        width (int): Sprite width in pixels.
        height (int): Sprite height in pixels.
        shape (str): ``'rect'`` or ``'ellipse'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: (h, w, 3) uint8 BGR sprite and (h, w)
        bool silhouette.
    """
    main, stripe = _random_bright_colour(rng)
    ys, xs = np.mgrid[0:height, 0:width]
    period = int(rng.integers(6, 13))
    orientation = int(rng.integers(0, 4))
    coord = (ys, xs, xs + ys, xs - ys + 1000)[orientation]
    duty = rng.uniform(0.25, 0.5)
    stripes = (coord % period) < max(1, int(round(period * duty)))
    sprite = np.where(stripes[..., None], stripe, main)
    sprite = sprite + rng.normal(0.0, 10.0, size=sprite.shape)
    if shape == 'ellipse':
        # pixel centres inside the inscribed ellipse; touches all four sides
        nx = (xs + 0.5 - width / 2.0) / (width / 2.0)
        ny = (ys + 0.5 - height / 2.0) / (height / 2.0)
        mask = nx**2 + ny**2 <= 1.0
    else:
        mask = np.ones((height, width), bool)
    # dark outline on the silhouette edge for a crisp contour
    eroded = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    sprite[mask & ~eroded] = 0.35 * stripe
    return np.clip(sprite, 0, 255).astype(np.uint8), mask


def make_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Draw a muted, textured background.

    A low-frequency colour field, a blocky mid-frequency texture and fine noise,
    kept in mid-grey tones so that saturated sprites stand out.

    Returns:
        np.ndarray: (height, width, 3) uint8 BGR image.
    """
    grey = rng.uniform(90, 140)
    low = grey + rng.normal(0.0, 18.0, size=(5, 7, 1)) + rng.normal(0.0, 8.0, size=(5, 7, 3))
    field = cv2.resize(low.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    block = int(rng.integers(6, 14))
    tiles = rng.normal(0.0, 9.0, size=(height // block + 1, width // block + 1)).astype(np.float32)
    tiles = cv2.resize(tiles, ((width // block + 1) * block, (height // block + 1) * block),
                       interpolation=cv2.INTER_NEAREST)[:height, :width]
    fine = rng.normal(0.0, 5.0, size=(height, width, 1))
    img = field + tiles[..., None] + fine
    return np.clip(img, 0, 255).astype(np.uint8)


class SyntheticScene:
    """A textured world observed by a jittering camera.

    Args:
        rng (np.random.Generator): Random generator driving appearance and motion.
        img_size (tuple[int, int]): Image (height, width).
        jitter (int): Maximum camera offset in pixels along each axis.
            Defaults to 3.

    Examples:
        >>> scene = SyntheticScene(np.random.default_rng(0), (64, 96))
        >>> obj = scene.add_random_object(inside=True, bounce=True)
        >>> frame = scene.render()
        >>> frame.image.shape
        (64, 96, 3)
    """

    def __init__(self, rng: np.random.Generator, img_size: tuple[int, int],
                 jitter: int = 3) -> None:
        self.rng = rng
        self.height, self.width = int(img_size[0]), int(img_size[1])
        self.jitter = int(jitter)
        self.background = make_background(rng, self.height + 2 * self.jitter,
                                          self.width + 2 * self.jitter)
        self.camera = np.zeros(2, dtype=np.int64)
        self.objects: list[SceneObject] = []
        self._next_id = 1

    # ------------------------------------------------------------------ objects
    def random_size(self) -> tuple[int, int]:
        """Sample a pedestrian-like (w, h): h in [22, 56] px scaled to the image."""
        max_h = max(16, min(56, int(0.4 * self.height)))
        min_h = min(22, max_h)
        h = int(self.rng.integers(min_h, max_h + 1))
        aspect = self.rng.uniform(1.2, 2.4)
        w = int(np.clip(round(h / aspect), 12, 60))
        return w, h

    def add_object(self, width: int, height: int, pos: tuple[float, float],
                   vel: tuple[float, float], bounds: Optional[tuple] = None,
                   shape: Optional[str] = None, z: Optional[float] = None,
                   scale_rate: Optional[float] = None, label: int = 1) -> SceneObject:
        """Create an object with a fresh look and add it to the scene."""
        rng = self.rng
        if shape is None:
            shape = 'ellipse' if rng.random() < 0.5 else 'rect'
        sprite, mask = make_sprite(rng, width, height, shape)
        obj = SceneObject(
            obj_id=self._next_id,
            sprite=sprite,
            mask=mask,
            pos=np.asarray(pos, dtype=np.float64),
            vel=np.asarray(vel, dtype=np.float64),
            z=float(rng.random()) if z is None else float(z),
            bounds=bounds,
            scale_rate=float(rng.uniform(0.997, 1.003)) if scale_rate is None else scale_rate,
            shape=shape,
            label=label)
        self._next_id += 1
        self.objects.append(obj)
        return obj

    def add_random_object(self, inside: bool, bounce: bool, label: int = 1,
                          shape: Optional[str] = None) -> SceneObject:
        """Add an object inside the image, or entering from a random border.

        Args:
            inside (bool): Start fully inside the image; otherwise start just
                outside a random border moving inwards.
            bounce (bool): Bounce on the image borders instead of leaving.
            label (int): Class label. Defaults to 1.
            shape (str, optional): Force ``'rect'`` or ``'ellipse'``.

        Returns:
            SceneObject: The new object.
        """
        rng = self.rng
        w, h = self.random_size()
        speed = rng.uniform(0.6, 2.5)
        if inside:
            pos = (rng.uniform(w / 2, self.width - w / 2), rng.uniform(h / 2, self.height - h / 2))
            angle = rng.uniform(0, 2 * np.pi)
            vel = (speed * np.cos(angle), speed * np.sin(angle))
        else:
            side = int(rng.integers(0, 4))
            if side in (0, 1):  # left / right
                y = rng.uniform(h / 2, self.height - h / 2)
                x = -w / 2 + 1 if side == 0 else self.width + w / 2 - 1
                vx = speed if side == 0 else -speed
                vel = (vx, rng.uniform(-0.4, 0.4) * speed)
            else:  # top / bottom
                x = rng.uniform(w / 2, self.width - w / 2)
                y = -h / 2 + 1 if side == 2 else self.height + h / 2 - 1
                vy = speed if side == 2 else -speed
                vel = (rng.uniform(-0.4, 0.4) * speed, vy)
            pos = (x, y)
        bounds = (0.0, 0.0, float(self.width), float(self.height)) if bounce else None
        return self.add_object(w, h, pos, vel, bounds=bounds, shape=shape, label=label)

    def active_objects(self) -> list[SceneObject]:
        """Objects still in the scene."""
        return [o for o in self.objects if o.active]

    # ------------------------------------------------------------------- motion
    def step(self) -> None:
        """Advance every object and the camera by one frame."""
        rng = self.rng
        for obj in self.objects:
            if not obj.active:
                continue
            obj.vel = obj.vel + rng.normal(0.0, obj.acc_std, size=2)
            speed = float(np.hypot(*obj.vel))
            if speed > obj.max_speed:
                obj.vel *= obj.max_speed / speed
            elif speed < 0.3:
                obj.vel *= 0.3 / max(speed, 1e-6)
            obj.pos = obj.pos + obj.vel
            obj.scale = float(np.clip(obj.scale * obj.scale_rate, 0.7, 1.4))
            w, h = obj.current_size()
            if obj.bounds is not None:
                bx1, by1, bx2, by2 = obj.bounds
                for axis, (lo, hi, half) in enumerate(((bx1, bx2, w / 2), (by1, by2, h / 2))):
                    if obj.pos[axis] - half < lo and obj.vel[axis] < 0:
                        obj.vel[axis] = -obj.vel[axis]
                    elif obj.pos[axis] + half > hi and obj.vel[axis] > 0:
                        obj.vel[axis] = -obj.vel[axis]
            else:
                margin = self.jitter + 1
                x1, y1, x2, y2 = obj.world_box()
                if (x2 < -margin or y2 < -margin or x1 > self.width + margin
                        or y1 > self.height + margin):
                    obj.active = False
        step = rng.integers(-1, 2, size=2)
        self.camera = np.clip(self.camera + step, -self.jitter, self.jitter)

    # ---------------------------------------------------------------- rendering
    def render(self) -> RenderedFrame:
        """Render the current state.

        Returns:
            RenderedFrame: image, pixel ownership map and per-object views.
        """
        H, W, J = self.height, self.width, self.jitter
        dx, dy = int(self.camera[0]), int(self.camera[1])
        image = self.background[J + dy:J + dy + H, J + dx:J + dx + W].copy()
        owner = np.zeros((H, W), np.int32)
        placed = []
        for obj in sorted(self.active_objects(), key=lambda o: (o.z, o.obj_id)):
            w, h = obj.current_size()
            sprite = cv2.resize(obj.sprite, (w, h), interpolation=cv2.INTER_NEAREST)
            mask = cv2.resize(obj.mask.astype(np.uint8), (w, h),
                              interpolation=cv2.INTER_NEAREST).astype(bool)
            wx1, wy1, _, _ = obj.world_box()
            x1, y1 = wx1 - dx, wy1 - dy
            cx1, cy1 = max(0, x1), max(0, y1)
            cx2, cy2 = min(W, x1 + w), min(H, y1 + h)
            placed.append((obj, (x1, y1, x1 + w, y1 + h), (cx1, cy1, cx2, cy2), int(mask.sum())))
            if cx2 <= cx1 or cy2 <= cy1:
                continue
            sub_mask = mask[cy1 - y1:cy2 - y1, cx1 - x1:cx2 - x1]
            sub_sprite = sprite[cy1 - y1:cy2 - y1, cx1 - x1:cx2 - x1]
            region = image[cy1:cy2, cx1:cx2]
            region[sub_mask] = sub_sprite[sub_mask]
            owner[cy1:cy2, cx1:cx2][sub_mask] = obj.obj_id
        ids, counts = np.unique(owner, return_counts=True)
        visible = dict(zip(ids.tolist(), counts.tolist()))
        views = []
        for obj, full_box, box, full_area in placed:
            if box[2] - box[0] < 2 or box[3] - box[1] < 2:
                continue
            area = int(visible.get(obj.obj_id, 0))
            views.append(ObjectView(obj.obj_id, obj.label, box, full_box,
                                    area / max(full_area, 1), area))
        views.sort(key=lambda v: v.obj_id)
        return RenderedFrame(image, owner, views)
