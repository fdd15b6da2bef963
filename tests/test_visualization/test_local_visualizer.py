"""TrackLocalVisualizer and draw_instances."""

import numpy as np
import torch
from mmengine.structures import InstanceData

from mmtrack.structures import DetDataSample
from mmtrack.visualization import TrackLocalVisualizer, draw_instances, id_color


def test_id_colors_are_stable_and_distinct():
    assert id_color(3) == id_color(3)
    assert len({id_color(i) for i in range(20)}) == 20


def test_draw_instances_draws_box_edges_and_masks_only():
    img = np.zeros((60, 80, 3), dtype=np.uint8)
    mask = np.zeros((1, 60, 80), dtype=bool)
    mask[0, 30:40, 30:40] = True
    out = draw_instances(
        img, np.array([[10, 20, 50, 50]]), ids=np.array([7]), masks=mask, legend=False
    )
    c = np.array(id_color(7))
    # bottom edge of the box has the id colour, far-away pixels are untouched
    assert (out[50, 30] == c).all()
    assert (out[5, 75] == 0).all()
    # inside the mask: half blend of black and the colour
    np.testing.assert_array_equal(out[35, 35], (0.5 * c).astype(np.uint8))
    assert img.sum() == 0  # the input is not modified


def test_add_datasample_prefers_tracks_and_writes_file(tmp_path):
    vis = TrackLocalVisualizer(class_names=("pedestrian",))
    sample = DetDataSample()
    tracks = InstanceData()
    tracks.bboxes = torch.tensor([[105.0, 105.0, 130.0, 140.0]])  # clear of the legend
    tracks.scores = torch.tensor([0.9])
    tracks.labels = torch.tensor([0])
    tracks.instances_id = torch.tensor([2])
    sample.pred_track_instances = tracks
    image = np.full((150, 160, 3), 40, dtype=np.uint8)
    out_file = str(tmp_path / "f.jpg")
    rgb = vis.add_datasample("f", image, sample, draw_gt=False, out_file=out_file)
    assert rgb.shape == (150, 160, 3)
    b, g, r = id_color(2)
    assert tuple(rgb[140, 115]) == (r, g, b)
    assert (tmp_path / "f.jpg").exists()
    # below the score threshold nothing but the legend is drawn
    low = vis.add_datasample("f", image, sample, draw_gt=False, pred_score_thr=0.95)
    assert (low[140, 115] == 40).all()
