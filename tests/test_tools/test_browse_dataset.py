"""browse_dataset.py on tiny configs over synthetic MOT and VIS data."""

import json
import os
import os.path as osp

import cv2
import numpy as np
import pycocotools.mask as mask_utils
import pytest

from mmtrack.datasets.synthetic import generate_mot_sequences, generate_vis_videos
from tests.helpers.tools import load_tool

browse_dataset = load_tool('tools/analysis_tools/browse_dataset.py')
mot2coco = load_tool('tools/dataset_converters/mot/mot2coco.py')
vis2coco = load_tool('tools/dataset_converters/youtubevis/youtubevis2coco.py')

H, W = 64, 96

MOT_CONFIG = """
train_dataloader = dict(
    batch_size=1,
    dataset=dict(
        type='MOTChallengeDataset',
        data_root={root!r},
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path='train'),
        ref_img_sampler=dict(num_ref_imgs=1, frame_range=2, filter_key_img=True,
                             method='uniform'),
        pipeline=[
            dict(type='TransformBroadcaster', share_random_params=True, transforms=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadTrackAnnotations'),
            ]),
            dict(type='PackTrackInputs'),
        ]))
"""

VIS_CONFIG = """
train_dataloader = dict(
    dataset=dict(
        type='YouTubeVISDataset',
        dataset_version='2019',
        data_root={root!r},
        ann_file='annotations/youtube_vis_2019_train.json',
        data_prefix=dict(img_path='train/JPEGImages'),
        pipeline=[
            dict(type='TransformBroadcaster', transforms=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadTrackAnnotations', with_mask=True),
            ]),
            dict(type='PackTrackInputs'),
        ]))
"""


def diff(a, b):
    return np.abs(a.astype(np.int32) - b.astype(np.int32)).max(axis=2)


def test_browse_mot(tmp_path):
    root = str(tmp_path / 'SYN')
    generate_mot_sequences(root, num_seqs=2, num_frames=5, img_size=(H, W), max_objects=2)
    mot2coco.main(['-i', root, '-o', osp.join(root, 'annotations')])
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(MOT_CONFIG.format(root=root))
    out = str(tmp_path / 'out')
    browse_dataset.main([str(cfg), '--output-dir', out, '--not-show'])
    names = sorted(os.listdir(out))
    # 2 videos (training items), each a key frame and one reference frame
    assert len(names) == 4 and all(n.endswith('.jpg') for n in names)
    assert [n[:7] for n in names] == ['00000_0', '00000_1', '00001_0', '00001_1']
    with open(osp.join(root, 'annotations', 'train_cocoformat.json')) as f:
        ann = json.load(f)
    by_file = {i['file_name']: i['id'] for i in ann['images']}
    checked = 0
    for name in names:
        video, img_dir, frame = name[8:-4].split('_')
        file_name = f'{video}/{img_dir}/{frame}.jpg'
        drawn = cv2.imread(osp.join(out, name))
        raw = cv2.imread(osp.join(root, 'train', file_name))
        assert drawn.shape == raw.shape == (H, W, 3)
        boxes = [a['bbox'] for a in ann['annotations'] if a['image_id'] == by_file[file_name]]
        near_box = np.zeros((H, W), bool)
        near_box[H - 14:] = True  # caption
        for x, y, w, h in boxes:
            x, y, w, h = int(x), int(y), int(w), int(h)
            near_box[max(0, y - 12):y + h + 2, max(0, x - 2):x + w + 60] = True
            # the left edge of each gt box is painted over
            if h > 8:
                assert diff(drawn, raw)[y + 3:y + h - 3, x].mean() > 40
                checked += 1
        # elsewhere the frame is unchanged (up to JPEG re-encoding)
        assert diff(drawn, raw)[~near_box].mean() < 6
    assert checked > 0


def test_browse_vis_masks(tmp_path):
    root = str(tmp_path / 'ytvis')
    generate_vis_videos(root, num_videos=1, num_frames=3, img_size=(H, W), max_objects=2)
    vis2coco.main(['-i', root, '-o', osp.join(root, 'annotations'), '--version', '2019'])
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(VIS_CONFIG.format(root=root))
    out = str(tmp_path / 'out')
    written = browse_dataset.main([str(cfg), '--output-dir', out, '--not-show'])
    assert written is None
    names = sorted(os.listdir(out))
    assert len(names) == 1  # one video, a random key frame, no reference frames
    with open(osp.join(root, 'annotations', 'youtube_vis_2019_train.json')) as f:
        ann = json.load(f)
    frame = names[0][8:-4].split('_')[-1]
    img = next(i for i in ann['images'] if i['file_name'].endswith(f'/{frame}.jpg'))
    masks = [mask_utils.decode(a['segmentation']).astype(bool) for a in ann['annotations']
             if a['image_id'] == img['id']]
    assert masks
    drawn = cv2.imread(osp.join(out, names[0]))
    raw = cv2.imread(osp.join(root, 'train', 'JPEGImages', img['file_name']))
    d = diff(drawn, raw)
    for m in masks:
        inner = cv2.erode(m.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        if inner.sum() > 20:
            # half-transparent colour over the instance
            assert d[inner].mean() > 25


def test_not_show_needs_output_dir(tmp_path, capsys):
    with pytest.raises(SystemExit):
        browse_dataset.parse_args([str(tmp_path / 'cfg.py'), '--not-show'])
    assert '--not-show needs --output-dir' in capsys.readouterr().err
