"""Tests of the synthetic video generators (checked against the files they write)."""

import configparser
import json
import os
import os.path as osp

import cv2
import numpy as np
import pycocotools.mask as mask_utils
import pytest

from mmtrack.datasets.synthetic import (
    generate_mot_sequences,
    generate_sot_sequences,
    generate_vis_videos,
)

H, W = 96, 160


def _chroma(img):
    img = img.astype(np.int32)
    return img.max(axis=2) - img.min(axis=2)


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope='module')
def mot_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('syn_mot'))
    paths = generate_mot_sequences(root, num_seqs=3, num_frames=40, img_size=(H, W), seed=3)
    return root, paths


def test_mot_layout_and_seqinfo(mot_root):
    root, paths = mot_root
    assert [osp.basename(p) for p in paths] == ['SYN-01', 'SYN-02', 'SYN-03']
    for p in paths:
        ini = configparser.ConfigParser()
        ini.read(osp.join(p, 'seqinfo.ini'))
        seq = ini['Sequence']
        assert seq['name'] == osp.basename(p)
        assert seq['imDir'] == 'img1' and seq['imExt'] == '.jpg'
        assert (int(seq['seqLength']), int(seq['imWidth']), int(seq['imHeight'])) == (40, W, H)
        for f in (1, 40):
            img = cv2.imread(osp.join(p, 'img1', f'{f:06d}.jpg'))
            assert img.shape == (H, W, 3)
        assert not osp.exists(osp.join(p, 'img1', '000041.jpg'))


def test_mot_gt_rows_and_visibility(mot_root):
    _, paths = mot_root
    all_vis = []
    for p in paths:
        gt = np.loadtxt(osp.join(p, 'gt', 'gt.txt'), delimiter=',', ndmin=2)
        assert gt.shape[1] == 9
        assert set(gt[:, 0].astype(int)) <= set(range(1, 41))
        assert (gt[:, 6] == 1).all() and (gt[:, 7] == 1).all()
        x, y, w, h, vis = gt[:, 2], gt[:, 3], gt[:, 4], gt[:, 5], gt[:, 8]
        assert (x >= 0).all() and (y >= 0).all() and (x + w <= W).all() and (y + h <= H).all()
        assert (w >= 2).all() and (h >= 2).all()
        assert ((vis >= 0) & (vis <= 1)).all()
        # one row per identity and frame
        pairs = {(int(r[0]), int(r[1])) for r in gt}
        assert len(pairs) == len(gt)
        all_vis.append(vis)
        # objects of pedestrian-like size
        full = gt[vis == 1]
        assert ((full[:, 5] >= 15) & (full[:, 5] <= 60)).all()
    all_vis = np.concatenate(all_vis)
    # occlusion and truncation happen, and most objects are fully visible
    assert (all_vis < 1).sum() > 10 and (all_vis == 1).mean() > 0.3


def test_mot_boxes_cover_rendered_objects(mot_root):
    """Saturated sprite pixels are inside gt boxes, and fully visible boxes hold them."""
    _, paths = mot_root
    for p in paths:
        gt = np.loadtxt(osp.join(p, 'gt', 'gt.txt'), delimiter=',', ndmin=2)
        for f in (1, 15, 30):
            img = cv2.imread(osp.join(p, 'img1', f'{f:06d}.jpg'))
            colourful = _chroma(img) > 70
            covered = np.zeros((H, W), bool)
            for r in gt[gt[:, 0] == f]:
                x, y, w, h = r[2:6].astype(int)
                covered[max(0, y - 1):y + h + 1, max(0, x - 1):x + w + 1] = True
                if r[8] == 1.0:
                    assert colourful[y:y + h, x:x + w].mean() > 0.25
            # background (outside every box) is muted: few saturated pixels
            assert colourful[~covered].mean() < 0.01


def test_mot_det_file(mot_root):
    _, paths = mot_root
    matched_full, total_full, matched_hidden, total_hidden, ious = 0, 0, 0, 0, []
    for p in paths:
        det = np.loadtxt(osp.join(p, 'det', 'det.txt'), delimiter=',', ndmin=2)
        gt = np.loadtxt(osp.join(p, 'gt', 'gt.txt'), delimiter=',', ndmin=2)
        assert det.shape[1] == 10
        assert (det[:, 1] == -1).all() and (det[:, 7:] == -1).all()
        assert ((det[:, 6] > 0) & (det[:, 6] <= 1)).all()
        assert (det[:, 2] >= 0).all() and (det[:, 2] + det[:, 4] <= W + 1e-6).all()
        for f in range(1, 41):
            dets = det[det[:, 0] == f]
            dboxes = [(d[2], d[3], d[2] + d[4], d[3] + d[5]) for d in dets]
            for r in gt[gt[:, 0] == f]:
                g = (r[2], r[3], r[2] + r[4], r[3] + r[5])
                best = max([_iou(g, d) for d in dboxes], default=0.0)
                if r[8] == 1.0:
                    total_full += 1
                    matched_full += best > 0.5
                    if best > 0.5:
                        ious.append(best)
                elif r[8] < 0.3:
                    total_hidden += 1
                    matched_hidden += best > 0.5
    assert matched_full / total_full > 0.85
    assert np.mean(ious) > 0.75
    if total_hidden >= 5:
        assert matched_hidden / total_hidden < matched_full / total_full


def test_mot_deterministic(tmp_path):
    a = generate_mot_sequences(str(tmp_path / 'a'), num_seqs=1, num_frames=8, img_size=(H, W))
    b = generate_mot_sequences(str(tmp_path / 'b'), num_seqs=1, num_frames=8, img_size=(H, W))
    c = generate_mot_sequences(str(tmp_path / 'c'), num_seqs=1, num_frames=8, img_size=(H, W),
                               seed=1)
    for rel in ('gt/gt.txt', 'det/det.txt', 'img1/000008.jpg', 'seqinfo.ini'):
        with open(osp.join(a[0], rel), 'rb') as fa, open(osp.join(b[0], rel), 'rb') as fb:
            assert fa.read() == fb.read()
    with open(osp.join(a[0], 'gt/gt.txt')) as fa, open(osp.join(c[0], 'gt/gt.txt')) as fc:
        assert fa.read() != fc.read()
    # regenerating in place replaces the folder and leaves no temporary folder
    generate_mot_sequences(str(tmp_path / 'a'), num_seqs=1, num_frames=8, img_size=(H, W))
    assert sorted(p.name for p in (tmp_path / 'a' / 'train').iterdir()) == ['SYN-01']


def test_mot_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='num_seqs'):
        generate_mot_sequences(str(tmp_path), num_seqs=0)
    with pytest.raises(ValueError, match='img_size'):
        generate_mot_sequences(str(tmp_path), img_size=(20, 20))


def test_sot_sequences(tmp_path):
    paths = generate_sot_sequences(str(tmp_path), num_seqs=4, num_frames=40, img_size=(H, W))
    rels = sorted(osp.relpath(p, tmp_path) for p in paths)
    assert rels == ['ball/ball-1', 'ball/ball-2', 'box/box-1', 'box/box-2']
    with open(osp.join(str(tmp_path), 'testing_set.txt')) as f:
        assert f.read().splitlines() == ['box-1', 'box-2']
    seen_out = False
    for p in paths:
        boxes = np.loadtxt(osp.join(p, 'groundtruth.txt'), delimiter=',', ndmin=2)
        assert boxes.shape == (40, 4)
        occ = np.array(open(osp.join(p, 'full_occlusion.txt')).read().strip().split(','), int)
        oov = np.array(open(osp.join(p, 'out_of_view.txt')).read().strip().split(','), int)
        assert occ.shape == oov.shape == (40, )
        assert not (occ & oov).any()
        assert (boxes[oov == 1] == 0).all()
        present = boxes[oov == 0]
        assert (present[:, 2] >= 2).all() and (present[:, 0] + present[:, 2] <= W).all()
        seen_out |= bool(oov.any())
        assert open(osp.join(p, 'nlp.txt')).read().strip()
        assert cv2.imread(osp.join(p, 'img', '00000040.jpg')).shape == (H, W, 3)
        # the target in frame 1 is visible and colourful inside its box
        img = cv2.imread(osp.join(p, 'img', '00000001.jpg'))
        x, y, w, h = boxes[0].astype(int)
        assert occ[0] == 0 and (_chroma(img[y:y + h, x:x + w]) > 70).mean() > 0.2
    assert seen_out


@pytest.mark.parametrize('version', ['2019', '2021'])
def test_vis_videos(tmp_path, version):
    ann_path = generate_vis_videos(str(tmp_path), num_videos=2, num_frames=6, img_size=(H, W),
                                   version=version)
    expected = 'train.json' if version == '2019' else 'train/instances.json'
    assert ann_path == osp.join(str(tmp_path), expected)
    data = json.load(open(ann_path))
    assert len(data['categories']) == 40
    names = {c['id']: c['name'] for c in data['categories']}
    assert len(data['videos']) == 2
    for video in data['videos']:
        assert video['length'] == 6 and len(video['file_names']) == 6
        assert video['file_names'][1].endswith('/00005.jpg')
        for fn in video['file_names']:
            assert osp.isfile(osp.join(str(tmp_path), 'train', 'JPEGImages', fn))
    assert data['annotations']
    for ann in data['annotations']:
        assert names[ann['category_id']] in ('person', 'duck', 'cat')
        video = data['videos'][ann['video_id'] - 1]
        assert len(ann['segmentations']) == len(ann['bboxes']) == len(ann['areas']) == 6
        for t, (seg, box, area) in enumerate(
                zip(ann['segmentations'], ann['bboxes'], ann['areas'])):
            if seg is None:
                assert box is None and area is None
                continue
            mask = mask_utils.decode(seg).astype(bool)
            assert mask.shape == (H, W) and mask.sum() == area
            ys, xs = np.nonzero(mask)
            assert box == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            img = cv2.imread(osp.join(str(tmp_path), 'train', 'JPEGImages',
                                      video['file_names'][t]))
            # masked pixels are sprite pixels: more colourful than the background
            assert _chroma(img)[mask].mean() > _chroma(img)[~mask].mean()


def test_scene_visibility_by_hand():
    """Rectangles at known places: visibility is the uncovered, in-image share."""
    from mmtrack.datasets.synthetic import SyntheticScene
    scene = SyntheticScene(np.random.default_rng(0), (60, 100))
    # far object A: 20x30 box [20, 10, 40, 40]; near object B covers its right half
    a = scene.add_object(20, 30, (30, 25), (0, 0), shape='rect', z=0.0, scale_rate=1.0)
    b = scene.add_object(20, 30, (40, 25), (0, 0), shape='rect', z=1.0, scale_rate=1.0)
    # object C half outside the left border: box [-10, 30, 10, 50] -> clipped [0, 30, 10, 50]
    c = scene.add_object(20, 20, (0, 40), (0, 0), shape='rect', z=0.5, scale_rate=1.0)
    # ellipse D alone: fully visible, box touches the silhouette on all four sides
    d = scene.add_object(16, 24, (80, 20), (0, 0), shape='ellipse', z=0.2, scale_rate=1.0)
    frame = scene.render()  # the camera starts at offset (0, 0)
    views = {v.obj_id: v for v in frame.views}
    assert views[a.obj_id].box == (20, 10, 40, 40) and views[a.obj_id].visibility == 0.5
    assert views[b.obj_id].box == (30, 10, 50, 40) and views[b.obj_id].visibility == 1.0
    assert views[c.obj_id].box == (0, 30, 10, 50) and views[c.obj_id].visibility == 0.5
    assert views[d.obj_id].visibility == 1.0
    owner = frame.owner
    assert (owner[10:40, 20:30] == a.obj_id).all() and (owner[10:40, 30:50] == b.obj_id).all()
    ys, xs = np.nonzero(owner == d.obj_id)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == views[d.obj_id].box
    # rendered pixels: B's sprite where B is, background elsewhere
    assert _chroma(frame.image[15:35, 35:45]).mean() > _chroma(frame.image[0:8, 55:70]).mean()


def test_make_synthetic_videos_cli(tmp_path, capsys):
    from tests.helpers.tools import load_tool
    tool = load_tool('tools/dataset_converters/make_synthetic_videos.py')
    out = str(tmp_path)
    tool.main(['--out', f'{out}/mot', '--num-seqs', '1', '--num-frames', '3', '--img-size', '48',
               '64'])
    tool.main(['--out', f'{out}/sot', '--task', 'sot', '--num-seqs', '1', '--num-frames', '3'])
    tool.main(['--out', f'{out}/vis', '--task', 'vis', '--num-seqs', '1', '--num-frames', '2',
               '--splits', 'train', 'valid'])
    assert sorted(os.listdir(f'{out}/mot')) == ['test', 'train']
    assert os.listdir(f'{out}/mot/train') == ['SYN-01'] and os.listdir(f'{out}/mot/test') == [
        'SYN-51'
    ]
    assert cv2.imread(f'{out}/mot/train/SYN-01/img1/000003.jpg').shape == (48, 64, 3)
    assert osp.isfile(f'{out}/sot/ball/ball-1/groundtruth.txt')
    assert osp.isfile(f'{out}/vis/train.json') and osp.isfile(f'{out}/vis/valid.json')
    assert 'train: wrote 1 sequences' in capsys.readouterr().out
