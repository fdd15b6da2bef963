"""DFF / FGFA: flow warping by hand, FlowNetSimple input preparation, key-frame
schedule, the FGFA test-time ring buffer and the training wiring."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmtrack.models.aggregators import EmbedAggregator
from mmtrack.models.task_modules.motion import FlowNetSimple, flow_warp_feats
from mmtrack.models.vid import DFF
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.tools import REPO_ROOT
from tests.helpers.vid import vid_clip

register_all_modules()

DFF_CFG = osp.join(REPO_ROOT, "configs/vid/dff/dff_faster-rcnn_r18-tiny_fpn_synthetic.py")
FGFA_CFG = osp.join(REPO_ROOT, "configs/vid/fgfa/fgfa_faster-rcnn_r18-tiny_fpn_synthetic.py")


def _model(path):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(path).model)
    return model.eval()


# ----------------------------------------------------------------- flow warp
def test_warp_zero_flow_exact_is_identity():
    x = torch.randn(2, 3, 5, 7)
    torch.testing.assert_close(flow_warp_feats(x, torch.zeros(2, 2, 5, 7), exact=True), x)


def test_warp_integer_shift_by_hand():
    x = torch.arange(12.0).view(1, 1, 3, 4)
    flow = torch.zeros(1, 2, 3, 4)
    flow[:, 0], flow[:, 1] = 1.0, -1.0  # read one pixel right and one up
    # out[i, j] = x[clamp(i - 1), clamp(j + 1)]
    expected = torch.tensor([[1.0, 2, 3, 3], [1, 2, 3, 3], [5, 6, 7, 7]]).view(1, 1, 3, 4)
    torch.testing.assert_close(flow_warp_feats(x, flow, exact=True), expected)


def test_warp_flow_at_half_resolution_is_rescaled():
    # a flow of 1 pixel of a map half as wide is 2 pixels of x
    x = torch.arange(8.0).view(1, 1, 1, 8).expand(1, 1, 2, 8).contiguous()
    flow = torch.zeros(1, 2, 1, 4)
    flow[:, 0] = 1.0
    expected = torch.tensor([2.0, 3, 4, 5, 6, 7, 7, 7]).expand(1, 1, 2, 8)
    torch.testing.assert_close(flow_warp_feats(x, flow, exact=True), expected)


def test_warp_mmtracking_grid_by_hand():
    # MMTracking 0.14: p / W * 2 - 1 with align_corners=True reads pixel
    # j * (W - 1) / W; on x[i, j] = 4 i + j that is 4 i (2 / 3) + 0.75 j
    x = torch.arange(12.0).view(1, 1, 3, 4)
    i = torch.arange(3.0).view(3, 1)
    j = torch.arange(4.0).view(1, 4)
    expected = (4 * i * 2 / 3 + 0.75 * j).view(1, 1, 3, 4)
    torch.testing.assert_close(flow_warp_feats(x, torch.zeros(1, 2, 3, 4)), expected)


def test_warp_bad_flow_shape():
    with pytest.raises(ValueError, match=r"flow must be \(1, 2, H, W\), got \(1, 3, 4, 4\)"):
        flow_warp_feats(torch.zeros(1, 1, 4, 4), torch.zeros(1, 3, 4, 4))


# ------------------------------------------------------------- FlowNetSimple
def test_flownet_prepare_imgs_by_hand():
    net = FlowNetSimple(img_scale_factor=0.5, base_channels=8)
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    raw = torch.full((1, 6, 8, 8), 200.0)
    imgs = (raw - torch.tensor(mean * 2).view(1, 6, 1, 1)) / torch.tensor(std * 2).view(1, 6, 1, 1)
    metas = [dict(img_shape=(4, 8), img_norm_cfg=dict(mean=mean, std=std))]
    out = net.prepare_imgs(imgs, metas)
    assert out.shape == (1, 6, 4, 4)
    # 200 / 255 - FlowNet's mean on the real rows; 0 on the padded rows 4..7
    expected = torch.tensor([200 / 255 - m for m in (0.411, 0.432, 0.450)] * 2)
    torch.testing.assert_close(out[0, :, :2, :].mean(dim=(1, 2)), expected)
    assert torch.all(out[0, :, 2:, :] == 0)


def test_flownet_output_size_and_scale():
    torch.manual_seed(0)
    net = FlowNetSimple(img_scale_factor=0.5, base_channels=8)
    metas = [dict(img_shape=(64, 96), img_norm_cfg=dict(mean=[0.0] * 3, std=[1.0] * 3))]
    imgs = torch.rand(2, 6, 64, 96) * 255
    flow = net(imgs, metas)
    assert flow.shape == (2, 2, 64, 96)
    # the raw flow at stride 4 of the half-size input is upsampled x8 and
    # multiplied by 8 * flow_scale_factor
    net.flow_scale_factor = 1.0
    torch.testing.assert_close(net(imgs, metas) * 5.0, flow)


def test_flownet_bad_settings():
    with pytest.raises(ValueError, match="base_channels must be an even number"):
        FlowNetSimple(img_scale_factor=0.5, base_channels=7)
    with pytest.raises(ValueError, match=r"out_indices \[2, 3, 4, 5, 6\]"):
        FlowNetSimple(img_scale_factor=0.5, out_indices=[3, 4])
    net = FlowNetSimple(img_scale_factor=0.5, base_channels=8)
    with pytest.raises(KeyError, match="img_norm_cfg"):
        net(torch.zeros(1, 6, 32, 32), [dict(img_shape=(32, 32))])


# ---------------------------------------------------------- EmbedAggregator
def test_embed_aggregator_cosine_weights_by_hand():
    torch.manual_seed(0)
    agg = EmbedAggregator(num_convs=1, channels=4, kernel_size=1)
    x, refs = torch.randn(1, 4, 2, 3), torch.randn(3, 4, 2, 3)
    w, b = agg.embed_convs[0].conv.weight[:, :, 0, 0], agg.embed_convs[0].conv.bias
    out = torch.zeros(1, 4, 2, 3)
    for i in range(2):
        for j in range(3):
            e = w @ x[0, :, i, j] + b
            sims = []
            for r in range(3):
                er = w @ refs[r, :, i, j] + b
                sims.append(torch.dot(e, er) / (e.norm() * er.norm()))
            weights = torch.softmax(torch.stack(sims), dim=0)
            out[0, :, i, j] = sum(weights[r] * refs[r, :, i, j] for r in range(3))
    torch.testing.assert_close(agg(x, refs), out)


# ----------------------------------------------------------------------- DFF
def test_dff_key_frame_schedule():
    keys = [f for f in range(25) if DFF.is_key_frame(f, 10)]
    assert keys == [0, 10, 20]


class _Counter:
    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        return self.fn(*args, **kwargs)


def test_dff_runs_backbone_on_key_frames_only():
    model = _model(DFF_CFG)  # key_frame_interval=4
    extract = _Counter(model.detector.extract_feat)
    motion = _Counter(model.motion.forward)
    model.detector.extract_feat, model.motion.forward = extract, motion
    imgs = []
    with torch.no_grad():
        for f in range(9):
            inputs, clip = vid_clip(0, frame_id=f, seed=f)
            imgs.append(inputs[0, 0])
            out = model.predict(inputs, [clip])
            assert "pred_det_instances" in out[0][0]
    assert len(extract.calls) == 3  # frames 0, 4, 8
    assert len(motion.calls) == 6
    # flow from the current frame (first 3 channels) to its key frame
    pair = motion.calls[4][0]  # frame 6 -> key frame 4
    torch.testing.assert_close(pair[0, :3], imgs[6])
    torch.testing.assert_close(pair[0, 3:], imgs[4])


def test_dff_loss_warps_reference_features_and_trains_the_flow():
    model = _model(DFF_CFG).train()
    inputs, clip = vid_clip(1, boxes=[[8.0, 8.0, 40.0, 50.0]], labels=[1], is_video_data=True)
    losses = model.loss(inputs, [clip])
    assert {"loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "loss_bbox"} <= set(losses)
    total = sum(v for k, v in losses.items() if "loss" in k)
    total.backward()
    assert model.motion.conv1[0].conv.weight.grad.abs().sum() > 0


def test_dff_loss_on_still_images_uses_the_features_unwarped():
    model = _model(DFF_CFG).train()
    inputs, clip = vid_clip(1, boxes=[[8.0, 8.0, 40.0, 50.0]], labels=[1], is_video_data=False)
    seen = {}
    model.detector_loss = lambda x, s: seen.setdefault("x", x) and {}
    model.loss(inputs, [clip])
    ref_x = model.detector.extract_feat(inputs[:, 1])  # train-mode BN, as in the loss
    for got, ref in zip(seen["x"], ref_x):
        torch.testing.assert_close(got, ref, atol=1e-5, rtol=1e-5)


def test_dff_needs_one_reference_to_train():
    model = _model(DFF_CFG).train()
    inputs, clip = vid_clip(2, boxes=[[8.0, 8.0, 40.0, 50.0]], labels=[1])
    with pytest.raises(ValueError, match="one reference frame, got 2"):
        model.loss(inputs, [clip])


# ---------------------------------------------------------------------- FGFA
def _fix_stride_clip(frame_id, ref_ids, stride, num_left, seed):
    inputs, clip = vid_clip(
        len(ref_ids), frame_id=frame_id, seed=seed, frame_stride=stride, num_left_ref_imgs=num_left
    )
    for sample, rid in zip(clip.video_data_samples[1:], ref_ids):
        sample.set_metainfo(dict(frame_id=rid))
    return inputs, clip


def test_fgfa_ring_buffer_follows_test_with_fix_stride():
    from mmtrack.datasets.ref_img_sampling import RefImgSamplerCfg, sample_ref_frames

    model = _model(FGFA_CFG)
    cfg = RefImgSamplerCfg.from_dict(
        dict(num_ref_imgs=4, frame_range=[-2, 2], stride=1, method="test_with_fix_stride")
    )
    extract = _Counter(model.detector.extract_feat)
    model.detector.extract_feat = extract
    agg_sizes = []
    agg = model.aggregator.forward
    model.aggregator.forward = lambda x, r: agg_sizes.append(r.shape[0]) or agg(x, r)
    buffers = []
    with torch.no_grad():
        for f in range(7):
            refs, extra = sample_ref_frames(f, 7, cfg)
            inputs, clip = _fix_stride_clip(f, refs, extra["frame_stride"], 2, seed=f)
            model.predict(inputs, [clip])
            buffers.append(list(model.memo_ids))
    assert buffers == [
        [0, 0, 0, 1, 2],
        [0, 0, 1, 2, 3],
        [0, 1, 2, 3, 4],
        [1, 2, 3, 4, 5],
        [2, 3, 4, 5, 6],
        [3, 4, 5, 6, 6],
        [4, 5, 6, 6, 6],
    ]
    # the key frame's features come from the buffer: one backbone pass a frame
    assert len(extract.calls) == 7
    assert set(agg_sizes) == {5}  # 5 entries on each of the 5 FPN levels


def test_fgfa_inference_vid_schedule():
    # inference_vid: frame 0 with 2 copies of itself, then the current frame
    # every 2nd frame
    model = _model(FGFA_CFG)
    agg_sizes = []
    agg = model.aggregator.forward
    model.aggregator.forward = lambda x, r: agg_sizes.append(r.shape[0]) or agg(x, r)
    with torch.no_grad():
        for f, refs in ((0, [0, 0]), (1, []), (2, [2])):
            inputs, clip = _fix_stride_clip(f, refs, 2, 2, seed=f)
            model.predict(inputs, [clip])
            assert "pred_det_instances" in clip[0]
    assert model.memo_ids == [0, 2]
    # frame 0: key replaces its own entry (2); frame 1 is added (3); frame 2 replaces (2)
    assert agg_sizes == [2] * 5 + [3] * 5 + [2] * 5


def test_fgfa_bad_test_sequences():
    model = _model(FGFA_CFG)
    with torch.no_grad():
        inputs, clip = _fix_stride_clip(0, [], 1, 2, seed=0)
        with pytest.raises(ValueError, match="frame 0 of a video needs reference frames"):
            model.predict(inputs, [clip])
        inputs, clip = _fix_stride_clip(3, [], 1, 2, seed=0)
        with pytest.raises(ValueError, match="frame 3 comes before frame 0"):
            model.predict(inputs, [clip])


def test_fgfa_loss_aggregates_warped_references_only():
    model = _model(FGFA_CFG).train()
    sizes = []
    agg = model.aggregator.forward
    model.aggregator.forward = lambda x, r: sizes.append(r.shape[0]) or agg(x, r)
    inputs, clip = vid_clip(2, boxes=[[8.0, 8.0, 40.0, 50.0]], labels=[1])
    losses = model.loss(inputs, [clip])
    assert sizes == [2] * 5
    sum(v for k, v in losses.items() if "loss" in k).backward()
    assert model.motion.conv1[0].conv.weight.grad.abs().sum() > 0
    assert model.aggregator.embed_convs[0].conv.weight.grad.abs().sum() > 0


def test_flownet_zero_init_flow_starts_at_zero():
    torch.manual_seed(0)
    net = FlowNetSimple(img_scale_factor=0.5, base_channels=8, zero_init_flow=True)
    net.init_weights()
    metas = [dict(img_shape=(64, 64), img_norm_cfg=dict(mean=[0.0] * 3, std=[1.0] * 3))]
    flow = net(torch.rand(1, 6, 64, 64) * 255, metas)
    assert torch.all(flow == 0)
    assert net.predict_flow3.conv.weight.abs().sum() > 0  # the rest is trained as usual


def test_dff_propagates_key_frame_features_with_zero_flow():
    # zero flow on the exact grid: a non-key frame gets the key frame's
    # features, hence the key frame's detections, whatever its own image
    model = _model(DFF_CFG)
    model.init_weights()
    with torch.no_grad():
        inputs, clip = vid_clip(0, frame_id=0, seed=0)
        key = model.predict(inputs, [clip])[0][0].pred_det_instances
        inputs, clip = vid_clip(0, frame_id=1, seed=1)
        other = model.predict(inputs, [clip])[0][0].pred_det_instances
    assert len(key) > 0
    torch.testing.assert_close(other.bboxes, key.bboxes)
    torch.testing.assert_close(other.scores, key.scores)
