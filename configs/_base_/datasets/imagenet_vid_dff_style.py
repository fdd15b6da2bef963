# ImageNet VID (+ the 30 VID classes of DET) for DFF style training: one
# reference frame drawn within 9 frames (the key frame may be drawn too).
_base_ = './imagenet_vid_fgfa_style.py'

dataset_type = 'ImagenetVIDDataset'
data_root = 'data/ILSVRC/'

train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file='annotations/imagenet_vid_train.json',
                data_prefix=dict(img_path='Data/VID'),
                filter_cfg=dict(filter_empty_gt=True, min_size=32),
                pipeline={{_base_.train_pipeline}},
                load_as_video=True,
                ref_img_sampler=dict(
                    num_ref_imgs=1,
                    frame_range=9,
                    filter_key_img=False,
                    method='uniform')),
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file='annotations/imagenet_det_30plus1cls.json',
                data_prefix=dict(img_path='Data/DET'),
                filter_cfg=dict(filter_empty_gt=True, min_size=32),
                pipeline={{_base_.train_pipeline}},
                load_as_video=False,
                ref_img_sampler=dict(
                    num_ref_imgs=1,
                    frame_range=0,
                    filter_key_img=False,
                    method='uniform')),
        ]))
# DFF tests frame by frame; the model keeps its key-frame features.
val_dataloader = dict(dataset=dict(ref_img_sampler=None))
test_dataloader = val_dataloader
