"""AFLink: appearance-free global link of tracklets (StrongSORT++, Du et al., 2023).

:class:`AppearanceFreeLink` is MMTracking 1.x's ``TASK_UTILS`` post-processor
of the same name: it takes the ``(N, 7)`` tracks of one video, scores every
pair of tracklets that pass a temporal and a spatial gate with
:class:`AFLinkModel`, solves one assignment and gives each linked tracklet the
id of the tracklet it continues. :class:`AFLinkModel` has the layers and
``state_dict`` names of MMTracking 1.x's ``AFLinkModel`` (StrongSORT's
``PostLinker``), so the published ``aflink_motchallenge_20220812_190310-a7578ad3.pth``
loads strictly. :func:`~.aflink_training.train_aflink` trains it on
ground-truth trajectories.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor, nn

from mmtrack.registry import MODELS, TASK_UTILS

#: Cost of a pair that may not be linked (the filler of the assignment matrix).
INFINITY = 1e5
#: Frames of each tracklet the model sees: the last ones of the earlier
#: tracklet, the first ones of the later one.
INPUT_LENGTH = 30


class TemporalBlock(nn.Module):
    """A ``(k, 1)`` convolution along time, one BatchNorm per input column, ReLU.

    The input ``(B, C_in, T, 3)`` holds three columns (frame, x, y) that are
    convolved with the same kernel but normalised separately (``bnf``,
    ``bnx``, ``bny``). Output ``(B, C_out, T - k + 1, 3)``.

    Args:
        in_channel (int): Input channels.
        out_channel (int): Output channels.
        kernel_size (tuple[int, int]): Convolution kernel. Defaults to (7, 1).
    """

    def __init__(
        self, in_channel: int, out_channel: int, kernel_size: tuple[int, int] = (7, 1)
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channel, out_channel, kernel_size, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.bnf = nn.BatchNorm1d(out_channel)
        self.bnx = nn.BatchNorm1d(out_channel)
        self.bny = nn.BatchNorm1d(out_channel)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        # Out of place (torch.stack), so that the block also trains.
        x = torch.stack([self.bnf(x[..., 0]), self.bnx(x[..., 1]), self.bny(x[..., 2])], dim=-1)
        return self.relu(x)


class FusionBlock(nn.Module):
    """A ``(1, 3)`` convolution that fuses the three columns, BatchNorm, ReLU.

    Args:
        in_channel (int): Input channels.
        out_channel (int): Output channels.
    """

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channel, out_channel, (1, 3), bias=False)
        self.bn = nn.BatchNorm2d(out_channel)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class Classifier(nn.Module):
    """Two linear layers on the concatenated embeddings of the two tracklets.

    Args:
        in_channel (int): Channels of one embedding (the first layer takes
            twice as many and gives half as many).
        out_channel (int): Classes (2: no link, link).
    """

    def __init__(self, in_channel: int, out_channel: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_channel * 2, in_channel // 2)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(in_channel // 2, out_channel)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return self.fc2(self.relu(self.fc1(torch.cat((x1, x2), dim=1))))


@MODELS.register_module()
class AFLinkModel(nn.Module):
    """The appearance-free link model (StrongSORT's ``PostLinker``).

    Each tracklet goes through its own stack of :class:`TemporalBlock` s
    (``TemporalModule_1`` for the earlier one, ``TemporalModule_2`` for the
    later one) and its own :class:`FusionBlock`; the average-pooled embeddings
    are classified together. Layer names and shapes are those of MMTracking
    1.x's ``AFLinkModel``, whose checkpoints load with ``strict=True``.

    Args:
        temporal_module_channels (Sequence[int]): Channels of the temporal
            stacks, input first. Defaults to (1, 32, 64, 128, 256).
        fusion_module_channels (Sequence[int]): ``(in, out)`` of the fusion
            blocks. Defaults to (256, 256).
        classifier_channels (Sequence[int]): ``(embedding, classes)`` of the
            classifier. Defaults to (256, 2).
    """

    def __init__(
        self,
        temporal_module_channels: Sequence[int] = (1, 32, 64, 128, 256),
        fusion_module_channels: Sequence[int] = (256, 256),
        classifier_channels: Sequence[int] = (256, 2),
    ) -> None:
        super().__init__()
        pairs = list(zip(temporal_module_channels[:-1], temporal_module_channels[1:]))
        self.TemporalModule_1 = nn.Sequential(*[TemporalBlock(a, b) for a, b in pairs])
        self.TemporalModule_2 = nn.Sequential(*[TemporalBlock(a, b) for a, b in pairs])
        self.FusionBlock_1 = FusionBlock(*fusion_module_channels)
        self.FusionBlock_2 = FusionBlock(*fusion_module_channels)
        self.pooling = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = Classifier(*classifier_channels)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Link logits of tracklet pairs.

        Args:
            x1 (Tensor): ``(B, 1, T, C)`` the earlier tracklets (see
                :func:`pad_and_normalize`); only the first 3 columns (frame,
                x1, y1) are used. ``T >= 25`` (each temporal block takes 6
                frames off); the model was trained with ``T = 30``.
            x2 (Tensor): ``(B, 1, T, C)`` the later tracklets.

        Returns:
            Tensor: ``(B, 2)`` logits of (no link, link). MMTracking 1.x's
            ``forward`` returned the softmax link probability of the first
            pair only; :meth:`link_probability` gives it for every pair.
        """
        y1 = self.FusionBlock_1(self.TemporalModule_1(x1[..., :3]))
        y2 = self.FusionBlock_2(self.TemporalModule_2(x2[..., :3]))
        y1 = self.pooling(y1).flatten(1)
        y2 = self.pooling(y2).flatten(1)
        return self.classifier(y1, y2)

    @torch.no_grad()
    def link_probability(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``(B,)`` softmax probability that each pair is one object."""
        return torch.softmax(self(x1, x2), dim=1)[:, 1]


def pad_and_normalize(
    track1: np.ndarray, track2: np.ndarray, length: int = INPUT_LENGTH
) -> tuple[np.ndarray, np.ndarray]:
    """Model input of a pair of tracklets, as MMTracking 1.x / StrongSORT build it.

    1. ``track1`` (the earlier) keeps its last ``length`` rows, or is padded
       with zero rows in front; ``track2`` keeps its first ``length`` rows, or
       is padded with zero rows behind.
    2. Each column is min-max normalised to about ``[-1, 1]`` over the
       ``2 * length`` rows of both (padding included): ``(v - (max + min) / 2)
       / ((max - min) / 2 + 1e-5)``.

    Args:
        track1 (np.ndarray): ``(n, C)`` rows of the earlier tracklet, by frame
            (AFLink uses ``(frame, x1, y1, w, h)``).
        track2 (np.ndarray): ``(m, C)`` rows of the later tracklet, by frame.
        length (int): Rows kept of each. Defaults to 30.

    Returns:
        tuple[np.ndarray, np.ndarray]: The two ``(length, C)`` float64 arrays.
    """
    track1 = np.asarray(track1, dtype=np.float64)
    track2 = np.asarray(track2, dtype=np.float64)
    if len(track1) >= length:
        track1 = track1[-length:]
    else:
        track1 = np.pad(track1, ((length - len(track1), 0), (0, 0)))
    if len(track2) >= length:
        track2 = track2[:length]
    else:
        track2 = np.pad(track2, ((0, length - len(track2)), (0, 0)))
    both = np.concatenate((track1, track2), axis=0)
    lo, hi = both.min(axis=0), both.max(axis=0)
    centre = (hi + lo) / 2
    half_range = (hi - lo) / 2 + 1e-5
    return (track1 - centre) / half_range, (track2 - centre) / half_range


@TASK_UTILS.register_module(name=["AppearanceFreeLink", "AFLink"])
class AppearanceFreeLink(nn.Module):
    """Link the tracklets of one video without appearance (StrongSORT++'s AFLink).

    The ``TASK_UTILS`` post-processor of MMTracking 1.x (same arguments and
    defaults), used in ``MOTChallengeMetric(postprocess_tracklet_cfg=[...])``.
    For every ordered pair of tracklets ``(i, j)``:

    1. temporal gate: ``t0 <= first frame of j - last frame of i <= t1``;
    2. spatial gate: the top-left corners of ``i``'s last box and ``j``'s
       first box are at most ``spatial_threshold`` pixels apart;
    3. the model scores the pair (:func:`pad_and_normalize` of the rows
       ``(frame, x1, y1, w, h)``); pairs with probability ``>=
       confidence_threshold`` cost ``1 - p``, all others ``1e5``.

    One linear assignment on that square matrix (``scipy``) picks the links,
    and each linked ``j`` (and, along chains ``i -> j -> k``, ``k``) takes
    ``i``'s id. Rows keep their boxes and scores; rows that end up with the
    same ``(frame, id)`` keep the first one.

    MMTracking 1.x keyed the links by the tracklets' positions in the
    first-appearance order and wrote those positions as ids; this class
    writes the tracklets' own ids, which is the same whenever the ids are
    ``0, 1, 2, ...`` in order of first appearance, and right otherwise. It
    also scores all candidate pairs in one batch instead of one by one.

    Args:
        checkpoint (str, optional): Weights of :class:`AFLinkModel` (a plain
            state dict or ``{'state_dict': ...}``; ``module.`` prefixes are
            stripped), loaded safely and strictly (MMTracking 1.x only
            warned about mismatched keys). Empty or None keeps the random
            initialisation (as MMTracking 1.x does). Defaults to None.
        temporal_threshold (tuple[int, int]): ``(t0, t1)``, inclusive bounds of
            the frame gap. Defaults to (0, 30).
        spatial_threshold (float): Largest distance in pixels between the
            top-left corners. Defaults to 75.
        confidence_threshold (float): Smallest link probability. Defaults to 0.95.
        device (str, optional): Where the model runs; None picks CUDA when
            available (as MMTracking 1.x), else CPU. Defaults to None.
    """

    def __init__(
        self,
        checkpoint: str | None = None,
        temporal_threshold: tuple[int, int] = (0, 30),
        spatial_threshold: float = 75,
        confidence_threshold: float = 0.95,
        device: str | None = None,
    ) -> None:
        super().__init__()
        if len(temporal_threshold) != 2 or temporal_threshold[0] > temporal_threshold[1]:
            raise ValueError(
                f"temporal_threshold must be (t0, t1) with t0 <= t1, got {temporal_threshold}"
            )
        self.temporal_threshold = tuple(temporal_threshold)
        self.spatial_threshold = spatial_threshold
        self.confidence_threshold = confidence_threshold
        self.model = AFLinkModel()
        if checkpoint:
            from mmtrack.utils.checkpoint import load_checkpoint

            load_checkpoint(self.model, checkpoint, map_location="cpu", strict=True)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(device)
        self.model.eval()

    @staticmethod
    def data_transform(
        track1: np.ndarray, track2: np.ndarray, length: int = INPUT_LENGTH
    ) -> tuple[np.ndarray, np.ndarray]:
        """See :func:`pad_and_normalize` (MMTracking 1.x's method name)."""
        return pad_and_normalize(track1, track2, length)

    @staticmethod
    def gather_tracklets(pred_tracks: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Tracklet ids in order of first appearance and their rows.

        Args:
            pred_tracks (np.ndarray): ``(N, >=6)`` rows ``(frame, id, x1, y1,
                x2, y2, ...)`` sorted by frame.

        Returns:
            tuple: ``(K,)`` ids and, per id, ``(n, 5)`` rows ``(frame, x1, y1,
            w, h)`` by frame.
        """
        uniq, first, inverse = np.unique(pred_tracks[:, 1], return_index=True, return_inverse=True)
        appearance = np.argsort(first, kind="stable")
        # rows grouped by id, frame order kept inside each group
        by_id = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
        groups = np.split(pred_tracks[by_id], bounds)
        infos = []
        for k in appearance:
            rows = groups[k]
            infos.append(
                np.column_stack(
                    [rows[:, 0], rows[:, 2:4], rows[:, 4] - rows[:, 2], rows[:, 5] - rows[:, 3]]
                )
            )
        return uniq[appearance], infos

    def candidate_pairs(self, infos: list[np.ndarray]) -> np.ndarray:
        """``(P, 2)`` positions ``(i, j)`` of the pairs that pass both gates.

        Row-major order (``i`` first), as MMTracking 1.x's double loop.
        """
        last_frame = np.array([info[-1, 0] for info in infos])
        first_frame = np.array([info[0, 0] for info in infos])
        last_corner = np.array([info[-1, 1:3] for info in infos]).reshape(-1, 2)
        first_corner = np.array([info[0, 1:3] for info in infos]).reshape(-1, 2)
        gap = first_frame[None, :] - last_frame[:, None]
        t0, t1 = self.temporal_threshold
        ok = (gap >= t0) & (gap <= t1)
        d = last_corner[:, None, :] - first_corner[None, :, :]
        ok &= np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2) <= self.spatial_threshold
        np.fill_diagonal(ok, False)
        return np.argwhere(ok)

    @torch.no_grad()
    def link_probabilities(
        self, infos: list[np.ndarray], pairs: np.ndarray, batch_size: int = 4096
    ) -> np.ndarray:
        """``(P,)`` model probabilities that the pairs are one object (float32)."""
        if len(pairs) == 0:
            return np.zeros(0, dtype=np.float32)
        x1, x2 = zip(*(pad_and_normalize(infos[i], infos[j]) for i, j in pairs))
        x1 = torch.tensor(np.stack(x1), dtype=torch.float32).unsqueeze(1)
        x2 = torch.tensor(np.stack(x2), dtype=torch.float32).unsqueeze(1)
        param = next(self.model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        probs = []
        for start in range(0, len(pairs), batch_size):
            a = x1[start : start + batch_size].to(device)
            b = x2[start : start + batch_size].to(device)
            logits = self.model(a, b)
            probs.append(torch.softmax(logits, dim=1)[:, 1].float().cpu())
        return torch.cat(probs).numpy()

    def forward(self, pred_tracks: np.ndarray) -> np.ndarray:
        """Link the tracklets of one video.

        Args:
            pred_tracks (np.ndarray): ``(N, 7)`` rows ``(frame_id, track_id,
                x1, y1, x2, y2, score)`` (more columns are carried along).

        Returns:
            np.ndarray: ``(M, 7)`` rows, ``M <= N``, with linked ids, sorted
            by ``(frame_id, track_id)``.
        """
        pred_tracks = np.array(pred_tracks, dtype=np.float64)
        if pred_tracks.ndim != 2 or pred_tracks.shape[1] < 6:
            raise ValueError(
                "AppearanceFreeLink expects (N, 7) rows (frame_id, track_id, x1, y1, x2, y2, "
                f"score), got shape {pred_tracks.shape}"
            )
        if len(pred_tracks) == 0:
            return pred_tracks
        # 1. tracklets, in order of first appearance
        pred_tracks = pred_tracks[np.argsort(pred_tracks[:, 0], kind="stable")]
        ids, infos = self.gather_tracklets(pred_tracks)
        # 2. cost of each gated pair the model is confident about
        pairs = self.candidate_pairs(infos)
        probs = self.link_probabilities(infos, pairs)
        cost = np.full((len(ids), len(ids)), INFINITY)
        for (i, j), p in zip(pairs, probs):
            if p >= self.confidence_threshold:
                cost[i, j] = 1 - p
        # 3. one assignment; links i -> j
        rows, cols = linear_sum_assignment(cost)
        links = {int(i): int(j) for i, j in zip(rows, cols) if cost[i, j] < INFINITY}
        # 4. every successor takes the id its predecessor has taken; links are
        # visited by predecessor position, so with t0 >= 0 a chain i -> j -> k
        # is visited in order and k ends with i's id
        new_id: dict[int, int] = {}
        for i, j in links.items():
            new_id[j] = new_id.get(i, i)
        # relabel one link after the other (a later relabel also moves rows an
        # earlier one gave the id it replaces), as MMTracking 1.x does
        members = {k: [k] for k in range(len(ids))}  # current label -> tracklets
        for j, root in new_id.items():
            if j != root and j in members:
                members.setdefault(root, []).extend(members.pop(j))
        label = np.empty(len(ids))
        for root, tracklets in members.items():
            label[tracklets] = ids[root]
        order = np.argsort(ids)
        pred_tracks[:, 1] = label[order[np.searchsorted(ids, pred_tracks[:, 1], sorter=order)]]
        # 5. one row per (frame, id), sorted by frame then id
        _, keep = np.unique(pred_tracks[:, :2], return_index=True, axis=0)
        return pred_tracks[keep]


#: Name kept from earlier versions of this package.
AFLink = AppearanceFreeLink
