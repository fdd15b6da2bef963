"""MOTChallengeMetric against TrackEval run directly on the same files, and by hand."""

from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from mmtrack.evaluation.metrics import MOTChallengeMetric
from mmtrack.registry import METRICS
from mmtrack.structures import DetDataSample, TrackDataSample
from tests.helpers.trackeval_reference import run_trackeval_reference

DATA = osp.join(osp.dirname(__file__), "..", "data", "eval", "mot")
GT_ROOT = osp.join(DATA, "gt")
RES_DIR = osp.join(DATA, "results")
SEQS = ["IDSW-01", "FRAG-02", "DISTR-03", "NOPRED-04"]
LENGTHS = {"IDSW-01": 6, "FRAG-02": 8, "DISTR-03": 7, "NOPRED-04": 4}

# our key -> (TrackEval family, field, scale); HOTA-family fields are arrays
# over the 19 alphas, reported as their mean.
MAPPING = {
    "HOTA": ("HOTA", "HOTA", 100),
    "DetA": ("HOTA", "DetA", 100),
    "AssA": ("HOTA", "AssA", 100),
    "DetRe": ("HOTA", "DetRe", 100),
    "DetPr": ("HOTA", "DetPr", 100),
    "AssRe": ("HOTA", "AssRe", 100),
    "AssPr": ("HOTA", "AssPr", 100),
    "LocA": ("HOTA", "LocA", 100),
    "MOTA": ("CLEAR", "MOTA", 100),
    "MOTP": ("CLEAR", "MOTP", 100),
    "MODA": ("CLEAR", "MODA", 100),
    "Rcll": ("CLEAR", "CLR_Re", 100),
    "Prcn": ("CLEAR", "CLR_Pr", 100),
    "IDSw": ("CLEAR", "IDSW", None),
    "TP": ("CLEAR", "CLR_TP", None),
    "FP": ("CLEAR", "CLR_FP", None),
    "FN": ("CLEAR", "CLR_FN", None),
    "MT": ("CLEAR", "MT", None),
    "PT": ("CLEAR", "PT", None),
    "ML": ("CLEAR", "ML", None),
    "Frag": ("CLEAR", "Frag", None),
    "IDF1": ("Identity", "IDF1", 100),
    "IDP": ("Identity", "IDP", 100),
    "IDR": ("Identity", "IDR", 100),
    "IDTP": ("Identity", "IDTP", None),
    "IDFP": ("Identity", "IDFP", None),
    "IDFN": ("Identity", "IDFN", None),
}


def assert_matches_reference(ours: dict, ref: dict, prefix: str = "") -> None:
    for key, (family, field, scale) in MAPPING.items():
        value = ours[prefix + key]
        expected = ref[family][field]
        if scale is None:
            # counts come back as integral floats (mmengine's JSON log drops numpy ints)
            assert value == int(expected), key
            assert isinstance(value, float) and value.is_integer(), key
        else:
            assert value == pytest.approx(float(np.mean(expected)) * scale, rel=1e-12, abs=1e-12)


def load_rows(path: str) -> np.ndarray:
    with open(path) as f:
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1 if rows else 10)


def make_samples(seq: str, video_id: int, with_gt: bool = False, as_dict: bool = False) -> list:
    """One TrackDataSample per frame, predictions taken from the result file."""
    res = load_rows(osp.join(RES_DIR, f"{seq}.txt"))
    gt = load_rows(osp.join(GT_ROOT, seq, "gt", "gt.txt"))
    samples = []
    n = LENGTHS[seq]
    for f in range(1, n + 1):
        meta = dict(
            frame_id=f - 1,
            video_length=n,
            video_id=video_id,
            img_path=osp.join(GT_ROOT, seq, "img1", f"{f:06d}.jpg"),
            ori_shape=(480, 640),
        )
        frame = DetDataSample(metainfo=meta)
        rows = res[res[:, 0] == f] if len(res) else np.zeros((0, 10))
        boxes = rows[:, 2:6].copy()
        boxes[:, 2:] += boxes[:, :2]
        frame.pred_track_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            scores=torch.tensor(rows[:, 6], dtype=torch.float32),
            labels=torch.zeros(len(rows), dtype=torch.long),
            instances_id=torch.tensor(rows[:, 1], dtype=torch.long),
        )
        if with_gt:
            g = gt[gt[:, 0] == f]
            gboxes = g[:, 2:6].copy()
            gboxes[:, 2:] += gboxes[:, :2]
            frame.gt_instances = InstanceData(
                bboxes=torch.tensor(gboxes, dtype=torch.float32).reshape(-1, 4),
                labels=torch.zeros(len(g), dtype=torch.long),
                instances_id=torch.tensor(g[:, 1], dtype=torch.long),
                mot_conf=torch.tensor(g[:, 6]),
                mot_class_id=torch.tensor(g[:, 7]),
                visibility=torch.tensor(g[:, 8]),
            )
        track = TrackDataSample()
        track.video_data_samples = [frame]
        samples.append(track.to_dict() if as_dict else track)
    return samples


def run_metric(metric, seqs, **kwargs) -> dict:
    for k, seq in enumerate(seqs):
        for sample in make_samples(seq, k + 1, **kwargs):
            metric.process({}, [sample])
    return metric.evaluate(size=sum(LENGTHS[s] for s in seqs))


@pytest.fixture(scope="module")
def reference_mot17():
    return run_trackeval_reference(GT_ROOT, RES_DIR, SEQS, "MOT17")


def test_files_mode_equals_trackeval(reference_mot17, tmp_path):
    # through mmengine's Evaluator, which hands the metric the dict form of samples
    metric = METRICS.build(
        dict(type="MOTChallengeMetric", benchmark="MOT17", outfile_prefix=str(tmp_path / "res"))
    )
    evaluator = Evaluator([metric])
    for k, seq in enumerate(SEQS):
        for sample in make_samples(seq, k + 1):
            evaluator.process(data_samples=[sample], data_batch={})
    out = evaluator.evaluate(sum(LENGTHS.values()))
    assert_matches_reference(out, reference_mot17["COMBINED_SEQ"], "motchallenge-metric/")
    # the written server files hold the same boxes as the hand-written results
    for seq in SEQS:
        written = load_rows(str(tmp_path / "res" / f"{seq}.txt"))
        given = load_rows(osp.join(RES_DIR, f"{seq}.txt"))
        given = given[np.lexsort((given[:, 1], given[:, 0]))]
        np.testing.assert_array_equal(written[:, :7], given[:, :7])


def test_hand_computed_values(tmp_path):
    metric = MOTChallengeMetric(benchmark="MOT17", prefix="m")
    out = run_metric(metric, ["IDSW-01"])
    # IDSW-01: 12 gt boxes, all covered exactly; ids swap at frame 4 (2 switches);
    # one extra box at frame 2. MOTA = 1 - (FN + FP + IDSw) / GT = 1 - 3 / 12.
    assert out["m/FP"] == 1 and out["m/FN"] == 0 and out["m/IDSw"] == 2
    assert out["m/MOTA"] == pytest.approx(75.0)
    # best identity matching: gt1<->track1 (frames 1-3), gt2<->track2 (frames 1-3):
    # IDTP 6, IDFN 12 - 6, IDFP 13 - 6 -> IDF1 = 2*6 / (2*6 + 6 + 7) = 12/25.
    assert out["m/IDTP"] == 6 and out["m/IDFN"] == 6 and out["m/IDFP"] == 7
    assert out["m/IDF1"] == pytest.approx(48.0)
    # Floats, which mmengine's JSON log keeps (numpy integers became null).
    assert type(out["m/IDSw"]) is float and type(out["m/MOTA"]) is float
    from mmengine.hooks import LoggerHook

    logged = LoggerHook._process_tags(out)
    assert logged["m/IDSw"] == 2 and logged["m/FP"] == 1
    assert logged["m/MOTA"] == pytest.approx(75.0)

    metric = MOTChallengeMetric(benchmark="MOT17", metric=["CLEAR"], prefix="m")
    out = run_metric(metric, ["FRAG-02"])
    # id 5 missed on frames 4-5 (2 FN, one fragmentation); id 6 covered at
    # IoU 7/9 on frames 1-4, then by a box at IoU 1/7 (4 FN + 4 FP)
    assert (out["m/FN"], out["m/FP"], out["m/Frag"], out["m/IDSw"]) == (6, 4, 1, 0)
    assert out["m/MOTA"] == pytest.approx((1 - 10 / 16) * 100)
    assert "m/HOTA" not in out and "m/IDF1" not in out


def test_distractors_per_benchmark(tmp_path):
    # DISTR-03: boxes on the distractor (class 8) and static person (class 7) are
    # removed; those on the zero-marked pedestrian (5), the non-MOT vehicle (2)
    # and the car (3) are false positives under MOT17; MOT20 also removes the
    # non-MOT vehicle ones.
    out17 = run_metric(MOTChallengeMetric(benchmark="MOT17", prefix="m"), ["DISTR-03"])
    out20 = run_metric(MOTChallengeMetric(benchmark="MOT20", prefix="m"), ["DISTR-03"])
    assert (out17["m/TP"], out17["m/FP"], out17["m/FN"]) == (5, 10, 0)
    assert (out20["m/TP"], out20["m/FP"], out20["m/FN"]) == (5, 8, 0)
    assert out17["m/MOTA"] == pytest.approx(-100.0)
    ref20 = run_trackeval_reference(GT_ROOT, RES_DIR, ["DISTR-03"], "MOT20")
    assert_matches_reference(out20, ref20["COMBINED_SEQ"], "m/")


def test_samples_mode_and_dict_inputs(tmp_path):
    seqs = ["IDSW-01", "FRAG-02", "NOPRED-04"]
    ref = run_trackeval_reference(GT_ROOT, RES_DIR, seqs, "MOT17")
    metric = MOTChallengeMetric(gt_source="samples", prefix="m")
    out = run_metric(metric, seqs, with_gt=True, as_dict=True)
    assert_matches_reference(out, ref["COMBINED_SEQ"], "m/")


def test_samples_mode_keeps_distractor_classes():
    ref = run_trackeval_reference(GT_ROOT, RES_DIR, ["DISTR-03"], "MOT17")
    metric = MOTChallengeMetric(gt_source="samples", prefix="m")
    out = run_metric(metric, ["DISTR-03"], with_gt=True)
    assert_matches_reference(out, ref["COMBINED_SEQ"], "m/")


def test_interpolation_and_dropping_short_tracks(tmp_path):
    metric = MOTChallengeMetric(
        interpolate_tracks_cfg=dict(min_num_frames=5, max_num_frames=20),
        outfile_prefix=str(tmp_path),
        metric="CLEAR",
        prefix="m",
    )
    out = run_metric(metric, ["IDSW-01", "FRAG-02"])
    # IDSW-01: the 1-box track 9 is dropped (tracks of <= 2 boxes are) -> FP 0.
    # FRAG-02: track 3 (6 boxes) gets frames 4 and 5 filled -> 2 fewer FN, no Frag.
    assert (out["m/FP"], out["m/FN"], out["m/Frag"], out["m/IDSw"]) == (4, 4, 0, 2)
    rows = load_rows(str(tmp_path / "FRAG-02.txt"))
    filled = rows[(rows[:, 1] == 3) & np.isin(rows[:, 0], [4, 5])]
    # linear between x=56 (frame 3) and x=65 (frame 6); score 1
    np.testing.assert_allclose(filled[:, 2:7], [[59, 50, 30, 60, 1], [62, 50, 30, 60, 1]])


def test_format_only_writes_files_without_gt(tmp_path):
    metric = MOTChallengeMetric(format_only=True, outfile_prefix=str(tmp_path / "out"))
    samples = make_samples("IDSW-01", 1)
    for s in samples:
        s.video_data_samples[0].set_metainfo(dict(img_path=f"/nowhere/TEST-01/img1/{0:06d}.jpg"))
        metric.process({}, [s])
    assert metric.evaluate(size=6) == {}
    rows = load_rows(str(tmp_path / "out" / "TEST-01.txt"))
    assert rows.shape == (13, 10)


def test_missing_gt_is_a_clear_error():
    metric = MOTChallengeMetric()
    for s in make_samples("IDSW-01", 1):
        s.video_data_samples[0].set_metainfo(dict(img_path="/nowhere/TEST-01/img1/000001.jpg"))
        metric.process({}, [s])
    with pytest.raises(ValueError, match="TEST-01.*no ground truth"):
        metric.evaluate(size=6)


def test_duplicate_prediction_id_names_file_and_line(tmp_path):
    metric = MOTChallengeMetric(outfile_prefix=str(tmp_path))
    samples = make_samples("IDSW-01", 1)
    frame = samples[0].video_data_samples[0]
    frame.pred_track_instances.instances_id = torch.tensor([7, 7])
    for s in samples:
        metric.process({}, [s])
    with pytest.raises(ValueError, match=r"IDSW-01\.txt:2: id 7 appears twice in frame 1"):
        metric.evaluate(size=6)


def test_bad_arguments():
    with pytest.raises(KeyError):
        MOTChallengeMetric(metric="MOTA")
    with pytest.raises(KeyError):
        MOTChallengeMetric(benchmark="KITTI")
    with pytest.raises(KeyError, match="unknown keys"):
        MOTChallengeMetric(interpolate_tracks_cfg=dict(max_gap=3))
    with pytest.raises(ValueError, match="outfile_prefix"):
        MOTChallengeMetric(format_only=True)
    assert METRICS.get("MOTChallengeMetrics") is MOTChallengeMetric


def test_results_are_written_once_and_read_by_trackeval_in_place(
    reference_mot17, tmp_path, monkeypatch
):
    """The metric writes each result file once; TrackEval reads that file (no rewrite)."""
    from mmtrack.evaluation.functional import mot_io, mot_trackeval

    written: list[str] = []
    real_text, real_rows = mot_io._atomic_write_text, mot_trackeval.write_mot_rows
    monkeypatch.setattr(
        mot_io, "_atomic_write_text", lambda p, t: (written.append(p), real_text(p, t))[1]
    )
    monkeypatch.setattr(
        mot_trackeval,
        "write_mot_rows",
        lambda p, r, *a: (written.append(p), real_rows(p, r, *a))[1],
    )
    metric = MOTChallengeMetric(benchmark="MOT17", outfile_prefix=str(tmp_path / "res"))
    out = run_metric(metric, SEQS)
    assert_matches_reference(out, reference_mot17["COMBINED_SEQ"], "motchallenge-metric/")
    results = [p for p in written if not p.endswith(osp.join("gt", "gt.txt"))]
    assert sorted(results) == sorted(str(tmp_path / "res" / f"{s}.txt") for s in SEQS)
