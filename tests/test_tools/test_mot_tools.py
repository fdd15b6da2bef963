"""MOT tools: track_dets, param search, dummy results, error drawing, AFLink, post-processing."""

import json
import os
import shutil

import numpy as np
import pytest
import torch

from mmtrack.utils import register_all_modules
from tests.helpers.tools import load_tool

register_all_modules()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from mmtrack.datasets.synthetic import generate_mot_sequences

    root = tmp_path_factory.mktemp("syn")
    seqs = generate_mot_sequences(str(root), split="val", num_seqs=2, num_frames=40, seed=5)
    dets = root / "dets"
    dets.mkdir()
    for s in seqs:
        shutil.copy(os.path.join(s, "det", "det.txt"), dets / (os.path.basename(s) + ".txt"))
    return root, seqs, dets


def test_track_dets_writes_results_and_fps(synthetic, tmp_path, capsys):
    root, seqs, dets = synthetic
    cfg = tmp_path / "cfg.py"
    cfg.write_text("model = dict(tracker=dict(type='ByteTracker'))\n")
    tool = load_tool("tools/analysis_tools/mot/track_dets.py")
    import sys

    sys.argv = ["track_dets.py", str(cfg), "--dets", str(dets), "--out", str(tmp_path / "out")]
    assert tool.main() == 0
    out = capsys.readouterr().out
    assert "frames/s" in out
    name = os.path.basename(seqs[0])
    rows = np.loadtxt(tmp_path / "out" / f"{name}.txt", delimiter=",")
    assert rows.shape[1] == 10 and rows[:, 0].max() <= 40 and (rows[:, 1] >= 1).all()
    # every output box is one of the input detections (trackers do not move boxes)
    det = np.loadtxt(dets / f"{name}.txt", delimiter=",")
    f1 = rows[rows[:, 0] == 1][:, 2:6]
    d1 = det[det[:, 0] == 1][:, 2:6]
    for r in f1:
        assert np.abs(d1 - r).max(axis=1).min() < 0.01


def test_bad_detection_file_names_file_and_line(tmp_path):
    from mmtrack.apis import load_mot_detections

    p = tmp_path / "SEQ.txt"
    p.write_text("1,-1,1,2,3,4,0.9\n2,-1,1,2,x,4,0.9\n")
    with pytest.raises(ValueError, match=r"SEQ.txt:2: non-numeric"):
        load_mot_detections(str(p))
    p.write_text("1.5,-1,1,2,3,4,0.9\n")
    with pytest.raises(ValueError, match=r"SEQ.txt:1: frame must be a positive integer"):
        load_mot_detections(str(p))
    p.write_text("1,-1,1,2,-3,4,0.9\n")
    with pytest.raises(ValueError, match=r"SEQ.txt:1: box must be finite with w, h >= 0"):
        load_mot_detections(str(p))


def test_param_search_grid_and_best(synthetic, tmp_path, capsys):
    root, seqs, dets = synthetic
    tool = load_tool("tools/analysis_tools/mot/mot_param_search.py")
    combos = tool.expand(
        dict(type="ByteTracker", init_track_thr=[0.5, 0.7], match_iou_thrs=dict(high=[0.1, 0.3]))
    )
    chosen = [c for _, c in combos]
    assert chosen == [
        {"init_track_thr": 0.5, "match_iou_thrs.high": 0.1},
        {"init_track_thr": 0.5, "match_iou_thrs.high": 0.3},
        {"init_track_thr": 0.7, "match_iou_thrs.high": 0.1},
        {"init_track_thr": 0.7, "match_iou_thrs.high": 0.3},
    ]
    assert combos[3][0]["match_iou_thrs"] == {"high": 0.3}
    cfg = tmp_path / "cfg.py"
    cfg.write_text("tracker = dict(type='ByteTracker', init_track_thr=[0.5, 0.9])\n")
    rc = tool.main([str(cfg), "--dets", str(dets), "--gt-root", str(root / "val")])
    assert rc == 0
    lines = capsys.readouterr().out.strip().splitlines()
    hotas = [float(line.split("HOTA ")[1].split()[0]) for line in lines[:2]]
    best = float(lines[-1].split(": ")[1].split()[0])
    assert best == max(hotas)


def test_dummy_results(tmp_path):
    ann = tmp_path / "ann.json"
    ann.write_text(json.dumps(dict(videos=[dict(id=1, name="A"), dict(id=2, name="B")])))
    out = tmp_path / "res"
    out.mkdir()
    (out / "A.txt").write_text("1,1,0,0,1,1,1,-1,-1,-1\n")
    tool = load_tool("tools/analysis_tools/mot/mot_dummy_results.py")
    assert tool.main(["--json-file", str(ann), "--out-folder", str(out)]) == 0
    assert (out / "B.txt").read_text() == ""
    assert (out / "A.txt").read_text() != ""  # existing results untouched
    (tmp_path / "bad.json").write_text("{}")
    assert tool.main(["--json-file", str(tmp_path / "bad.json"), "--out-folder", str(out)]) == 1


def test_error_classification_by_hand():
    tool = load_tool("tools/analysis_tools/mot/mot_error_visualize.py")
    gt1 = np.array([[1, 1, 0, 0, 10, 10], [1, 2, 50, 0, 10, 10]], dtype=float)
    res1 = np.array([[1, 10, 0, 0, 10, 10], [1, 11, 50, 0, 10, 10], [1, 12, 100, 100, 5, 5]])
    prev = {}
    k = tool.classify_frame(gt1, res1, prev)
    assert k == dict(tp=[0, 1], idsw=[], fn=[], fp=[2])
    # frame 2: gt 1 now covered by id 11 (switch), gt 2 missed
    gt2 = np.array([[2, 1, 1, 0, 10, 10], [2, 2, 51, 0, 10, 10]], dtype=float)
    res2 = np.array([[2, 11, 1, 0, 10, 10]], dtype=float)
    k = tool.classify_frame(gt2, res2, prev)
    assert k == dict(tp=[], idsw=[0], fn=[1], fp=[])


def test_error_visualize_writes_video(synthetic, tmp_path):
    root, seqs, dets = synthetic
    res = tmp_path / "res"
    res.mkdir()
    name = os.path.basename(seqs[0])
    shutil.copy(os.path.join(seqs[0], "gt", "gt.txt"), res / f"{name}.txt")
    tool = load_tool("tools/analysis_tools/mot/mot_error_visualize.py")
    out = tmp_path / "vis"
    assert (
        tool.main(["--gt-root", str(root / "val"), "--results", str(res), "--output-dir", str(out)])
        == 0
    )
    assert (out / f"{name}.mp4").stat().st_size > 0
    assert not [f for f in os.listdir(out) if f.startswith(".tmp")]


def test_train_aflink_tool_checkpoint_loads_and_generalises(tmp_path):
    """train_aflink.py trains MMTracking 1.x's AFLinkModel on synthetic gt in seconds."""
    from mmtrack.datasets.synthetic import generate_mot_sequences
    from mmtrack.models.task_modules.track import AppearanceFreeLink, make_link_samples
    from mmtrack.utils.checkpoint import safe_torch_load

    tool = load_tool("tools/analysis_tools/mot/train_aflink.py")
    generate_mot_sequences(
        str(tmp_path), split="train", num_seqs=4, num_frames=150, max_objects=8, seed=3
    )
    held_out = generate_mot_sequences(
        str(tmp_path), split="test", num_seqs=2, num_frames=150, max_objects=8, seed=11
    )
    ckpt = str(tmp_path / "aflink.pth")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # about 3 s on one core
    try:
        argv = ["--gt-root", str(tmp_path / "train"), "--out", ckpt, "--epochs", "6"]
        assert tool.main([*argv, "--batch-size", "4", "--seed", "0"]) == 0
    finally:
        torch.set_num_threads(threads)
    # accuracy on the trajectories train_aflink held out: measured 0.9375 (30/32)
    assert safe_torch_load(ckpt)["meta"]["val_accuracy"] >= 0.85
    linker = AppearanceFreeLink(checkpoint=ckpt, device="cpu")  # strict, safe loading
    # pairs cut from unseen sequences (1 positive : 3 negatives, so always
    # answering "no link" scores 0.75). Measured: accuracy 0.909 (80/88),
    # positives 15/22 recognised, negatives 65/66.
    gts = [tool.load_gt_tracks(os.path.join(s, "gt", "gt.txt")) for s in held_out]
    x1, x2, labels = make_link_samples(gts)
    p = linker.model.link_probability(torch.from_numpy(x1), torch.from_numpy(x2)).numpy()
    pred = p > 0.5
    assert (pred == (labels == 1)).mean() >= 0.85
    assert pred[labels == 1].mean() >= 0.5
    assert (~pred[labels == 0]).mean() >= 0.95


def _constant_aflink_checkpoint(path, p: float) -> str:
    """AFLinkModel weights whose link probability is ``p`` for every pair."""
    from mmtrack.models.task_modules.track import AFLinkModel

    model = AFLinkModel()
    with torch.no_grad():
        model.classifier.fc2.weight.zero_()
        model.classifier.fc2.bias.copy_(torch.tensor([0.0, float(np.log(p / (1 - p)))]))
    torch.save({"state_dict": model.state_dict()}, str(path))
    return str(path)


def test_postprocess_aflink_merges_split_ids(tmp_path):
    res = tmp_path / "res"
    res.mkdir()
    # id 4 (frames 1-10) and id 2 (frames 14-20) are one person; id 9 is far away
    lines = [f"{f},4,{100 + 2 * f},50,20,40,0.9,-1,-1,-1" for f in range(1, 11)]
    lines += [f"{f},2,{100 + 2 * f},50,20,40,0.8,-1,-1,-1" for f in range(14, 21)]
    lines += [f"{f},9,500,300,20,40,0.7,-1,-1,-1" for f in range(1, 21)]
    (res / "S.txt").write_text("\n".join(lines) + "\n")
    tool = load_tool("tools/analysis_tools/mot/postprocess_results.py")
    for p, linked in ((0.99, True), (0.9, False)):
        ckpt = _constant_aflink_checkpoint(tmp_path / f"p{p}.pth", p)
        out_dir = tmp_path / f"out{p}"
        assert tool.main(["--results", str(res), "--out", str(out_dir), "--aflink", ckpt]) == 0
        out = np.loadtxt(out_dir / "S.txt", delimiter=",")
        person = out[out[:, 2] < 400]
        assert len(out) == len(lines) and (out[out[:, 2] == 500][:, 1] == 9).all()
        assert set(person[:, 1]) == ({4} if linked else {2, 4})
        np.testing.assert_allclose(person[:, 2], [100 + 2 * f for f in person[:, 0]])
        np.testing.assert_allclose(person[:, 6], np.where(person[:, 0] <= 10, 0.9, 0.8))
    # with --interpolate the healed gap (frames 11-13) is filled
    out_dir = tmp_path / "interp"
    argv = ["--results", str(res), "--out", str(out_dir), "--interpolate"]
    assert tool.main([*argv, "--aflink", str(tmp_path / "p0.99.pth")]) == 0
    out = np.loadtxt(out_dir / "S.txt", delimiter=",")
    assert sorted(out[out[:, 1] == 4][:, 0].astype(int).tolist()) == list(range(1, 21))


def test_postprocess_interpolates_a_gap(tmp_path):
    res = tmp_path / "res"
    res.mkdir()
    lines = [f"{f},1,{10 + f},10,20,40,0.9,-1,-1,-1" for f in range(1, 11) if f not in (5, 6)]
    (res / "S.txt").write_text("\n".join(lines) + "\n")
    tool = load_tool("tools/analysis_tools/mot/postprocess_results.py")
    assert tool.main(["--results", str(res), "--out", str(tmp_path / "out"), "--interpolate"]) == 0
    out = np.loadtxt(tmp_path / "out" / "S.txt", delimiter=",")
    assert sorted(out[:, 0].astype(int).tolist()) == list(range(1, 11))
    f5 = out[out[:, 0] == 5][0]
    np.testing.assert_allclose(f5[2:6], [15, 10, 20, 40], atol=0.01)


def test_benchmark_trackers_prints_every_tracker(capsys):
    bench = load_tool("tools/analysis_tools/mot/benchmark_trackers.py")
    bench.main(["--objects", "8", "--frames", "20", "--repeats", "2"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["objects", "tracker", "frames/s", "naive", "f/s", "ratio"]
    rows = [line.split() for line in lines[1:]]
    assert [r[1] for r in rows] == list(bench.MOTION_ONLY)
    for _, _, fps, naive, ratio in rows:
        assert float(fps) > 0 and float(naive) > 0
        assert float(ratio) == pytest.approx(float(fps) / float(naive), rel=0.05, abs=0.06)


def test_benchmark_trackers_rejects_zero_repeats():
    bench = load_tool("tools/analysis_tools/mot/benchmark_trackers.py")
    with pytest.raises(SystemExit):
        bench.main(["--repeats", "0"])
