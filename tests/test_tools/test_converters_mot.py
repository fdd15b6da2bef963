"""mot2coco.py on a tiny MOTChallenge sample written here, checked field by field."""

import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers.tools import REPO_ROOT, load_tool

mot2coco = load_tool('tools/dataset_converters/mot/mot2coco.py')
ConversionError = sys.modules['convert_utils'].ConversionError

# frame,id,x,y,w,h,conf,class,visibility (not sorted by frame, as in MOT files)
GT_LINES = [
    '1,5,10,20,30,40,1,1,0.9',
    '2,5,12,20,30,40,1,1,0.8',
    '1,9,50,60,10,20,1,1,1.0',
    '1,7,0,0,5,5,1,2,1.0',  # person on vehicle: ignore class, dropped
    '3,7,0,0,5,5,1,7,1.0',  # static person: ignore class, dropped
    '2,8,1,1,5,5,1,3,1.0',  # car: useless class, dropped
    '3,9,52,60,10,20,0,1,0.1',  # conf 0 kept with mot_conf 0
    '4,9,54,60,10,20,1,1,0.5',
    '5,11,70,10,8,16,1,1,0.25',
    '5,5,20,20,30,40,1,1,1.0',
]
DET_LINES = ['1,-1,10.5,20,30,40,0.9,-1,-1,-1', '1,-1,0,0,4,4,0.2,-1,-1,-1',
             '4,-1,50,60,10,20,0.7,-1,-1,-1']


def write_video(root, split, name, num_frames=5, gt=GT_LINES, det=DET_LINES, seq_len=None,
                ext='.jpg'):
    vdir = osp.join(root, split, name)
    os.makedirs(osp.join(vdir, 'img1'))
    for f in range(1, num_frames + 1):
        open(osp.join(vdir, 'img1', f'{f:06d}{ext}'), 'wb').close()
    with open(osp.join(vdir, 'seqinfo.ini'), 'w') as f:
        f.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate=25\n'
                f'seqLength={num_frames if seq_len is None else seq_len}\n'
                f'imWidth=640\nimHeight=480\nimExt={ext}\n')
    if gt is not None:
        os.makedirs(osp.join(vdir, 'gt'))
        with open(osp.join(vdir, 'gt', 'gt.txt'), 'w') as f:
            f.write('\n'.join(gt) + '\n')
    if det is not None:
        os.makedirs(osp.join(vdir, 'det'))
        with open(osp.join(vdir, 'det', 'det.txt'), 'w') as f:
            f.write('\n'.join(det) + '\n')
    return vdir


@pytest.fixture
def mot_root(tmp_path):
    root = str(tmp_path / 'MOT17')
    write_video(root, 'train', 'MOT17-02-FRCNN')
    write_video(root, 'train', 'MOT17-04-FRCNN', num_frames=2, gt=['2,3,1,2,3,4,1,1,1'], det=[])
    write_video(root, 'test', 'MOT17-01-FRCNN', num_frames=5, gt=None)
    return root


def load(out, name):
    with open(osp.join(out, name)) as f:
        return json.load(f)


def test_train_and_test(mot_root, tmp_path):
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', mot_root, '-o', out, '--convert-det'])
    assert sorted(os.listdir(out)) == [
        'test_cocoformat.json', 'test_detections.pkl', 'train_cocoformat.json',
        'train_detections.pkl'
    ]
    train = load(out, 'train_cocoformat.json')
    assert train['categories'] == [{'id': 1, 'name': 'pedestrian'}]
    assert train['videos'] == [
        dict(id=1, name='MOT17-02-FRCNN', fps=25, width=640, height=480),
        dict(id=2, name='MOT17-04-FRCNN', fps=25, width=640, height=480)
    ]
    imgs = train['images']
    assert [i['id'] for i in imgs] == [1, 2, 3, 4, 5, 6, 7]
    assert [i['frame_id'] for i in imgs] == [0, 1, 2, 3, 4, 0, 1]
    assert [i['mot_frame_id'] for i in imgs] == [1, 2, 3, 4, 5, 1, 2]
    assert [i['video_id'] for i in imgs] == [1] * 5 + [2] * 2
    assert imgs[0]['file_name'] == 'MOT17-02-FRCNN/img1/000001.jpg'
    assert (imgs[0]['height'], imgs[0]['width']) == (480, 640)
    anns = train['annotations']
    # pedestrians only, ordered by frame then file order; ids from 1
    got = [(a['image_id'], a['mot_instance_id'], a['instance_id']) for a in anns]
    assert got == [(1, 5, 0), (1, 9, 1), (2, 5, 0), (3, 9, 1), (4, 9, 1), (5, 11, 2), (5, 5, 0),
                   (7, 3, 3)]
    assert [a['id'] for a in anns] == list(range(1, 9))
    assert train['num_instances'] == 4
    a = anns[0]
    assert a['bbox'] == [10.0, 20.0, 30.0, 40.0] and a['area'] == 1200.0
    assert a['category_id'] == 1 and a['mot_class_id'] == 1 and a['video_id'] == 1
    assert a['visibility'] == 0.9 and a['mot_conf'] == 1.0 and a['iscrowd'] is False
    assert anns[3]['mot_conf'] == 0.0 and anns[3]['visibility'] == 0.1
    assert anns[-1]['video_id'] == 2

    test = load(out, 'test_cocoformat.json')
    assert test['annotations'] == [] and test['num_instances'] == 0
    assert [i['file_name'] for i in test['images']] == [
        f'MOT17-01-FRCNN/img1/00000{k}.jpg' for k in (1, 2, 3, 4, 5)
    ]
    with open(osp.join(out, 'train_detections.pkl'), 'rb') as f:
        dets = pickle.load(f)['det_bboxes']
    assert len(dets) == 7
    d1 = dets['MOT17-02-FRCNN/img1/000001.jpg']
    assert isinstance(d1, list) and len(d1) == 1
    np.testing.assert_allclose(d1[0], [[10.5, 20, 40.5, 60, 0.9], [0, 0, 4, 4, 0.2]])
    assert dets['MOT17-02-FRCNN/img1/000002.jpg'][0].shape == (0, 5)
    np.testing.assert_allclose(dets['MOT17-02-FRCNN/img1/000004.jpg'][0], [[50, 60, 60, 80, 0.7]])


def test_half_split(mot_root, tmp_path):
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', mot_root, '-o', out, '--split-train'])
    half_train = load(out, 'half-train_cocoformat.json')
    half_val = load(out, 'half-val_cocoformat.json')
    # 5 frames: split at 5 // 2 + 1 = 3 -> frames 1-3 and 4-5; 2 frames: 1-2 and none
    assert [i['mot_frame_id'] for i in half_train['images']] == [1, 2, 3, 1, 2]
    assert [i['frame_id'] for i in half_train['images']] == [0, 1, 2, 0, 1]
    assert [i['mot_frame_id'] for i in half_val['images']] == [4, 5]
    assert [i['frame_id'] for i in half_val['images']] == [0, 1]
    assert [i['id'] for i in half_val['images']] == [1, 2]
    # instance ids re-indexed from 0 in each file
    assert [(a['mot_instance_id'], a['instance_id']) for a in half_val['annotations']] == [
        (9, 0), (11, 1), (5, 2)
    ]
    assert half_val['num_instances'] == 3 and half_train['num_instances'] == 3
    gt_dir = osp.join(mot_root, 'train', 'MOT17-02-FRCNN', 'gt')
    # raw rows of the frames of each half (all classes, for evaluation)
    with open(osp.join(gt_dir, 'gt_half-train.txt')) as f:
        assert f.read().splitlines() == [
            line for line in GT_LINES if int(line.split(',')[0]) <= 3
        ]
    with open(osp.join(gt_dir, 'gt_half-val.txt')) as f:
        assert f.read().splitlines() == [line for line in GT_LINES if int(line.split(',')[0]) > 3]
    assert not any('.tmp' in n for n in os.listdir(gt_dir) + os.listdir(out))


def test_mot15_columns(tmp_path):
    root = str(tmp_path / 'MOT15')
    write_video(root, 'train', 'ADL-Rundle-6', num_frames=2,
                gt=['1,1,10,10,20,30,-1,-1,-1,-1', '2,1,11,10,20,30,-1,-1,-1,-1'], det=None)
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', root, '-o', out])
    anns = load(out, 'train_cocoformat.json')['annotations']
    assert [(a['mot_conf'], a['mot_class_id'], a['visibility']) for a in anns] == [(1.0, 1, 1.0)
                                                                                    ] * 2


@pytest.mark.parametrize(
    'gt, num_frames, seq_len, message',
    [
        (['1,5,10,20,30,40,1,1'], 5, None, r'gt\.txt:1: expected 9 columns .*missing visibility'),
        (['1,5,10,20,30,40,1,1,1', '1.5,5,10,20,30,40,1,1,1'], 5, None,
         r"gt\.txt:2: field 'frame' is not an integer: '1\.5'"),
        (['x,5,10,20,30,40,1,1,1'], 5, None, r"gt\.txt:1: field 'frame' is not a number: 'x'"),
        (['1,5,10,20,-3,40,1,1,1'], 5, None, r'gt\.txt:1: box has negative size \(width=-3'),
        (['1,5,10,20,3,40,1,1,1', '7,5,10,20,30,40,1,1,1'], 5, None,
         r'gt\.txt:2: frame 7 has no image .*000007\.jpg is missing'),
        (['1,5,10,20,3,40,1,1,1'], 0, 0, r'img1: empty sequence'),
        (None, 5, None, r'MOT17-09-FRCNN/gt/gt\.txt: file not found'),
        (['1,5,10,20,3,40,1,1,1'], 4, 5, r"seqinfo\.ini: field 'seqLength' is 5 but .* 4 images"),
        (['1,5,10,20,3,40,1,1,1', '2,5,1,1,3,3,1,1,1', '1,5,0,0,3,3,1,1,1'], 5, None,
         r'gt\.txt:3: id 5 appears twice in frame 1 \(first at line 1\)'),
    ])
def test_malformed_input(tmp_path, gt, num_frames, seq_len, message):
    root = str(tmp_path / 'MOT17')
    write_video(root, 'train', 'MOT17-02-FRCNN')
    write_video(root, 'train', 'MOT17-09-FRCNN', gt=gt, num_frames=num_frames, seq_len=seq_len)
    out = str(tmp_path / 'ann')
    with pytest.raises(ConversionError, match=message):
        mot2coco.main(['-i', root, '-o', out, '--split-train', '--convert-det'])
    # nothing written: no output folder, no half gt files, no temporary files
    assert not osp.exists(out)
    assert sorted(os.listdir(osp.join(root, 'train', 'MOT17-02-FRCNN', 'gt'))) == ['gt.txt']


def test_cli_alias_and_error_exit(mot_root, tmp_path):
    out = str(tmp_path / 'ann')
    alias = osp.join(REPO_ROOT, 'tools', 'convert_datasets', 'mot', 'mot2coco.py')
    res = subprocess.run([sys.executable, alias, '-i', mot_root, '-o', out],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert 'train: 2 videos, 7 images, 4 instances' in res.stdout
    with open(osp.join(mot_root, 'train', 'MOT17-04-FRCNN', 'gt', 'gt.txt'), 'a') as f:
        f.write('2,3,1,2\n')
    res = subprocess.run([sys.executable, alias, '-i', mot_root, '-o', str(tmp_path / 'x')],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert 'MOT17-04-FRCNN/gt/gt.txt:2: expected 9 columns' in res.stderr


def test_synthetic_sequences_convert(tmp_path):
    from mmtrack.datasets.synthetic import generate_mot_sequences
    root = str(tmp_path / 'SYN')
    paths = generate_mot_sequences(root, num_seqs=2, num_frames=6, img_size=(64, 96))
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', root, '-o', out, '--split-train', '--convert-det'])
    train = load(out, 'train_cocoformat.json')
    num_rows = sum(len(open(osp.join(p, 'gt', 'gt.txt')).read().splitlines()) for p in paths)
    assert len(train['images']) == 12 and len(train['annotations']) == num_rows
    assert [v['name'] for v in train['videos']] == ['SYN-01', 'SYN-02']
    for img in train['images']:
        assert osp.isfile(osp.join(root, 'train', img['file_name']))
    assert len(load(out, 'half-train_cocoformat.json')['images']) == 2 * 4


def test_every_alias_has_a_script():
    alias_root = osp.join(REPO_ROOT, 'tools', 'convert_datasets')
    aliases = []
    for dirpath, _, files in os.walk(alias_root):
        for name in files:
            if name.endswith('.py'):
                rel = osp.relpath(osp.join(dirpath, name), alias_root)
                aliases.append(rel)
                assert osp.isfile(osp.join(REPO_ROOT, 'tools', 'dataset_converters', rel)), rel
            elif name.endswith('.sh'):
                with open(osp.join(dirpath, name)) as f:
                    target = f.read().split('dataset_converters/')[-1].split('"')[0]
                assert osp.isfile(osp.join(REPO_ROOT, 'tools', 'dataset_converters', target))
                aliases.append(name)
    assert 'mot/mot2reid.py' in aliases and 'youtubevis/youtubevis2coco.py' in aliases
    assert 'unzip_trackinget.sh' in aliases  # MMTracking's spelling


def test_test_only_dataset(tmp_path):
    root = str(tmp_path / 'SYN')
    write_video(root, 'test', 'SYN-51', num_frames=3, gt=None)
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', root, '-o', out])
    assert sorted(os.listdir(out)) == ['test_cocoformat.json']
    assert len(load(out, 'test_cocoformat.json')['images']) == 3
    # the half splits need the training folder
    with pytest.raises(Exception, match='folder not found'):
        mot2coco.main(['-i', root, '-o', str(tmp_path / 'ann2'), '--split-train'])
    assert not os.path.exists(str(tmp_path / 'ann2' / 'test_cocoformat.json'))


def test_empty_gt_file_warns_and_converts(tmp_path, capsys):
    root = str(tmp_path / 'MOT17')
    write_video(root, 'train', 'MOT17-02-FRCNN', gt=[])
    out = str(tmp_path / 'ann')
    mot2coco.main(['-i', root, '-o', out])
    assert 'MOT17-02-FRCNN/gt/gt.txt: empty gt file' in capsys.readouterr().err
    ann = load(out, 'train_cocoformat.json')
    assert len(ann['images']) == 5 and ann['annotations'] == []
