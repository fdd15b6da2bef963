"""AFLink (StrongSORT++): MMTracking 1.x's AppearanceFreeLink and AFLinkModel."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmtrack.models.task_modules.track import AFLinkModel, AppearanceFreeLink, pad_and_normalize
from mmtrack.registry import METRICS, TASK_UTILS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules
from tests.helpers.tools import REPO_ROOT

register_all_modules()

BN_SUFFIXES = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def expected_keys() -> dict[str, tuple[int, ...]]:
    """MMTracking 1.x's AFLinkModel (StrongSORT's PostLinker), written out by hand.

    TemporalModule_{1,2}: 4 blocks (1->32->64->128->256 channels), each a
    bias-free Conv2d with a (7, 1) kernel and three BatchNorm1d (bnf, bnx, bny);
    FusionBlock_{1,2}: bias-free Conv2d 256->256 with a (1, 3) kernel and a
    BatchNorm2d; pooling (no weights); classifier: fc1 512->128, fc2 128->2.
    """
    keys: dict[str, tuple[int, ...]] = {}
    for m in (1, 2):
        for b, (cin, cout) in enumerate([(1, 32), (32, 64), (64, 128), (128, 256)]):
            keys[f"TemporalModule_{m}.{b}.conv.weight"] = (cout, cin, 7, 1)
            for bn in ("bnf", "bnx", "bny"):
                for s in BN_SUFFIXES:
                    keys[f"TemporalModule_{m}.{b}.{bn}.{s}"] = (
                        () if s == BN_SUFFIXES[-1] else (cout,)
                    )
    for m in (1, 2):
        keys[f"FusionBlock_{m}.conv.weight"] = (256, 256, 1, 3)
        for s in BN_SUFFIXES:
            keys[f"FusionBlock_{m}.bn.{s}"] = () if s == BN_SUFFIXES[-1] else (256,)
    keys["classifier.fc1.weight"] = (128, 512)
    keys["classifier.fc1.bias"] = (128,)
    keys["classifier.fc2.weight"] = (2, 128)
    keys["classifier.fc2.bias"] = (2,)
    return keys


def constant_model(p: float, seed: int = 0) -> AFLinkModel:
    """A model whose link probability is ``p`` for every pair (fc2 ignores its input)."""
    torch.manual_seed(seed)
    model = AFLinkModel()
    with torch.no_grad():
        model.classifier.fc2.weight.zero_()
        model.classifier.fc2.bias.copy_(torch.tensor([0.0, math.log(p / (1 - p))]))
    return model.eval()


def save_constant_checkpoint(path, p: float) -> str:
    torch.save({"state_dict": constant_model(p).state_dict()}, str(path))
    return str(path)


# ----------------------------------------------------------------- the model
def test_state_dict_keys_and_shapes_are_mmtracking_1x():
    sd = AFLinkModel().state_dict()
    expected = expected_keys()
    assert len(expected) == 144
    assert {k: tuple(v.shape) for k, v in sd.items()} == expected
    # trainable parameters, counted by hand: temporal convs 7*(32 + 32*64 +
    # 64*128 + 128*256) = 301280 and BN affine 2*3*(32+64+128+256) = 2880 per
    # stack; fusion 256*256*3 + 2*256 = 197120 per branch; classifier
    # 512*128 + 128 + 128*2 + 2 = 65922.
    n = sum(p.numel() for p in AFLinkModel().parameters())
    assert n == 2 * (301280 + 2880) + 2 * 197120 + 65922 == 1068482


@pytest.mark.parametrize("layout", ["wrapped", "plain", "data_parallel"])
def test_checkpoint_loads_strictly_through_safe_loading(tmp_path, layout):
    torch.manual_seed(1)
    src = AFLinkModel()
    # BN statistics that are not the defaults, so that buffers are checked too
    for m in src.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    sd = src.state_dict()
    if layout == "wrapped":  # what MMTracking's checkpoints (mmengine) hold
        obj = {"state_dict": sd, "meta": {"epoch": 20}}
    elif layout == "plain":  # torch.save(model.state_dict()), StrongSORT's way
        obj = sd
    else:
        obj = {"state_dict": {"module." + k: v for k, v in sd.items()}}
    torch.save(obj, tmp_path / "aflink.pth")
    linker = AppearanceFreeLink(checkpoint=str(tmp_path / "aflink.pth"), device="cpu")
    loaded = linker.model.state_dict()
    assert loaded.keys() == sd.keys()
    for k, v in sd.items():
        assert torch.equal(loaded[k], v), k
    assert not linker.model.training


def test_checkpoint_with_a_wrong_key_is_refused(tmp_path):
    sd = AFLinkModel().state_dict()
    sd["classifier.fc3.weight"] = sd.pop("classifier.fc2.weight")
    torch.save({"state_dict": sd}, tmp_path / "bad.pth")
    with pytest.raises(RuntimeError, match="fc2.weight|fc3.weight"):
        AppearanceFreeLink(checkpoint=str(tmp_path / "bad.pth"), device="cpu")
    with pytest.raises(FileNotFoundError):
        AppearanceFreeLink(checkpoint=str(tmp_path / "missing.pth"), device="cpu")


def test_forward_is_postlinker_in_eval_mode():
    """Logits equal a functional re-statement of the 1.x/StrongSORT forward pass."""
    torch.manual_seed(2)
    model = AFLinkModel()
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    sd = model.state_dict()
    x1, x2 = torch.randn(3, 1, 30, 5), torch.randn(3, 1, 30, 5)

    def bn(x, p):
        return F.batch_norm(
            x, sd[p + "running_mean"], sd[p + "running_var"], sd[p + "weight"], sd[p + "bias"]
        )

    def branch(x, m):
        x = x[:, :, :, :3]
        for b in range(4):
            p = f"TemporalModule_{m}.{b}."
            x = F.conv2d(x, sd[p + "conv.weight"])
            # columns 0/1/2 (frame, x, y) each through their own BatchNorm1d
            cols = [bn(x[:, :, :, c], p + n + ".") for c, n in enumerate(("bnf", "bnx", "bny"))]
            x = F.relu(torch.stack(cols, dim=3))
        x = F.conv2d(x, sd[f"FusionBlock_{m}.conv.weight"])
        x = F.relu(bn(x, f"FusionBlock_{m}.bn."))
        return x.mean(dim=(2, 3))

    y = torch.cat([branch(x1, 1), branch(x2, 2)], dim=1)
    y = F.linear(y, sd["classifier.fc1.weight"], sd["classifier.fc1.bias"]).relu()
    y = F.linear(y, sd["classifier.fc2.weight"], sd["classifier.fc2.bias"])
    with torch.no_grad():
        torch.testing.assert_close(model(x1, x2), y, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(model.link_probability(x1, x2), y.softmax(1)[:, 1])


def test_model_trains():
    model = AFLinkModel()
    x1, x2 = torch.randn(4, 1, 30, 5), torch.randn(4, 1, 30, 5)
    loss = F.cross_entropy(model(x1, x2), torch.tensor([1, 0, 0, 0]))
    loss.backward()
    assert model.TemporalModule_1[0].bnx.weight.grad is not None


# ------------------------------------------------------------ featurisation
def test_pad_and_normalize_by_hand():
    # rows (frame, x1, y1, w, h); the earlier tracklet ends at frame 10, the
    # later one starts at frame 14; length 4 pads each with zero rows
    t1 = np.array([[8, 100, 50, 20, 40], [9, 102, 50, 20, 40], [10, 104, 50, 20, 40]], float)
    t2 = np.array([[14, 112, 50, 20, 40], [15, 114, 50, 20, 40]], float)
    a, b = pad_and_normalize(t1, t2, length=4)
    # per column over the 8 rows: frame 0..15 -> centre 7.5, half-range 7.5;
    # x 0..114 -> 57, 57; y 0..50 -> 25, 25; w 0..20 -> 10, 10; h 0..40 -> 20, 20
    centre = np.array([7.5, 57, 25, 10, 20])
    half = np.array([7.5, 57, 25, 10, 20]) + 1e-5
    exp_a = (np.array([[0, 0, 0, 0, 0], *t1]) - centre) / half
    exp_b = (np.array([*t2, [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]) - centre) / half
    np.testing.assert_allclose(a, exp_a, rtol=1e-12)
    np.testing.assert_allclose(b, exp_b, rtol=1e-12)
    assert a[0, 0] == pytest.approx(-1, abs=1e-5) and b[1, 0] == pytest.approx(1, abs=1e-5)
    # longer tracklets: the last rows of the earlier one, the first of the later one
    long1 = np.column_stack([np.arange(1, 11), np.arange(10) * 2.0, np.ones((10, 3))])
    long2 = np.column_stack([np.arange(20, 30), np.arange(10) * 3.0, np.ones((10, 3))])
    a, b = pad_and_normalize(long1, long2, length=4)
    # frames 7..10 and 20..23, no padding: centre 15, half-range 8
    assert np.allclose(a[:, 0] * (8 + 1e-5) + 15, [7, 8, 9, 10])
    assert np.allclose(b[:, 0] * (8 + 1e-5) + 15, [20, 21, 22, 23])
    # the 1.x method name
    np.testing.assert_array_equal(AppearanceFreeLink.data_transform(t1, t2, 4)[0], exp_a)


def _tracklet_rows(track_id, frames, x, y, vx=0.0, w=20.0, h=40.0, score=0.9):
    f = np.asarray(list(frames), dtype=float)
    x1 = x + vx * (f - f[0])
    return np.column_stack(
        [
            f,
            np.full_like(f, track_id),
            x1,
            np.full_like(f, y),
            x1 + w,
            np.full_like(f, y + h),
            np.full_like(f, score),
        ]
    )


def test_gates_by_hand():
    linker = AppearanceFreeLink(spatial_threshold=50, device="cpu")
    # A ends at frame 10 with its top-left corner at (100, 50)
    a = _tracklet_rows(1, range(1, 11), 100, 50)
    others = {
        2: _tracklet_rows(2, [14, 15], 130, 90),  # gap 4, corner 50 px away: in
        3: _tracklet_rows(3, [14, 15], 131, 90),  # gap 4, 50.6 px away: out
        4: _tracklet_rows(4, [40, 41], 100, 50),  # gap 30 (inclusive): in
        5: _tracklet_rows(5, [41, 42], 100, 50),  # gap 31: out
        6: _tracklet_rows(6, [10, 11], 100, 50),  # gap 0 (inclusive): in
        7: _tracklet_rows(7, [9, 11], 100, 50),  # gap -1: out
    }
    rows = np.concatenate([a, *others.values()])
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    ids, infos = linker.gather_tracklets(rows)
    # first-appearance order; rows (frame, x1, y1, w, h)
    assert ids.tolist() == [1, 7, 6, 2, 3, 4, 5]
    np.testing.assert_array_equal(infos[0][-1], [10, 100, 50, 20, 40])
    pairs = {(int(ids[i]), int(ids[j])) for i, j in linker.candidate_pairs(infos)}
    from_a = {j for i, j in pairs if i == 1}
    assert from_a == {2, 4, 6}
    # the spatial bound is inclusive too: 50 px passes, 49.9 does not
    linker.spatial_threshold = 49.9
    pairs = {(int(ids[i]), int(ids[j])) for i, j in linker.candidate_pairs(infos)}
    assert {j for i, j in pairs if i == 1} == {4, 6}
    # temporal window (5, 30): gaps 0 and 4 are out
    linker = AppearanceFreeLink(temporal_threshold=(5, 30), spatial_threshold=50, device="cpu")
    pairs = {(int(ids[i]), int(ids[j])) for i, j in linker.candidate_pairs(infos)}
    assert {j for i, j in pairs if i == 1} == {4}


# ------------------------------------------------------------------ linking
class _PairProbabilities:
    """Stands in for ``link_probabilities``: probabilities by (id_i, id_j)."""

    def __init__(self, table: dict, ids: np.ndarray):
        self.table, self.ids, self.seen = table, ids, []

    def __call__(self, infos, pairs):
        out = []
        for i, j in pairs:
            pair = (int(self.ids[i]), int(self.ids[j]))
            self.seen.append(pair)
            out.append(self.table.get(pair, 0.0))
        return np.asarray(out, dtype=np.float32)


def _link(rows, table, **kwargs):
    linker = AppearanceFreeLink(device="cpu", **kwargs)
    ids, _ = linker.gather_tracklets(rows[np.argsort(rows[:, 0], kind="stable")])
    stub = _PairProbabilities(table, ids)
    linker.link_probabilities = stub
    return linker.forward(rows), stub


def test_linking_chains_thresholds_and_rows():
    rows = np.concatenate(
        [
            _tracklet_rows(7, range(1, 11), 100, 50, vx=2),  # ends frame 10 at x=118
            _tracklet_rows(3, range(14, 21), 126, 50, vx=2),  # 7 -> 3
            _tracklet_rows(12, range(25, 31), 148, 50, vx=2),  # 3 -> 12
            _tracklet_rows(5, range(12, 21), 600, 50),  # far from everything
            _tracklet_rows(9, range(1, 11), 300, 300),
            _tracklet_rows(4, range(13, 21), 305, 300),  # 9 -> 4 below the threshold
        ]
    )
    rng = np.random.default_rng(0)
    rows = rows[rng.permutation(len(rows))]  # input order does not matter
    table = {(7, 3): 0.97, (3, 12): 0.99, (9, 4): 0.94}
    out, stub = _link(rows, table, spatial_threshold=75)
    # the stub saw exactly the gated pairs
    assert sorted(stub.seen) == [(3, 12), (7, 3), (7, 12), (9, 4)]
    new_ids = {}
    for r in out:
        old = rows[(rows[:, 0] == r[0]) & (rows[:, 2] == r[2])][0, 1]
        new_ids.setdefault(int(old), set()).add(int(r[1]))
    assert new_ids == {7: {7}, 3: {7}, 12: {7}, 5: {5}, 9: {9}, 4: {4}}
    # rows keep their frames, boxes and scores; sorted by (frame, id)
    assert len(out) == len(rows)
    key = np.lexsort((rows[:, 2], rows[:, 0]))
    np.testing.assert_array_equal(
        out[np.lexsort((out[:, 2], out[:, 0]))][:, [0, 2, 3, 4, 5, 6]],
        rows[key][:, [0, 2, 3, 4, 5, 6]],
    )
    order = np.lexsort((out[:, 1], out[:, 0]))
    np.testing.assert_array_equal(order, np.arange(len(out)))


def test_assignment_picks_the_likelier_successor_and_dedupes_frames():
    rows = np.concatenate(
        [
            _tracklet_rows(1, range(1, 11), 100, 50),
            _tracklet_rows(2, range(12, 20), 110, 50),  # p = 0.97
            _tracklet_rows(3, range(13, 20), 120, 50),  # p = 0.99: wins
        ]
    )
    out, _ = _link(rows, {(1, 2): 0.97, (1, 3): 0.99})
    assert sorted(set(out[out[:, 0] >= 13][:, 1].astype(int))) == [1, 2]
    assert set(out[out[:, 2] == 120][:, 1]) == {1}
    assert set(out[out[:, 2] == 110][:, 1]) == {2}
    # one successor that starts on the predecessor's last frame: that frame
    # then holds two rows of one id and keeps the first one (the predecessor's)
    rows = np.concatenate(
        [_tracklet_rows(1, range(1, 11), 100, 50), _tracklet_rows(2, range(10, 20), 101, 50)]
    )
    out, _ = _link(rows, {(1, 2): 0.99})
    assert len(out) == len(rows) - 1 and set(out[:, 1]) == {1}
    np.testing.assert_array_equal(out[out[:, 0] == 10][0], rows[9])


def test_constant_model_links_above_threshold_only(tmp_path):
    rows = np.concatenate(
        [_tracklet_rows(4, range(1, 11), 100, 50, vx=1), _tracklet_rows(8, range(15, 25), 114, 50)]
    )
    hi = AppearanceFreeLink(save_constant_checkpoint(tmp_path / "p99.pth", 0.99), device="cpu")
    lo = AppearanceFreeLink(save_constant_checkpoint(tmp_path / "p90.pth", 0.90), device="cpu")
    srt = rows[np.argsort(rows[:, 0], kind="stable")]
    _, infos = hi.gather_tracklets(srt)
    probs = hi.link_probabilities(infos, hi.candidate_pairs(infos))
    np.testing.assert_allclose(probs, [0.99], rtol=1e-5)
    assert set(hi.forward(rows)[:, 1]) == {4}
    np.testing.assert_array_equal(lo.forward(rows), srt)
    # built from TASK_UTILS under both names; empty input passes through
    for name in ("AppearanceFreeLink", "AFLink"):
        obj = TASK_UTILS.build(dict(type=name, checkpoint=str(tmp_path / "p99.pth")))
        assert set(obj.forward(rows)[:, 1]) == {4}
    assert hi.forward(np.zeros((0, 7))).shape == (0, 7)
    with pytest.raises(ValueError, match=r"\(N, 7\)"):
        hi.forward(np.zeros((3, 4)))


# --------------------------------------------------- MOTChallengeMetric path
def _split_sequence_samples() -> list:
    """30 frames, 2 people; person 1 is tracked as id 1 (frames 1-12) then id 2
    (frames 16-30), missed on 13-15; person 2 is id 3 throughout."""
    samples = []
    for f in range(1, 31):
        gt = [(1, 100 + 2 * f, 50), (2, 400, 200)]
        pred = [(3, 400, 200)]
        if f <= 12:
            pred.append((1, 100 + 2 * f, 50))
        elif f >= 16:
            pred.append((2, 100 + 2 * f, 50))

        def boxes(items):
            return torch.tensor([[x, y, x + 20, y + 40] for _, x, y in items], dtype=torch.float32)

        frame = DetDataSample(
            metainfo=dict(
                frame_id=f - 1,
                video_length=30,
                video_id=1,
                img_path=f"/nowhere/SPLIT-01/img1/{f:06d}.jpg",
                ori_shape=(480, 640),
            )
        )
        frame.pred_track_instances = InstanceData(
            bboxes=boxes(pred),
            scores=torch.full((len(pred),), 0.9),
            labels=torch.zeros(len(pred), dtype=torch.long),
            instances_id=torch.tensor([k for k, _, _ in pred]),
        )
        frame.gt_instances = InstanceData(
            bboxes=boxes(gt),
            labels=torch.zeros(2, dtype=torch.long),
            instances_id=torch.tensor([k for k, _, _ in gt]),
        )
        track = TrackDataSample()
        track.video_data_samples = [frame]
        samples.append(track)
    return samples


def _run_metric(tmp_path, name, postprocess):
    metric = METRICS.build(
        dict(
            type="MOTChallengeMetric",
            gt_source="samples",
            outfile_prefix=str(tmp_path / name),
            postprocess_tracklet_cfg=postprocess,
            prefix="m",
        )
    )
    for s in _split_sequence_samples():
        metric.process({}, [s])
    out = metric.evaluate(size=30)
    rows = np.loadtxt(tmp_path / name / "SPLIT-01.txt", delimiter=",")
    return out, rows


def test_mot_challenge_metric_heals_an_id_split(tmp_path):
    ckpt = save_constant_checkpoint(tmp_path / "aflink.pth", 0.99)
    aflink = dict(
        type="AppearanceFreeLink",
        checkpoint=ckpt,
        temporal_threshold=(0, 30),
        spatial_threshold=50,
        confidence_threshold=0.95,
    )
    base, _ = _run_metric(tmp_path, "plain", None)
    linked, rows = _run_metric(tmp_path, "linked", [aflink])
    # 60 gt boxes, 57 predicted, all on their gt box. Split: person 1 switches
    # from id 1 to id 2 (1 IDSw); the best identity match pairs it with id 2
    # (15 boxes): IDTP 45, IDFN 15, IDFP 12 -> IDF1 = 90 / 117.
    assert base["m/IDSw"] == 1 and base["m/IDTP"] == 45
    assert base["m/IDF1"] == pytest.approx(100 * 90 / 117)
    # Linked: id 2 becomes id 1 (track 1 ends at frame 12 with its corner at
    # (124, 50), track 2 starts at frame 16 at (132, 50): gap 4, 8 px).
    assert rows[rows[:, 2] > 300][:, 1].tolist() == [3] * 30
    person1 = rows[rows[:, 2] < 300]
    assert person1[:, 1].tolist() == [1] * 27
    assert person1[:, 0].tolist() == [*range(1, 13), *range(16, 31)]
    # IDTP 57, IDFN 3 (the missed frames), IDFP 0 -> IDF1 = 114 / 117
    assert linked["m/IDSw"] == 0 and linked["m/IDTP"] == 57 and linked["m/FN"] == 3
    assert linked["m/IDF1"] == pytest.approx(100 * 114 / 117)
    # StrongSORT++'s list (AFLink then GSI): the gap is filled too
    full, rows = _run_metric(
        tmp_path,
        "full",
        [
            aflink,
            dict(
                type="InterpolateTracklets",
                min_num_frames=5,
                max_num_frames=20,
                use_gsi=True,
                smooth_tau=10,
            ),
        ],
    )
    assert (full["m/IDSw"], full["m/FN"], full["m/FP"]) == (0, 0, 0)
    assert full["m/IDF1"] == pytest.approx(100.0)
    assert sorted(rows[rows[:, 1] == 1][:, 0].astype(int).tolist()) == list(range(1, 31))


@pytest.mark.parametrize(
    "name",
    [
        "strongsort_yolox_x_crowdhuman_mot17-private-half.py",
        "strongsort_yolox_x_8xb4-80e_crowdhuman-mot20train_test-mot20test.py",
    ],
)
def test_strongsort_configs_use_mmtracking_1x_postprocessing(tmp_path, name):
    cfg = Config.fromfile(f"{REPO_ROOT}/configs/mot/strongsort/{name}")
    expected = [
        dict(
            type="AppearanceFreeLink",
            checkpoint="checkpoints/aflink_motchallenge_20220812_190310-a7578ad3.pth",
            temporal_threshold=(0, 30),
            spatial_threshold=50,
            confidence_threshold=0.95,
        ),
        dict(
            type="InterpolateTracklets",
            min_num_frames=5,
            max_num_frames=20,
            use_gsi=True,
            smooth_tau=10,
        ),
    ]
    for key in ("val_evaluator", "test_evaluator"):
        ev = cfg[key].to_dict()
        assert ev["postprocess_tracklet_cfg"] == expected, key
        assert not ev.get("interpolate_tracks_cfg"), key  # GSI runs once
        # the metric builds once the link model is there
        ev["postprocess_tracklet_cfg"][0]["checkpoint"] = save_constant_checkpoint(
            tmp_path / "a.pth", 0.99
        )
        ev.pop("outfile_prefix", None)
        ev["format_only"] = False
        metric = METRICS.build(ev)
        assert len(metric.postprocessors) == 2
