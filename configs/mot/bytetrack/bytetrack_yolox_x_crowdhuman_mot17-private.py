# ByteTrack on the MOT17 test set (private detections): detector trained on
# CrowdHuman + MOT17 train; results written for the MOTChallenge server.
_base_ = ['./bytetrack_yolox_x_crowdhuman_mot17-private-half.py']


def _person_dataset(root, ann_file, img_dir):
    return dict(
        type='CocoDataset',
        data_root=root,
        ann_file=ann_file,
        data_prefix=dict(img_path=img_dir),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        metainfo=dict(classes=('pedestrian', )),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
        ])


train_dataloader = dict(
    dataset=dict(
        dataset=dict(datasets=[
            _person_dataset('data/MOT17', 'annotations/train_cocoformat.json',
                            'train'),
            _person_dataset('data/crowdhuman',
                            'annotations/crowdhuman_train.json', 'train'),
            _person_dataset('data/crowdhuman',
                            'annotations/crowdhuman_val.json', 'val'),
        ])))
val_dataloader = dict(
    dataset=dict(ann_file='annotations/train_cocoformat.json'))
test_dataloader = dict(
    dataset=dict(
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test')))
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = dict(
    format_only=True, outfile_prefix='./mot_17_test_res', gt_file='gt/gt.txt')
