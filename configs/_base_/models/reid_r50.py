# ReID ResNet-50 (global average pooling, 128-d embedding) of the MOT
# models (DeepSORT, Tracktor, BoT-SORT-ReID, Deep OC-SORT), with the MOT17
# weights of configs/reid/reid_r50_8xb32-6e_mot17train80_test-mot17val20.py
# (380 identities). It is a part, not a config of its own: a MOT config
# takes it as `model.reid` and drops the top-level name,
#   model = dict(reid=_base_.pop('reid'), ...)
# and the ReID training configs take it as their whole `model`.
reid = dict(
    type='BaseReID',
    data_preprocessor=None,
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling', kernel_size=(8, 4), stride=1),
    head=dict(
        type='LinearReIDHead',
        num_fcs=1,
        in_channels=2048,
        fc_channels=1024,
        out_channels=128,
        num_classes=380,
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
        loss_triplet=dict(type='TripletLoss', margin=0.3, loss_weight=1.0),
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU')),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='checkpoints/reid_r50_6e_mot17-4bf6b63d.pth'))
