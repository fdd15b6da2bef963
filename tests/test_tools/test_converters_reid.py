"""mot2reid.py and dancetrack2coco.py on tiny samples written here."""

import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from tests.helpers.tools import load_tool

mot2reid = load_tool('tools/dataset_converters/mot/mot2reid.py')
dancetrack2coco = load_tool('tools/dataset_converters/dancetrack/dancetrack2coco.py')
ConversionError = sys.modules['convert_utils'].ConversionError

H, W = 60, 100


def frame_image(frame):
    """B = x, G = 2 * y, R = 20 * frame: crops can be checked by their colour."""
    ys, xs = np.mgrid[0:H, 0:W]
    return np.stack([xs, 2 * ys, np.full_like(xs, 20 * frame)], axis=-1).astype(np.uint8)


def write_video(root, split, name, gt_lines, num_frames=4, digits=6):
    vdir = osp.join(root, split, name)
    os.makedirs(osp.join(vdir, 'img1'))
    os.makedirs(osp.join(vdir, 'gt'))
    for f in range(1, num_frames + 1):
        cv2.imwrite(osp.join(vdir, 'img1', f'{f:0{digits}d}.png'), frame_image(f))
    with open(osp.join(vdir, 'seqinfo.ini'), 'w') as f:
        f.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate=30\nseqLength={num_frames}\n'
                f'imWidth={W}\nimHeight={H}\nimExt=.png\n')
    with open(osp.join(vdir, 'gt', 'gt.txt'), 'w') as f:
        f.write('\n'.join(gt_lines) + '\n')


GT = [
    '2,1,10,5,20,30,1,1,1.0',
    '1,1,12,6,20,30,1,1,1.0',
    '3,1,14,7,20,30,1,1,0.9',
    '1,2,50,10,10,20,1,1,1.0',
    '2,2,52,10,10,20,1,1,0.2',  # below --vis-threshold 0.3
    '3,2,54,10,10,20,1,1,0.3',
    '1,3,70,30,10,10,1,1,1.0',  # one crop only: fewer than --min-per-person
    '1,4,5,5,10,10,1,1,1.0',
    '2,4,6,5,10,10,1,1,1.0',
    '3,4,7,5,10,10,1,1,1.0',
    '4,4,8,5,10,10,1,1,1.0',
    '1,5,30,30,10,10,0,7,1.0',  # static person: ignore class, not cropped
    '2,6,90,40,20,30,1,1,0.5',  # partly outside the image: crop clipped
    '3,6,91,40,20,30,1,1,0.5',
]


@pytest.fixture
def mot_root(tmp_path):
    root = str(tmp_path / 'MOT17')
    write_video(root, 'train', 'MOT17-02-FRCNN', GT)
    write_video(root, 'train', 'MOT17-02-DPM', GT)  # MOT17: only FRCNN copies are used
    return root


def read_list(path):
    with open(path) as f:
        return [line.split() for line in f.read().splitlines()]


def test_mot2reid(mot_root, tmp_path):
    out = str(tmp_path / 'reid')
    mot2reid.main(['-i', mot_root, '-o', out, '--val-split', '0.4', '--min-per-person', '2',
                   '--max-per-person', '3'])
    assert sorted(os.listdir(out)) == ['imgs', 'meta']
    folders = sorted(os.listdir(osp.join(out, 'imgs')))
    assert folders == [f'MOT17-02-FRCNN_{i:06d}' for i in (1, 2, 3, 4, 6)]
    counts = {f: len(os.listdir(osp.join(out, 'imgs', f))) for f in folders}
    assert list(counts.values()) == [3, 2, 1, 4, 2]
    # k-th crop of a person is its k-th frame: id 1 frames 1, 2, 3 -> boxes x = 12, 10, 14
    for k, (frame, x, y) in enumerate([(1, 12, 6), (2, 10, 5), (3, 14, 7)]):
        crop = cv2.imread(osp.join(out, 'imgs', folders[0], f'{k:06d}.jpg')).astype(float)
        assert crop.shape == (30, 20, 3)
        assert abs(crop[..., 0].mean() - (x + 9.5)) < 2
        assert abs(crop[..., 1].mean() - 2 * (y + 14.5)) < 3
        assert abs(crop[..., 2].mean() - 20 * frame) < 3
    # id 2: frames 1 and 3 (frame 2 below the visibility threshold)
    crop = cv2.imread(osp.join(out, 'imgs', folders[1], '000001.jpg')).astype(float)
    assert abs(crop[..., 2].mean() - 60) < 3
    # id 6: clipped at the right and bottom borders: x 90..100, y 40..60
    crop = cv2.imread(osp.join(out, 'imgs', folders[4], '000000.jpg'))
    assert crop.shape == (20, 10, 3)

    meta = osp.join(out, 'meta')
    assert sorted(os.listdir(meta)) == ['train.txt', 'train_60.txt', 'val_40.txt']
    train = read_list(osp.join(meta, 'train_60.txt'))
    val = read_list(osp.join(meta, 'val_40.txt'))
    # first int(5 * 0.6) = 3 identities train (id 3 dropped: 1 crop < 2), the rest val
    assert train == [[f'MOT17-02-FRCNN_000001/{k:06d}.jpg', '0'] for k in range(3)] + [
        [f'MOT17-02-FRCNN_000002/{k:06d}.jpg', '1'] for k in range(2)
    ]
    assert [label for _, label in val] == ['0'] * 3 + ['1'] * 2
    id4 = [name for name, _ in val[:3]]
    assert len(set(id4)) == 3 and all(n.startswith('MOT17-02-FRCNN_000004/') for n in id4)
    assert [name for name, _ in val[3:]] == [
        'MOT17-02-FRCNN_000006/000000.jpg', 'MOT17-02-FRCNN_000006/000001.jpg'
    ]
    entire = read_list(osp.join(meta, 'train.txt'))
    assert entire == train + [[n, str(int(lab) + 2)] for n, lab in val]
    # reproducible subsampling
    out2 = str(tmp_path / 'reid2')
    mot2reid.main(['-i', mot_root, '-o', out2, '--val-split', '0.4', '--min-per-person', '2',
                   '--max-per-person', '3'])
    assert read_list(osp.join(out2, 'meta', 'val_40.txt')) == val


def test_mot2reid_errors(mot_root, tmp_path):
    out = tmp_path / 'reid'
    out.mkdir()
    (out / 'x').write_text('')
    with pytest.raises(ConversionError, match='output directory must be empty'):
        mot2reid.main(['-i', mot_root, '-o', str(out)])
    with open(osp.join(mot_root, 'train', 'MOT17-02-FRCNN', 'gt', 'gt.txt'), 'a') as f:
        f.write('4,9,1,1,5,-5,1,1,1\n')
    out2 = str(tmp_path / 'reid2')
    with pytest.raises(ConversionError, match=r'gt\.txt:15: box has negative size'):
        mot2reid.main(['-i', mot_root, '-o', out2])
    assert sorted(os.listdir(tmp_path)) == ['MOT17', 'reid']


def test_dancetrack2coco(tmp_path):
    root = str(tmp_path / 'DanceTrack')
    write_video(root, 'train', 'dancetrack0001', GT[:4], num_frames=3, digits=8)
    write_video(root, 'val', 'dancetrack0004', ['2,3,1,1,5,5,1,1,1', '1,8,1,1,5,5,1,1,1'],
                num_frames=2, digits=8)
    write_video(root, 'test', 'dancetrack0003', [], num_frames=2, digits=8)
    out = str(tmp_path / 'ann')
    dancetrack2coco.main(['-i', root, '-o', out])
    assert sorted(os.listdir(out)) == [
        'test_cocoformat.json', 'train_cocoformat.json', 'val_cocoformat.json'
    ]
    with open(osp.join(out, 'val_cocoformat.json')) as f:
        val = json.load(f)
    assert val['videos'] == [dict(id=1, name='dancetrack0004', fps=30, width=W, height=H)]
    assert [i['file_name'] for i in val['images']] == [
        'dancetrack0004/img1/00000001.png', 'dancetrack0004/img1/00000002.png'
    ]
    assert [(a['image_id'], a['mot_instance_id'], a['instance_id'])
            for a in val['annotations']] == [(1, 8, 0), (2, 3, 1)]
    with open(osp.join(out, 'test_cocoformat.json')) as f:
        assert json.load(f)['annotations'] == []
    # a gt row naming a frame without image: clear error, nothing written
    with open(osp.join(root, 'val', 'dancetrack0004', 'gt', 'gt.txt'), 'a') as f:
        f.write('3,3,1,1,5,5,1,1,1\n')
    out2 = str(tmp_path / 'ann2')
    with pytest.raises(ConversionError, match=r'gt\.txt:3: frame 3 has no image .*00000003\.png'):
        dancetrack2coco.main(['-i', root, '-o', out2])
    assert not osp.exists(out2) or os.listdir(out2) == []
