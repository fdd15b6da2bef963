# QDTrack trained on CrowdHuman (each image its own reference frame) and
# MOT17 half-train; MOT17 half-val.
_base_ = ['./qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py']

train_pipeline = _base_.train_pipeline
# MOT17 half-train as in the parent config, without its frame filter
mot_cfg = dict(_base_.train_dataloader.dataset)
mot_cfg.pop('filter_cfg')
crowdhuman_cfg = dict(
    type='BaseVideoDataset',
    data_root='data/crowdhuman/',
    load_as_video=False,
    ann_file='annotations/crowdhuman_train.json',
    data_prefix=dict(img_path='train'),
    metainfo=dict(classes=('pedestrian', )),
    ref_img_sampler=dict(num_ref_imgs=1, frame_range=0, method='uniform'),
    pipeline=train_pipeline)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[mot_cfg, crowdhuman_cfg]))
