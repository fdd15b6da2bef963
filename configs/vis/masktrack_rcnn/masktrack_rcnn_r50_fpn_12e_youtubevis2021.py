# MaskTrack R-CNN R-50-FPN on YouTube-VIS 2021 (MMTracking 0.14; AP 28.7).
_base_ = ['./masktrack_rcnn_r50_fpn_12e_youtubevis2019.py']

data_root = 'data/youtube_vis_2021/'
dataset_version = data_root[-5:-1]

# dataloader
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        dataset_version=dataset_version,
        ann_file='annotations/youtube_vis_2021_train.json'))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        dataset_version=dataset_version,
        ann_file='annotations/youtube_vis_2021_valid.json'))
test_dataloader = val_dataloader
