# The offline VID demo model: the tiny synthetic SELSA
# (selsa_faster-rcnn_r18-tiny_fpn_synthetic.py) trained for 6 epochs on
# synthetic videos where every 3rd frame is motion-blurred (9 px along x) and
# the left half of each object is hidden by a grey occluder
# (FrameDegradation), 12 videos x 20 frames; 6 unseen videos (seed 2) test it.
# Reproduce (CPU, one core, ~2.5 min):
#   python tools/dataset_converters/make_synthetic_videos.py --task vis \
#       --out data/synthetic_vid_degraded --num-seqs 12 --num-frames 20 \
#       --img-size 96 128 --max-objects 3 --seed 1 --degrade-every 3
#   python tools/dataset_converters/make_synthetic_videos.py --task vis \
#       --out data/synthetic_vid_degraded_val --num-seqs 6 --num-frames 12 \
#       --img-size 96 128 --max-objects 3 --seed 2 --degrade-every 3
#   for d in data/synthetic_vid_degraded data/synthetic_vid_degraded_val; do
#     python tools/dataset_converters/youtubevis/youtubevis2coco.py -i $d \
#         -o $d/annotations --version 2019; done
#   OMP_NUM_THREADS=1 python tools/train.py THIS_CONFIG \
#       --work-dir work_dirs/vid_demo --no-validate --seed 0
#   python tools/analysis_tools/publish_model.py work_dirs/vid_demo/epoch_6.pth \
#       demo/checkpoints/selsa_faster-rcnn_r18-tiny_synthetic-degraded.pth
#   python tools/analysis_tools/eval_vid_aggregation.py THIS_CONFIG \
#       demo/checkpoints/selsa_faster-rcnn_r18-tiny_synthetic-degraded-*.pth \
#       --degrade-every 3
_base_ = ['./selsa_faster-rcnn_r18-tiny_fpn_synthetic.py']

data_root = 'data/synthetic_vid_degraded/'
val_data_root = 'data/synthetic_vid_degraded_val/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=val_data_root))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=val_data_root + 'annotations/youtube_vis_2019_train.json')
test_evaluator = val_evaluator

# a third of the base config's learning rate: at 0.003 the tiny RoI head
# collapsed to the class prior on these videos (loss_cls ~0.83, every score
# ~0.1, mAP@50 0.12 after 12 epochs; 0.001 for 12 epochs: 0.23)
max_epochs = 6
lr = 0.001
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
