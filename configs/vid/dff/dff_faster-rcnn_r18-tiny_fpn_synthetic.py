# DFF on the tiny Faster R-CNN (quarter-width R-18-FPN) of the synthetic
# SELSA config (same data, schedule and detector with a standard RoI head),
# with a FlowNetSimple of width 8 trained from scratch with it. CPU-sized:
# the proof of learning. Key frame every 4 frames at test time.
_base_ = ['../selsa/selsa_faster-rcnn_r18-tiny_fpn_synthetic.py']

model = dict(
    _delete_=True,
    type='DFF',
    data_preprocessor={{_base_.model.data_preprocessor}},
    detector=dict(
        type='FasterRCNN',
        backbone={{_base_.model.detector.backbone}},
        neck={{_base_.model.detector.neck}},
        rpn_head={{_base_.model.detector.rpn_head}},
        roi_head=dict(
            type='StandardRoIHead',
            bbox_roi_extractor={{_base_.model.detector.roi_head.bbox_roi_extractor}},
            bbox_head=dict(
                type='Shared2FCBBoxHead',
                in_channels=32,
                fc_out_channels=128,
                roi_feat_size=7,
                num_classes=3,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=[0.1, 0.1, 0.2, 0.2]),
                reg_class_agnostic=False,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
        train_cfg={{_base_.model.detector.train_cfg}},
        test_cfg={{_base_.model.detector.test_cfg}}),
    # the flow starts at zero (final flow conv zero-initialised) and warps on
    # the pixel-exact grid, so that training starts from the single-frame
    # detector: on these small maps MMTracking's grid shrinks a zero-flow warp
    # by (W - 1) / W (a 2 x 2 map reads pixels 0 and 0.5) and the detector
    # would learn features that key frames, used unwarped, never have
    motion=dict(
        type='FlowNetSimple',
        img_scale_factor=0.5,
        base_channels=8,
        zero_init_flow=True),
    exact_warp=True,
    test_cfg=dict(key_frame_interval=4))

# one reference frame within 4 frames (the key frame may be drawn), as DFF
train_dataloader = dict(
    dataset=dict(
        ref_img_sampler=dict(
            _delete_=True,
            num_ref_imgs=1,
            frame_range=4,
            filter_key_img=False,
            method='uniform')))
# frame by frame: the model keeps its key frame's features
val_dataloader = dict(dataset=dict(ref_img_sampler=None))
test_dataloader = val_dataloader

# the flow network learns 10x slower than the detector: at the full rate it
# soon points outside the maps, where border padding gives no gradient back
optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(motion=dict(lr_mult=0.1))))
