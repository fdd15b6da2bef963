"""ReID model parts checked against hand computations."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from mmtrack.registry import MODELS
from mmtrack.structures import ReIDDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def test_global_average_pooling():
    x = torch.arange(2 * 3 * 4 * 2, dtype=torch.float32).reshape(2, 3, 4, 2)
    gap = MODELS.build(dict(type="GlobalAveragePooling"))
    out = gap(x)
    assert out.shape == (2, 3)
    assert torch.allclose(out[1, 2], x[1, 2].sum() / 8)
    # a (2, 1) window with stride 2 keeps 2 x 2 cells per channel, flattened C-major
    pool = MODELS.build(dict(type="GlobalAveragePooling", kernel_size=(2, 1), stride=2))
    out = pool(x[:1])
    assert out.shape == (1, 3 * 2 * 1)
    assert out[0, 0].item() == pytest.approx((x[0, 0, 0, 0] + x[0, 0, 1, 0]).item() / 2)
    assert out[0, 1].item() == pytest.approx((x[0, 0, 2, 0] + x[0, 0, 3, 0]).item() / 2)
    tup = gap((x, x * 2))
    assert isinstance(tup, tuple) and torch.allclose(tup[1], 2 * tup[0])
    with pytest.raises(TypeError, match="GlobalAveragePooling"):
        gap([x])


def test_fc_module_by_hand():
    fc = MODELS.build(
        dict(type="FcModule", in_channels=3, out_channels=2, norm_cfg=dict(type="BN1d"))
    )
    assert sorted(k for k in fc.state_dict() if k.endswith("weight")) == [
        "bn.weight",
        "fc.weight",
    ]
    with torch.no_grad():
        fc.fc.weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]))
        fc.fc.bias.copy_(torch.tensor([0.0, -3.0]))
        fc.bn.running_mean.copy_(torch.tensor([1.0, 0.0]))
        fc.bn.running_var.copy_(torch.tensor([4.0, 1.0]))
    fc.eval()
    x = torch.tensor([[2.0, 1.0, 0.0]])
    # fc: [2, -1.5]; bn: [(2 - 1) / sqrt(4 + eps), -1.5]; relu: [0.5, 0]
    out = fc(x)
    assert torch.allclose(out, torch.tensor([[0.5, 0.0]]), atol=1e-4)
    assert torch.allclose(fc(x, activate=False), torch.tensor([[0.5, -1.5]]), atol=1e-4)


def _head(**kw):
    cfg = dict(
        type="LinearReIDHead",
        num_fcs=1,
        in_channels=4,
        fc_channels=3,
        out_channels=2,
        num_classes=3,
        loss_cls=dict(type="CrossEntropyLoss", loss_weight=1.0),
        loss_triplet=dict(type="TripletLoss", margin=0.3, loss_weight=1.0),
        norm_cfg=dict(type="BN1d"),
        act_cfg=dict(type="ReLU"),
    )
    cfg.update(kw)
    return MODELS.build(cfg)


def test_linear_reid_head_forward_and_losses():
    torch.manual_seed(0)
    head = _head()
    head.eval()
    x = torch.randn(6, 4)
    fc = head.fcs[0]
    hidden = F.relu(
        F.batch_norm(
            fc.fc(x), fc.bn.running_mean, fc.bn.running_var, fc.bn.weight, fc.bn.bias, eps=fc.bn.eps
        )
    )
    expect = head.fc_out(hidden)
    assert torch.allclose(head((x,)), expect)
    assert torch.allclose(head(x), expect)

    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    samples = [ReIDDataSample().set_gt_label(labels[:4]), ReIDDataSample().set_gt_label(labels[4:])]
    losses = head.loss(x, samples)
    emb = expect
    # triplet with hard mining, by hand: hardest positive and negative per anchor
    d = torch.cdist(emb, emb)
    same = labels[:, None] == labels[None, :]
    d_ap = torch.where(same, d, torch.full_like(d, -1)).max(1).values
    d_an = torch.where(~same, d, torch.full_like(d, 1e9)).min(1).values
    assert losses["triplet_loss"].item() == pytest.approx(
        F.relu(d_ap - d_an + 0.3).mean().item(), rel=1e-4, abs=1e-5
    )
    logits = head.classifier(
        F.batch_norm(
            emb,
            head.bn.running_mean,
            head.bn.running_var,
            head.bn.weight,
            head.bn.bias,
            eps=head.bn.eps,
        )
    )
    assert losses["ce_loss"].item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-5
    )
    acc = (logits.argmax(1) == labels).float().mean().item() * 100
    assert float(losses["accuracy_top-1"]) == pytest.approx(acc)


def test_linear_reid_head_keys_and_errors():
    head = _head(num_fcs=1, in_channels=2048, fc_channels=1024, out_channels=128, num_classes=380)
    keys = set(head.state_dict())
    # MMTracking's reid_r50_6e_mot17 head keys
    for k in (
        "fcs.0.fc.weight",
        "fcs.0.bn.running_var",
        "fc_out.weight",
        "bn.weight",
        "classifier.weight",
    ):
        assert k in keys
    assert head.classifier.weight.shape == (380, 128)
    with pytest.raises(TypeError, match="num_classes"):
        _head(num_classes=None)
    # 0.14 spelling of the losses
    old = _head(
        loss_cls=None,
        loss_triplet=None,
        loss=dict(type="CrossEntropyLoss"),
        loss_pairwise=dict(type="TripletLoss"),
    )
    assert old.loss_cls is not None and old.loss_triplet is not None
    bare = _head(loss_cls=None, loss_triplet=None, num_classes=None)
    with pytest.raises(ValueError, match="loss_cls and/or loss_triplet"):
        bare.loss(torch.randn(2, 4), [ReIDDataSample().set_gt_label([0, 1])])
    with pytest.raises(ValueError, match="2 embeddings but 3 labels"):
        _head().loss(torch.randn(2, 4), [ReIDDataSample().set_gt_label([0, 1, 2])])


def test_reid_data_preprocessor():
    pre = MODELS.build(
        dict(
            type="ReIDDataPreprocessor",
            mean=[10.0, 20.0, 30.0],
            std=[1.0, 2.0, 5.0],
            bgr_to_rgb=True,
        )
    )
    a = torch.zeros(2, 3, 4, 2, dtype=torch.uint8)
    a[:, 0] = 30  # B channel of BGR
    a[:, 2] = 60  # R channel
    b = torch.full((3, 4, 2), 100, dtype=torch.uint8)
    out = pre(dict(inputs=[a, b], data_samples=None))
    x = out["inputs"]
    assert x.shape == (3, 3, 4, 2) and x.dtype == torch.float32
    # after the swap channel 0 is R (60): (60 - 10) / 1; channel 2 is B (30): (30 - 30) / 5
    assert torch.all(x[:2, 0] == 50) and torch.all(x[:2, 1] == -10) and torch.all(x[:2, 2] == 0)
    assert torch.all(x[2, 1] == 40)
    with pytest.raises(ValueError, match="share one size"):
        pre(dict(inputs=[a, torch.zeros(3, 5, 2, dtype=torch.uint8)]))
    with pytest.raises(ValueError, match="both mean and std"):
        MODELS.build(dict(type="ReIDDataPreprocessor", mean=[0, 0, 0]))


def test_base_reid_modes():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type="BaseReID",
            backbone=dict(type="ResNet", depth=18, num_stages=4, out_indices=(3,)),
            neck=dict(type="GlobalAveragePooling"),
            head=dict(
                type="LinearReIDHead",
                num_fcs=0,
                in_channels=512,
                fc_channels=8,
                out_channels=8,
                num_classes=2,
                loss_cls=dict(type="CrossEntropyLoss"),
            ),
        )
    )
    model.eval()
    x = torch.randn(3, 3, 64, 32)
    emb = model(x)
    assert emb.shape == (3, 8)
    assert torch.allclose(model(x[None]), emb)  # (1, N, C, H, W) accepted
    samples = [ReIDDataSample().set_gt_label(0), ReIDDataSample().set_gt_label([1, 1])]
    out = model(x, samples, mode="predict")
    assert torch.allclose(out[0].pred_feature, emb[0], atol=1e-6)
    assert torch.allclose(out[1].pred_feature, emb[1:], atol=1e-6)
    losses = model(x, samples, mode="loss")
    assert set(losses) == {"ce_loss", "accuracy_top-1"}
    with pytest.raises(ValueError, match="mode must be"):
        model(x, mode="bad")
    with pytest.raises(ValueError, match="needs data samples"):
        model(x, mode="loss")
