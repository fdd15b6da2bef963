"""tools/analysis_tools/analyze_logs.py on hand-written json logs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers.tools import load_tool

tool = load_tool("tools/analysis_tools/analyze_logs.py")


def write_lines(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return str(path)


@pytest.fixture
def epoch_log(tmp_path):
    """mmengine epoch-based log: 2 epochs x 3 logged train lines, a val line per epoch."""
    times = {1: [0.5, 0.2, 0.4], 2: [0.9, 0.3, 0.5]}
    losses = {1: [3.0, 2.0, 1.5], 2: [1.2, 1.0, 0.8]}
    records, it = [], 0
    for epoch in (1, 2):
        for k in range(3):
            it += 10
            records.append(
                dict(
                    lr=0.01,
                    data_time=0.01,
                    loss=losses[epoch][k],
                    loss_cls=0.5,
                    time=times[epoch][k],
                    epoch=epoch,
                    iter=it,
                    memory=100,
                    step=it,
                )
            )
        # validation lines carry a time too: it must not count as training time
        records.append({"coco/bbox_mAP": 0.1 * epoch, "data_time": 0.0, "time": 9.0, "step": epoch})
    return write_lines(tmp_path / "20240101_000000.json", records)


def test_cal_train_time_by_hand(epoch_log, capsys):
    stats = tool.cal_train_time(tool.load_json_log(epoch_log))
    # first line of each epoch left out: epoch means 0.3 and 0.4
    np.testing.assert_allclose(stats["epoch_means"], [0.3, 0.4])
    assert stats["slowest_epoch"] == 2 and stats["fastest_epoch"] == 1
    assert stats["std"] == pytest.approx(0.05)
    assert stats["mean"] == pytest.approx((0.2 + 0.4 + 0.3 + 0.5) / 4)
    out = capsys.readouterr().out
    assert "slowest epoch 2, average time is 0.4000" in out
    assert "average iter time: 0.3500 s/iter" in out
    stats = tool.cal_train_time(tool.load_json_log(epoch_log), include_outliers=True)
    assert stats["mean"] == pytest.approx(2.8 / 6)


def test_plot_curve_writes_png_with_the_right_points(epoch_log, tmp_path):
    out = tmp_path / "plots" / "curve.png"
    code = tool.main(
        [
            "plot_curve",
            epoch_log,
            "--keys",
            "loss",
            "bbox_mAP",
            "--legend",
            "loss",
            "map",
            "--out",
            str(out),
            "--title",
            "t",
        ]
    )
    assert code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plotted = tool.plot_curve(
        [tool.load_json_log(epoch_log)], ["loss", "bbox_mAP"], out=str(tmp_path / "c.pdf")
    )
    (_, xs, ys), (_, mxs, mys) = plotted
    np.testing.assert_array_equal(xs, [10, 20, 30, 40, 50, 60])
    np.testing.assert_allclose(ys, [3.0, 2.0, 1.5, 1.2, 1.0, 0.8])
    np.testing.assert_array_equal(mxs, [1, 2])  # metrics against the epoch
    np.testing.assert_allclose(mys, [0.1, 0.2])
    assert (tmp_path / "c.pdf").read_bytes()[:4] == b"%PDF"
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_iter_based_and_0x_logs(tmp_path):
    # mmengine iteration-based log: no epoch; val step is 0, placed at the last train iter
    it_log = write_lines(
        tmp_path / "it.json",
        [
            dict(lr=0.1, loss=2.0, time=0.2, iter=1, step=1),
            dict(lr=0.1, loss=1.0, time=0.4, iter=2, step=2),
            {"motchallenge-metric/HOTA": 40.0, "time": 1.0, "step": 0},
            dict(lr=0.1, loss=0.5, time=0.6, iter=3, step=3),
        ],
    )
    log = tool.load_json_log(it_log)
    xs, ys, label = tool.curve(log, "HOTA")
    assert label == "iter" and xs.tolist() == [2] and ys.tolist() == [40.0]
    assert tool.cal_train_time(log)["mean"] == pytest.approx(0.5)  # (0.4 + 0.6) / 2
    # MMTracking 0.x: iter counts within the epoch, mode train/val
    old = write_lines(
        tmp_path / "old.log.json",
        [
            dict(env_info="...", seed=0),
            dict(mode="train", epoch=1, iter=50, lr=0.01, time=1.0, loss_cls=0.9),
            dict(mode="train", epoch=1, iter=100, lr=0.01, time=2.0, loss_cls=0.7),
            dict(mode="val", epoch=1, iter=10, bbox_mAP=0.3),
            dict(mode="train", epoch=2, iter=50, lr=0.01, time=3.0, loss_cls=0.5),
            dict(mode="train", epoch=2, iter=100, lr=0.01, time=4.0, loss_cls=0.4),
        ],
    )
    log = tool.load_json_log(old)
    xs, ys, _ = tool.curve(log, "loss_cls")
    assert xs.tolist() == [50, 100, 150, 200] and ys.tolist() == [0.9, 0.7, 0.5, 0.4]
    xs, ys, label = tool.curve(log, "bbox_mAP")
    assert (xs.tolist(), ys.tolist(), label) == ([1], [0.3], "epoch")
    stats = tool.cal_train_time(log)
    assert stats["epoch_means"] == [2.0, 4.0] and stats["mean"] == pytest.approx(3.0)


def test_errors(epoch_log, tmp_path, capsys):
    assert (
        tool.main(["plot_curve", epoch_log, "--keys", "nope", "--out", str(tmp_path / "x.png")])
        == 1
    )
    assert "does not contain the key 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"iter": 1, "time": 0.1}\nnot json\n')
    assert tool.main(["cal_train_time", str(bad)]) == 1
    assert "bad.json:2: not a json line" in capsys.readouterr().err
    assert tool.main(["cal_train_time", str(tmp_path / "missing.json")]) == 1
    assert (
        tool.main(
            [
                "plot_curve",
                epoch_log,
                "--keys",
                "loss",
                "--legend",
                "a",
                "b",
                "--out",
                str(tmp_path / "y.png"),
            ]
        )
        == 1
    )
    assert "one label per log and key" in capsys.readouterr().err
