# DanceTrack for MOT training and testing.
# Files from tools/dataset_converters/dancetrack/dancetrack2coco.py.
_base_ = './mot_challenge.py'

dataset_type = 'DanceTrackDataset'
data_root = 'data/dancetrack/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path='train')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/val_cocoformat.json',
        data_prefix=dict(img_path='val')))
test_dataloader = val_dataloader
