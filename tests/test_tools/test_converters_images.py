"""crowdhuman2coco, imagenet2coco_vid/det and youtubevis2coco on tiny samples written here."""

import json
import os
import os.path as osp
import sys

import numpy as np
import pycocotools.mask as mask_utils
import pytest
from PIL import Image

from tests.helpers.tools import load_tool

crowdhuman2coco = load_tool('tools/dataset_converters/mot/crowdhuman2coco.py')
vid2coco = load_tool('tools/dataset_converters/ilsvrc/imagenet2coco_vid.py')
det2coco = load_tool('tools/dataset_converters/ilsvrc/imagenet2coco_det.py')
vis2coco = load_tool('tools/dataset_converters/youtubevis/youtubevis2coco.py')
ConversionError = sys.modules['convert_utils'].ConversionError


def write(path, text):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def load(path):
    with open(path) as f:
        return json.load(f)


def assert_no_output(out):
    assert not osp.exists(out) or os.listdir(out) == []


# ----------------------------------------------------------------- CrowdHuman
def make_crowdhuman(root):
    for mode, ids, size in (('train', ['a1', 'b2'], (40, 30)), ('val', ['c3'], (50, 20))):
        for i in ids:
            os.makedirs(osp.join(root, mode, 'Images'), exist_ok=True)
            Image.new('RGB', size).save(osp.join(root, mode, 'Images', f'{i}.jpg'))
    boxes_a = [
        dict(tag='person', fbox=[1, 2, 10, 20], vbox=[2, 3, 5, 6], extra=dict(ignore=0)),
        dict(tag='mask', fbox=[0, 0, 4, 4], vbox=[0, 0, 4, 4], extra=dict(ignore=1)),
    ]
    lines = [json.dumps(dict(ID='a1', gtboxes=boxes_a)), json.dumps(dict(ID='b2', gtboxes=[]))]
    write(osp.join(root, 'annotation_train.odgt'), '\n'.join(lines) + '\n')
    write(osp.join(root, 'annotation_val.odgt'),
          json.dumps(dict(ID='c3', gtboxes=[dict(fbox=[-3, 1, 8, 9], vbox=[0, 1, 5, 9])])) + '\n')


def test_crowdhuman(tmp_path):
    root, out = str(tmp_path / 'crowdhuman'), str(tmp_path / 'ann')
    make_crowdhuman(root)
    crowdhuman2coco.main(['-i', root, '-o', out])
    assert sorted(os.listdir(out)) == ['crowdhuman_train.json', 'crowdhuman_val.json']
    train = load(osp.join(out, 'crowdhuman_train.json'))
    assert train['categories'] == [dict(id=1, name='pedestrian')]
    assert train['images'] == [
        dict(file_name='Images/a1.jpg', height=30, width=40, id=1),
        dict(file_name='Images/b2.jpg', height=30, width=40, id=2)
    ]
    assert train['annotations'] == [
        dict(id=1, image_id=1, category_id=1, vis_bbox=[2, 3, 5, 6], bbox=[1, 2, 10, 20],
             area=200, iscrowd=False),
        dict(id=2, image_id=1, category_id=1, vis_bbox=[0, 0, 4, 4], bbox=[0, 0, 4, 4], area=16,
             iscrowd=True)
    ]
    val = load(osp.join(out, 'crowdhuman_val.json'))
    assert val['images'] == [dict(file_name='Images/c3.jpg', height=20, width=50, id=1)]
    assert val['annotations'][0]['bbox'] == [-3, 1, 8, 9]


@pytest.mark.parametrize('line, message', [
    ('{"ID": "c3", "gtboxes": [{"vbox": [1, 1, 2, 2]}]}', "a gtbox misses field 'fbox'"),
    ('{"ID": "zz", "gtboxes": []}', r'image .*Images/zz\.jpg is missing'),
    ('{"ID": "c3", "gtboxes": [{"fbox": [1, 1, -2, 2], "vbox": [1, 1, 2, 2]}]}',
     'box has negative size'),
    ('{"ID": "a1", "gtboxes": [', 'invalid json'),
    ('{"gtboxes": []}', "missing field 'ID'"),
])
def test_crowdhuman_errors(tmp_path, line, message):
    root, out = str(tmp_path / 'crowdhuman'), str(tmp_path / 'ann')
    make_crowdhuman(root)
    with open(osp.join(root, 'annotation_val.odgt'), 'a') as f:
        f.write(line + '\n')
    with pytest.raises(ConversionError, match=r'annotation_val\.odgt:2: ' + message):
        crowdhuman2coco.main(['-i', root, '-o', out])
    assert_no_output(out)


# --------------------------------------------------------------- ImageNet VID
def voc_xml(objects, width=64, height=48, track=True):
    parts = [f'<annotation><size><width>{width}</width><height>{height}</height></size>']
    for obj in objects:
        name, box = obj[0], obj[1]
        extra = ''
        if track:
            extra = (f'<trackid>{obj[2]}</trackid><occluded>{obj[3]}</occluded>'
                     f'<generated>0</generated>')
        parts.append(f'<object>{extra}<name>{name}</name><bndbox><xmax>{box[2]}</xmax>'
                     f'<xmin>{box[0]}</xmin><ymax>{box[3]}</ymax><ymin>{box[1]}</ymin>'
                     f'</bndbox></object>')
    return ''.join(parts) + '</annotation>'


DOG, CAR, OTHER = 'n02084071', 'n02958343', 'n00000001'  # VID ids 9 and 7; not a VID class


def make_vid(root):
    tv = 'train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000'
    vv = 'val/ILSVRC2015_val_00000000'
    write(osp.join(root, 'Lists', 'VID_train_15frames.txt'), f'{tv} 1 1 3\n{tv} 1 3 3\n')
    write(osp.join(root, 'Lists', 'VID_val_videos.txt'), f'{vv} 1 0 2\n')
    ann = osp.join(root, 'Annotations', 'VID')
    write(osp.join(ann, tv, '000000.xml'), voc_xml([(DOG, (1, 2, 11, 22), 0, 0)]))
    write(osp.join(ann, tv, '000001.xml'),
          voc_xml([(DOG, (2, 2, 12, 22), 0, 1), (CAR, (30, 5, 40, 9), 1, 0)]))
    write(osp.join(ann, tv, '000002.xml'), voc_xml([]))
    write(osp.join(ann, vv, '000000.xml'), voc_xml([(CAR, (0, 0, 5, 5), 3, 0)], 32, 24))
    write(osp.join(ann, vv, '000001.xml'), voc_xml([(CAR, (1, 0, 6, 5), 3, 0)], 32, 24))
    return tv, vv


def test_imagenet_vid(tmp_path):
    root, out = str(tmp_path / 'ILSVRC'), str(tmp_path / 'ann')
    tv, vv = make_vid(root)
    vid2coco.main(['-i', root, '-o', out])
    train = load(osp.join(out, 'imagenet_vid_train.json'))
    assert len(train['categories']) == 30
    assert train['categories'][8] == dict(id=9, name='dog', encode_name=DOG)
    assert train['videos'] == [dict(id=1, name=tv, vid_train_frames=[0, 2])]
    assert [(i['id'], i['file_name'], i['frame_id'], i['is_vid_train_frame'])
            for i in train['images']] == [(1, f'{tv}/000000.JPEG', 0, True),
                                          (2, f'{tv}/000001.JPEG', 1, False),
                                          (3, f'{tv}/000002.JPEG', 2, True)]
    assert (train['images'][0]['width'], train['images'][0]['height']) == (64, 48)
    assert train['annotations'] == [
        dict(id=1, video_id=1, image_id=1, category_id=9, instance_id=1, bbox=[1, 2, 10, 20],
             area=200, iscrowd=False, occluded=False, generated=False),
        dict(id=2, video_id=1, image_id=2, category_id=9, instance_id=1, bbox=[2, 2, 10, 20],
             area=200, iscrowd=False, occluded=True, generated=False),
        dict(id=3, video_id=1, image_id=2, category_id=7, instance_id=2, bbox=[30, 5, 10, 4],
             area=40, iscrowd=False, occluded=False, generated=False),
    ]
    val = load(osp.join(out, 'imagenet_vid_val.json'))
    assert val['videos'] == [dict(id=1, name=vv, vid_train_frames=[])]
    assert [a['instance_id'] for a in val['annotations']] == [1, 1]
    assert [i['is_vid_train_frame'] for i in val['images']] == [False, False]


@pytest.mark.parametrize('xml, message', [
    (voc_xml([(DOG, (5, 2, 3, 22), 0, 0)]), r'000001\.xml: object 0 box has negative size'),
    (voc_xml([(DOG, (5, 2, 'x', 22), 0, 0)]), r"field 'object 0/bndbox/xmax' is not a number"),
    ('<annotation><size><width>3</width></size></annotation>', "misses field 'height'"),
    (None, r'000001\.xml: file not found'),
])
def test_imagenet_vid_errors(tmp_path, xml, message):
    root, out = str(tmp_path / 'ILSVRC'), str(tmp_path / 'ann')
    tv, _ = make_vid(root)
    path = osp.join(root, 'Annotations', 'VID', tv, '000001.xml')
    if xml is None:
        os.remove(path)
    else:
        write(path, xml)
    with pytest.raises(ConversionError, match=message):
        vid2coco.main(['-i', root, '-o', out])
    assert_no_output(out)


def test_imagenet_vid_missing_image_and_list_errors(tmp_path):
    root, out = str(tmp_path / 'ILSVRC'), str(tmp_path / 'ann')
    tv, vv = make_vid(root)
    # with Data/VID present, listed frames must exist
    data = osp.join(root, 'Data', 'VID')
    for v, n in ((tv, 3), (vv, 2)):
        os.makedirs(osp.join(data, v))
        for k in range(n):
            open(osp.join(data, v, f'{k:06d}.JPEG'), 'wb').close()
    vid2coco.main(['-i', root, '-o', out])
    os.remove(osp.join(data, vv, '000001.JPEG'))
    out2 = str(tmp_path / 'ann2')
    with pytest.raises(ConversionError, match=r'VID_val_videos\.txt:1: image .*000001\.JPEG is '):
        vid2coco.main(['-i', root, '-o', out2])
    assert_no_output(out2)
    write(osp.join(root, 'Lists', 'VID_val_videos.txt'), f'{vv} 1 0\n')
    with pytest.raises(ConversionError, match=r'VID_val_videos\.txt:1: expected 4 columns'):
        vid2coco.main(['-i', root, '-o', out2])
    write(osp.join(root, 'Lists', 'VID_val_videos.txt'), f'{vv} 1 0 0\n')
    with pytest.raises(ConversionError, match=r'VID_val_videos\.txt:1: empty sequence'):
        vid2coco.main(['-i', root, '-o', out2])
    assert_no_output(out2)


# --------------------------------------------------------------- ImageNet DET
def test_imagenet_det(tmp_path):
    root, out = str(tmp_path / 'ILSVRC'), str(tmp_path / 'ann')
    ann = osp.join(root, 'Annotations', 'DET', 'train')
    listed = 'train/ILSVRC2014_train_0000/ILSVRC2014_train_00000002'
    write(osp.join(root, 'Lists', 'DET_train_30classes.txt'), f'{listed} 7\n')
    write(osp.join(ann, 'ILSVRC2014_train_0000', 'ILSVRC2014_train_00000002.xml'),
          voc_xml([(CAR, (1, 1, 5, 9)), (OTHER, (0, 0, 3, 3))], track=False))
    write(osp.join(ann, 'ILSVRC2014_train_0000', 'ILSVRC2014_train_00000001.xml'),
          voc_xml([], track=False))
    write(osp.join(ann, 'ILSVRC2013_train', DOG, f'{DOG}_7.xml'),
          voc_xml([(DOG, (2, 3, 4, 8))], width=20, height=10, track=False))
    det2coco.main(['-i', root, '-o', out])
    det = load(osp.join(out, 'imagenet_det_30plus1cls.json'))
    assert len(det['categories']) == 31
    assert det['categories'][-1] == dict(id=31, name='other_categories', encode_name=None)
    assert [(i['id'], i['file_name'], i['is_vid_train_frame']) for i in det['images']] == [
        (1, f'{listed}.JPEG', True),
        (2, f'train/ILSVRC2013_train/{DOG}/{DOG}_7.JPEG', False),
        (3, 'train/ILSVRC2014_train_0000/ILSVRC2014_train_00000001.JPEG', False),
    ]
    assert (det['images'][1]['width'], det['images'][1]['height']) == (20, 10)
    assert det['annotations'] == [
        dict(id=1, image_id=1, category_id=7, bbox=[1, 1, 4, 8], area=32, iscrowd=False),
        dict(id=2, image_id=1, category_id=31, bbox=[0, 0, 3, 3], area=9, iscrowd=False),
        dict(id=3, image_id=2, category_id=9, bbox=[2, 3, 2, 5], area=10, iscrowd=False),
    ]
    write(osp.join(root, 'Lists', 'DET_train_30classes.txt'), f'{listed} 7\ntrain/nope 1\n')
    out2 = str(tmp_path / 'ann2')
    with pytest.raises(ConversionError,
                       match=r'DET_train_30classes\.txt:2: annotation .*nope\.xml is missing'):
        det2coco.main(['-i', root, '-o', out2])
    assert_no_output(out2)


# ---------------------------------------------------------------- YouTube-VIS
def rle(mask):
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    r['counts'] = r['counts'].decode()
    return r


def make_vis(root, version):
    m = np.zeros((8, 12), bool)
    m[1:4, 2:6] = True
    seg = rle(m)
    videos = [dict(id=5, width=12, height=8, length=2, file_names=['v1/00000.jpg', 'v1/00005.jpg']),
              dict(id=7, width=12, height=8, length=1, file_names=['v2/00000.jpg'])]
    anns = [
        dict(id=11, video_id=5, category_id=1, iscrowd=0, segmentations=[seg, None],
             bboxes=[[2, 1, 4, 3], None], areas=[12, None]),
        dict(id=12, video_id=5, category_id=2, iscrowd=0, segmentations=[seg, seg],
             bboxes=[[2, 1, 4, 3], [2, 1, 4, 3]], areas=[12, 12]),
        dict(id=13, video_id=7, category_id=1, iscrowd=0, segmentations=[seg],
             bboxes=[[2, 1, 4, 3]], areas=[12]),
    ]
    cats = [dict(id=1, name='person'), dict(id=2, name='giant_panda')]
    train = dict(categories=cats, videos=videos, annotations=anns)
    valid = dict(categories=cats, videos=[videos[1]])
    if version == '2019':
        write(osp.join(root, 'train.json'), json.dumps(train))
        write(osp.join(root, 'valid.json'), json.dumps(valid))
    else:
        write(osp.join(root, 'train', 'instances.json'), json.dumps(train))
        write(osp.join(root, 'valid', 'instances.json'), json.dumps(valid))
    return seg


@pytest.mark.parametrize('version', ['2019', '2021'])
def test_youtubevis(tmp_path, version):
    root, out = str(tmp_path / 'ytvis'), str(tmp_path / 'ann')
    seg = make_vis(root, version)
    vis2coco.main(['-i', root, '-o', out, '--version', version])
    assert sorted(os.listdir(out)) == [
        f'youtube_vis_{version}_train.json', f'youtube_vis_{version}_valid.json'
    ]
    train = load(osp.join(out, f'youtube_vis_{version}_train.json'))
    assert train['videos'] == [dict(id=5, name='v1', width=12, height=8),
                               dict(id=7, name='v2', width=12, height=8)]
    assert [(i['id'], i['file_name'], i['frame_id'], i['video_id']) for i in train['images']] == [
        (1, 'v1/00000.jpg', 0, 5), (2, 'v1/00005.jpg', 1, 5), (3, 'v2/00000.jpg', 0, 7)
    ]
    assert [(a['id'], a['image_id'], a['video_id'], a['category_id'], a['instance_id'])
            for a in train['annotations']] == [(1, 1, 5, 1, 1), (2, 1, 5, 2, 2), (3, 2, 5, 2, 2),
                                               (4, 3, 7, 1, 3)]
    a = train['annotations'][0]
    assert a['bbox'] == [2, 1, 4, 3] and a['area'] == 12 and a['segmentation'] == seg
    assert a['iscrowd'] == 0 and train['num_instances'] == 3
    valid = load(osp.join(out, f'youtube_vis_{version}_valid.json'))
    assert valid['annotations'] == [] and len(valid['images']) == 1


def test_youtubevis_errors(tmp_path):
    root = str(tmp_path / 'ytvis')
    make_vis(root, '2019')
    data = load(osp.join(root, 'train.json'))
    data['annotations'][1]['segmentations'][1] = None
    write(osp.join(root, 'train.json'), json.dumps(data))
    out = str(tmp_path / 'ann')
    with pytest.raises(ConversionError,
                       match=r'train\.json: annotation id 12, frame 1: has a box but no segm'):
        vis2coco.main(['-i', root, '-o', out, '--version', '2019'])
    assert_no_output(out)
    # listed frame missing from JPEGImages
    make_vis(root, '2019')
    for fn in ('v1/00000.jpg', 'v2/00000.jpg'):
        write(osp.join(root, 'train', 'JPEGImages', fn), '')
    with pytest.raises(ConversionError, match=r'video id 5 lists v1/00005\.jpg but .* missing'):
        vis2coco.main(['-i', root, '-o', out, '--version', '2019'])
    assert_no_output(out)


def _nan_box(d):
    d['annotations'][1]['bboxes'][0] = [2, float('nan'), 4, 3]


def _str_box(d):
    d['annotations'][1]['bboxes'][1] = [2, '1', 4, 3]


def _cat_without_id(d):
    del d['categories'][1]['id']


def _ann_not_dict(d):
    d['annotations'][2] = [13, 7]


def _unknown_video(d):
    d['annotations'][2]['video_id'] = 99


@pytest.mark.parametrize('mutate, message', [
    (_nan_box, r"annotation id 12, frame 0: field bbox must be 4 finite numbers, got \[2, nan"),
    (_str_box, r"annotation id 12, frame 1: field bbox must be 4 finite numbers, got \[2, '1'"),
    (_cat_without_id, r"train\.json: category 1 misses field 'id'"),
    (_ann_not_dict, r'train\.json: annotation 2 is not an object but list'),
    (_unknown_video, r'train\.json: annotation 2 \(id 13\) has unknown video_id 99'),
])
def test_youtubevis_bad_fields(tmp_path, mutate, message):
    root, out = str(tmp_path / 'ytvis'), str(tmp_path / 'ann')
    make_vis(root, '2019')
    data = load(osp.join(root, 'train.json'))
    mutate(data)
    write(osp.join(root, 'train.json'), json.dumps(data))
    with pytest.raises(ConversionError, match=message):
        vis2coco.main(['-i', root, '-o', out, '--version', '2019'])
    assert_no_output(out)


def test_youtubevis_on_synthetic_videos(tmp_path):
    from mmtrack.datasets.synthetic import generate_vis_videos
    root = str(tmp_path / 'youtube_vis_2021')
    ann_path = generate_vis_videos(root, num_videos=2, num_frames=4, img_size=(48, 64),
                                   version='2021')
    official = load(ann_path)
    out = str(tmp_path / 'ann')
    vis2coco.main(['-i', root, '-o', out, '--version', '2021'])
    train = load(osp.join(out, 'youtube_vis_2021_train.json'))
    num_boxes = sum(b is not None for a in official['annotations'] for b in a['bboxes'])
    assert len(train['annotations']) == num_boxes
    assert train['num_instances'] == len(official['annotations'])
    assert len(train['images']) == 8
