"""AFLink: appearance-free global link of tracklets (StrongSORT++, Du et al., 2023)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mmtrack.registry import MODELS, TASK_UTILS

from .assignment import linear_assignment

#: Frames of each tracklet fed to the link model (its last / first ``WINDOW`` frames).
WINDOW = 30


def tracklet_features(track: np.ndarray, tail: bool, ref: np.ndarray) -> np.ndarray:
    """Encode a tracklet end as a ``(WINDOW, 5)`` array for :class:`AFLinkModel`.

    Each row is ``(dt, dx, dy, log w, log h)`` relative to the reference box
    ``ref`` (the last box of the earlier tracklet): ``dt`` in frames / WINDOW,
    ``dx, dy`` the centre offset divided by the reference height, sizes as log
    ratios. Short tracklets are padded by repeating their edge row.

    Args:
        track: ``(n, 5)`` rows ``(frame, x1, y1, x2, y2)`` sorted by frame.
        tail: take the last ``WINDOW`` rows (True) or the first (False).
        ref: ``(5,)`` the reference row ``(frame, x1, y1, x2, y2)``.
    """
    rows = track[-WINDOW:] if tail else track[:WINDOW]
    h_ref = max(ref[4] - ref[2], 1.0)
    w_ref = max(ref[3] - ref[1], 1.0)
    cx_ref, cy_ref = (ref[1] + ref[3]) / 2, (ref[2] + ref[4]) / 2
    cx, cy = (rows[:, 1] + rows[:, 3]) / 2, (rows[:, 2] + rows[:, 4]) / 2
    w = np.maximum(rows[:, 3] - rows[:, 1], 1.0)
    h = np.maximum(rows[:, 4] - rows[:, 2], 1.0)
    feats = np.stack(
        [
            (rows[:, 0] - ref[0]) / WINDOW,
            (cx - cx_ref) / h_ref,
            (cy - cy_ref) / h_ref,
            np.log(w / w_ref),
            np.log(h / h_ref),
        ],
        axis=1,
    )
    if len(feats) < WINDOW:
        pad = np.repeat(feats[:1] if tail else feats[-1:], WINDOW - len(feats), axis=0)
        feats = np.concatenate([pad, feats] if tail else [feats, pad], axis=0)
    return feats.astype(np.float32)


@MODELS.register_module()
class AFLinkModel(nn.Module):
    """Two temporal conv encoders (one per tracklet end), fused, and a link classifier.

    Input: two ``(B, WINDOW, 5)`` tensors (earlier tracklet's tail, later
    tracklet's head, see :func:`tracklet_features`). Output: ``(B,)`` logits
    that the two belong to one object.
    """

    def __init__(self, channels: int = 64) -> None:
        super().__init__()

        def encoder() -> nn.Sequential:
            return nn.Sequential(
                nn.Conv1d(5, channels, 5, padding=2),
                nn.BatchNorm1d(channels),
                nn.ReLU(),
                nn.Conv1d(channels, channels, 5, padding=2),
                nn.BatchNorm1d(channels),
                nn.ReLU(),
                nn.AdaptiveAvgPool1d(1),
            )

        self.encoder_tail = encoder()
        self.encoder_head = encoder()
        self.classifier = nn.Sequential(
            nn.Linear(2 * channels, channels), nn.ReLU(), nn.Linear(channels, 1)
        )

    def forward(self, tail: torch.Tensor, head: torch.Tensor) -> torch.Tensor:
        a = self.encoder_tail(tail.transpose(1, 2)).flatten(1)
        b = self.encoder_head(head.transpose(1, 2)).flatten(1)
        return self.classifier(torch.cat([a, b], dim=1)).squeeze(1)


@TASK_UTILS.register_module()
class AFLink:
    """Link tracklets split by missed detections, without appearance.

    Candidate pairs: tracklet ``j`` starts ``temporal_thr[0] < gap <=
    temporal_thr[1]`` frames after tracklet ``i`` ends, and its first box
    centre is within ``spatial_thr`` pixels of ``i``'s last one. The model
    scores each candidate; a linear assignment on ``1 - p`` keeps pairs with
    ``p >= confidence_thr``, and every linked ``j`` takes ``i``'s id.

    Args:
        model: an :class:`AFLinkModel` (or its config).
        checkpoint: weights from ``train_aflink.py`` to load into it (safe
            loading). Defaults to None.
        temporal_thr: ``(min, max)`` frame gap. Defaults to ``(0, 30)``.
        spatial_thr: maximum centre distance in pixels. Defaults to 75.
        confidence_thr: minimum link probability. Defaults to 0.95.
    """

    def __init__(
        self,
        model: nn.Module | dict | None = None,
        checkpoint: str | None = None,
        temporal_thr: tuple[int, int] = (0, 30),
        spatial_thr: float = 75.0,
        confidence_thr: float = 0.95,
    ) -> None:
        if isinstance(model, dict) or model is None:
            model = MODELS.build(model or dict(type="AFLinkModel"))
        if checkpoint is not None:
            from mmtrack.utils.checkpoint import safe_torch_load

            state = safe_torch_load(checkpoint, map_location="cpu")
            model.load_state_dict(state.get("state_dict", state))
        self.model = model.eval()
        self.temporal_thr = temporal_thr
        self.spatial_thr = spatial_thr
        self.confidence_thr = confidence_thr

    def candidates(self, tracks: dict[int, np.ndarray]) -> list[tuple[int, int]]:
        """Pairs ``(i, j)`` of ids passing the temporal and spatial gates."""
        ids = sorted(tracks)
        ends = {k: tracks[k][-1] for k in ids}
        starts = {k: tracks[k][0] for k in ids}
        pairs = []
        for i in ids:
            for j in ids:
                if i == j:
                    continue
                gap = starts[j][0] - ends[i][0]
                if not (self.temporal_thr[0] < gap <= self.temporal_thr[1]):
                    continue
                ci = (ends[i][1:3] + ends[i][3:5]) / 2
                cj = (starts[j][1:3] + starts[j][3:5]) / 2
                if np.linalg.norm(ci - cj) < self.spatial_thr:
                    pairs.append((i, j))
        return pairs

    @torch.no_grad()
    def link_probabilities(
        self, tracks: dict[int, np.ndarray], pairs: list[tuple[int, int]]
    ) -> np.ndarray:
        """Model probabilities of the candidate pairs, ``(len(pairs),)``."""
        if not pairs:
            return np.zeros(0)
        tails = [tracklet_features(tracks[i], True, tracks[i][-1]) for i, _ in pairs]
        heads = [tracklet_features(tracks[j], False, tracks[i][-1]) for i, j in pairs]
        logits = self.model(torch.from_numpy(np.stack(tails)), torch.from_numpy(np.stack(heads)))
        return torch.sigmoid(logits).numpy()

    def __call__(self, results: np.ndarray) -> np.ndarray:
        """Relink MOTChallenge result rows of one sequence.

        Args:
            results: ``(N, >=6)`` rows ``frame, id, x, y, w, h, ...``.

        Returns:
            A copy of ``results`` with linked ids replaced by their predecessor's.
        """
        out = np.array(results, dtype=np.float64, copy=True)
        if len(out) == 0:
            return out
        tracks = {}
        for tid in np.unique(out[:, 1]).astype(int):
            rows = out[out[:, 1] == tid]
            rows = rows[np.argsort(rows[:, 0])]
            tracks[tid] = np.stack(
                [
                    rows[:, 0],
                    rows[:, 2],
                    rows[:, 3],
                    rows[:, 2] + rows[:, 4],
                    rows[:, 3] + rows[:, 5],
                ],
                axis=1,
            )
        pairs = self.candidates(tracks)
        probs = self.link_probabilities(tracks, pairs)
        if not pairs:
            return out
        ids = sorted(tracks)
        index = {k: n for n, k in enumerate(ids)}
        cost = np.full((len(ids), len(ids)), np.inf)
        for (i, j), p in zip(pairs, probs):
            cost[index[i], index[j]] = 1.0 - p
        matches, _, _ = linear_assignment(cost, 1.0 - self.confidence_thr)
        # Follow chains i -> j -> k so that every linked tracklet takes the first id.
        succ = {ids[r]: ids[c] for r, c in matches}
        pred = {v: k for k, v in succ.items()}
        new_id = {}
        for k in ids:
            root = k
            while root in pred:
                root = pred[root]
            new_id[k] = root
        out[:, 1] = [new_id[int(t)] for t in out[:, 1]]
        return out


def make_link_samples(
    gt_tracks: list[dict[int, np.ndarray]],
    max_gap: int = 30,
    spatial_thr: float = 75.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training pairs for :class:`AFLinkModel` cut from ground-truth trajectories.

    Positives: one trajectory cut at a random frame with a random gap of
    1..``max_gap`` frames removed. Negatives: the tail of one trajectory and
    the head of another that passes the same spatio-temporal gate.

    Args:
        gt_tracks: per sequence, ``{id: (n, 5) rows (frame, x1, y1, x2, y2)}``.
        max_gap: largest gap. Defaults to 30.
        spatial_thr: gate on the centre distance. Defaults to 75.
        seed: random seed. Defaults to 0.

    Returns:
        ``tails (B, WINDOW, 5)``, ``heads (B, WINDOW, 5)`` float32 and ``labels (B,)``.
    """
    rng = np.random.default_rng(seed)
    tails, heads, labels = [], [], []
    for tracks in gt_tracks:
        ids = [k for k, v in tracks.items() if len(v) >= 6]
        for k in ids:
            tr = tracks[k]
            for _ in range(4):
                cut = int(rng.integers(2, len(tr) - 2))
                gap = int(rng.integers(1, max_gap + 1))
                a = tr[:cut]
                b = tr[tr[:, 0] >= a[-1, 0] + gap]
                if len(b) < 2:
                    continue
                tails.append(tracklet_features(a, True, a[-1]))
                heads.append(tracklet_features(b, False, a[-1]))
                labels.append(1.0)
                # A negative: the head of another trajectory near the cut point.
                others = []
                for o in ids:
                    if o == k:
                        continue
                    ob = tracks[o][tracks[o][:, 0] >= a[-1, 0] + gap]
                    if len(ob) < 2:
                        continue
                    ci = (a[-1, 1:3] + a[-1, 3:5]) / 2
                    cj = (ob[0, 1:3] + ob[0, 3:5]) / 2
                    if np.linalg.norm(ci - cj) < spatial_thr * 2:
                        others.append(ob)
                if others:
                    ob = others[int(rng.integers(len(others)))]
                    tails.append(tracklet_features(a, True, a[-1]))
                    heads.append(tracklet_features(ob, False, a[-1]))
                    labels.append(0.0)
    if not labels:
        raise ValueError("make_link_samples: no trajectory long enough to cut into pairs")
    return np.stack(tails), np.stack(heads), np.asarray(labels, dtype=np.float32)


def train_aflink(
    gt_tracks: list[dict[int, np.ndarray]],
    epochs: int = 20,
    lr: float = 1e-3,
    seed: int = 0,
    channels: int = 64,
) -> tuple[AFLinkModel, float]:
    """Train an :class:`AFLinkModel` on pairs from ground truth (CPU, seconds).

    Returns:
        The trained model (eval mode) and its accuracy on held-out pairs.
    """
    torch.manual_seed(seed)
    tails, heads, labels = make_link_samples(gt_tracks, seed=seed)
    n = len(labels)
    perm = np.random.default_rng(seed).permutation(n)
    n_val = max(1, n // 5)
    val, tr = perm[:n_val], perm[n_val:]
    model = AFLinkModel(channels=channels)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    t_tail, t_head, t_lab = (torch.from_numpy(x) for x in (tails, heads, labels))
    for _ in range(epochs):
        model.train()
        for start in range(0, len(tr), 64):
            b = torch.from_numpy(tr[start : start + 64])
            loss = nn.functional.binary_cross_entropy_with_logits(
                model(t_tail[b], t_head[b]), t_lab[b]
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        v = torch.from_numpy(val)
        acc = ((model(t_tail[v], t_head[v]) > 0).float() == t_lab[v]).float().mean().item()
    return model, acc
