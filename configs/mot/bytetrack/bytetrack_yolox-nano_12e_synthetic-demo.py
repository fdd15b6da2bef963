# The offline demo model of the README: ByteTrack + a YOLOX-nano-sized detector
# trained from scratch by tools/train.py on the synthetic training videos and
# scored on the synthetic test videos (8 training + 3 test sequences of 60
# frames, 160 x 256).
#
# Reproduce (training: 720 iterations, about 15 minutes on 2 CPU cores):
#   python tools/dataset_converters/make_synthetic_videos.py --task mot \
#       --out data/synthetic_demo --num-seqs 8 --num-frames 60 --seed 0 --splits train
#   python tools/dataset_converters/make_synthetic_videos.py --task mot \
#       --out data/synthetic_demo --num-seqs 3 --num-frames 60 --seed 0 --splits test
#   python tools/dataset_converters/mot/mot2coco.py -i data/synthetic_demo \
#       -o data/synthetic_demo/annotations
#   python tools/train.py configs/mot/bytetrack/bytetrack_yolox-nano_12e_synthetic-demo.py \
#       --cfg-options randomness.seed=0
#   python tools/analysis_tools/publish_model.py \
#       work_dirs/bytetrack_yolox-nano_12e_synthetic-demo/epoch_12.pth \
#       demo/checkpoints/bytetrack_yolox-nano_synthetic-demo.pth
#   python tools/test.py configs/mot/bytetrack/bytetrack_yolox-nano_12e_synthetic-demo.py \
#       --checkpoint demo/checkpoints/bytetrack_yolox-nano_synthetic-demo-<hash>.pth
_base_ = ['./bytetrack_yolox-nano_synthetic.py']

data_root = 'data/synthetic_demo/'
max_epochs = 12
num_last_epochs = 2
lr = 0.004

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train_cocoformat.json',
        data_prefix=dict(img_path='train')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/test_cocoformat.json',
        data_prefix=dict(img_path='test')))
test_dataloader = val_dataloader
val_evaluator = dict(gt_file='gt/gt.txt')
test_evaluator = val_evaluator

# 12 epochs, longer warm-up; the parent's YOLOX mode switch still covers the
# last `num_last_epochs`
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=60),
    dict(
        type='CosineAnnealingLR',
        eta_min=lr * 0.05,
        begin=1,
        T_max=max_epochs - num_last_epochs,
        end=max_epochs - num_last_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='ConstantLR',
        by_epoch=True,
        factor=1,
        begin=max_epochs - num_last_epochs,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=max_epochs))
randomness = dict(seed=0)
