"""Training of :class:`~.aflink.AFLinkModel` on ground-truth trajectories.

Samples follow StrongSORT's AFLink recipe: a trajectory is cut in two near a
random frame (a few frames dropped on each side of the cut); the two halves
in order are a positive pair, and three negatives are made from them: the
halves swapped, the later half shifted by 30-100 frames, and the later half
shifted by 100-500 pixels in x and in y. Held-out trajectories are cut at
their middle with fixed shifts (50 frames, 300 pixels).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .aflink import INPUT_LENGTH, AFLinkModel, pad_and_normalize

#: Labels of the four pairs made from one cut trajectory.
PAIR_LABELS = (1, 0, 0, 0)


def _trajectories(gt_tracks: Sequence[dict[int, np.ndarray]], min_len: int) -> list[np.ndarray]:
    out = []
    for tracks in gt_tracks:
        for track_id in sorted(tracks):
            rows = np.asarray(tracks[track_id], dtype=np.float64)
            if rows.ndim != 2 or rows.shape[1] < 3:
                raise ValueError(
                    f"trajectory {track_id}: expected (n, 5) rows (frame, x1, y1, w, h), got "
                    f"shape {rows.shape}"
                )
            if len(rows) >= min_len:
                out.append(rows[np.argsort(rows[:, 0], kind="stable")])
    return out


def _cut(
    info: np.ndarray, rng: np.random.Generator | None, min_len: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The four ``(earlier, later)`` pairs of one trajectory (see the module doc)."""
    n = len(info)
    if rng is None:  # held-out: fixed cut and shifts
        cut = n // 2
        first, second = info[:cut], info[cut:]
        sign = (-1) ** cut
        dt, dx, dy = sign * 50, sign * 300, sign * 300
    else:
        cut = int(rng.integers(min_len // 3, n - min_len // 3 + 1))
        end = int(np.clip(cut + int(rng.normal(-5, 3)), 1, n - 1))
        start = int(np.clip(cut + int(rng.normal(5, 3)), 1, n - 1))
        first, second = info[:end], info[start:]

        def shift(lo: int, hi: int) -> int:
            return int(rng.choice((-1, 1)) * rng.integers(lo, hi + 1))

        dt, dx, dy = shift(30, 100), shift(100, 500), shift(100, 500)
    moved_t = second.copy()
    moved_t[:, 0] += dt
    moved_s = second.copy()
    moved_s[:, 1] += dx
    moved_s[:, 2] += dy
    return [(first, second), (second, first), (first, moved_t), (first, moved_s)]


def make_link_samples(
    gt_tracks: Sequence[dict[int, np.ndarray]] | list[np.ndarray],
    rng: np.random.Generator | None = None,
    min_len: int = 30,
    length: int = INPUT_LENGTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model inputs and labels cut from ground-truth trajectories.

    Args:
        gt_tracks: per sequence, ``{id: (n, 5) rows (frame, x1, y1, w, h)}``;
            or a list of such arrays (one per trajectory).
        rng: random cuts and shifts (training); None for the fixed held-out
            ones. Defaults to None.
        min_len (int): Shorter trajectories are skipped. Defaults to 30.
        length (int): Model input length. Defaults to 30.

    Returns:
        tuple: ``x1, x2`` ``(4 * K, 1, length, 5)`` float32 (earlier, later
        tracklet of each pair, :func:`~.aflink.pad_and_normalize` d) and
        ``labels`` ``(4 * K,)`` int64 (1 = same object), for the ``K`` usable
        trajectories.
    """
    if isinstance(gt_tracks, list) and all(isinstance(t, np.ndarray) for t in gt_tracks):
        infos = [t for t in gt_tracks if len(t) >= min_len]
    else:
        infos = _trajectories(gt_tracks, min_len)  # type: ignore[arg-type]
    if not infos:
        raise ValueError(f"make_link_samples: no trajectory has {min_len} frames or more")
    x1, x2, labels = [], [], []
    for info in infos:
        for (a, b), label in zip(_cut(info, rng, min_len), PAIR_LABELS):
            a, b = pad_and_normalize(a, b, length)
            x1.append(a)
            x2.append(b)
            labels.append(label)
    return (
        np.stack(x1)[:, None].astype(np.float32),
        np.stack(x2)[:, None].astype(np.float32),
        np.asarray(labels, dtype=np.int64),
    )


def train_aflink(
    gt_tracks: Sequence[dict[int, np.ndarray]],
    epochs: int = 20,
    lr: float = 1e-3,
    weight_decay: float = 1e-5,
    batch_size: int = 16,
    val_fraction: float = 0.2,
    min_len: int = 30,
    seed: int = 0,
) -> tuple[AFLinkModel, float]:
    """Train an :class:`~.aflink.AFLinkModel` (CPU, seconds on small data).

    StrongSORT's schedule: Adam (``lr``, ``weight_decay``), cosine decay to
    1e-5 over ``epochs``, cross-entropy; each epoch draws new cuts of every
    training trajectory, ``batch_size`` trajectories (4 pairs each) per step.

    Args:
        gt_tracks: per sequence, ``{id: (n, 5) rows (frame, x1, y1, w, h)}``.
        epochs (int): Passes over the trajectories. Defaults to 20.
        lr (float): Initial learning rate. Defaults to 1e-3.
        weight_decay (float): Adam weight decay. Defaults to 1e-5.
        batch_size (int): Trajectories per step. Defaults to 16.
        val_fraction (float): Share of trajectories held out. Defaults to 0.2.
        min_len (int): Shorter trajectories are not used. Defaults to 30.
        seed (int): Seed of the split, cuts and initialisation. Defaults to 0.

    Returns:
        tuple[AFLinkModel, float]: The model (eval mode, CPU) and its
        accuracy on the held-out pairs (NaN when nothing was held out).
    """
    infos = _trajectories(gt_tracks, min_len)
    if len(infos) < 2:
        raise ValueError(
            f"train_aflink: {len(infos)} trajectories of {min_len} frames or more; need 2"
        )
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    order = rng.permutation(len(infos))
    n_val = min(len(infos) - 1, int(round(val_fraction * len(infos))))
    val = [infos[k] for k in order[:n_val]]
    train = [infos[k] for k in order[n_val:]]

    model = AFLinkModel()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=1e-5)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        x1, x2, labels = (torch.from_numpy(a) for a in make_link_samples(train, rng, min_len))
        perm = torch.from_numpy(rng.permutation(len(train)))
        for start in range(0, len(train), batch_size):
            # the 4 pairs of each trajectory stay in the same batch
            idx = (perm[start : start + batch_size, None] * 4 + torch.arange(4)).flatten()
            loss = loss_fn(model(x1[idx], x2[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
    model.eval()
    if not val:
        return model, float("nan")
    x1, x2, labels = (torch.from_numpy(a) for a in make_link_samples(val, None, min_len))
    with torch.no_grad():
        pred = model(x1, x2).argmax(dim=1)
    return model, float((pred == labels).float().mean())
