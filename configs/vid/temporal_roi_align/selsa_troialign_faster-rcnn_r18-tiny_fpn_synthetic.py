# Temporal RoI Align on the tiny synthetic SELSA (quarter-width R-18-FPN,
# three shape classes, see ../selsa/selsa_faster-rcnn_r18-tiny_fpn_synthetic.py):
# key proposals are completed by the 2 most similar positions of each
# reference frame's coarsest FPN level, aggregated by temporal attention
# (4 channel groups). CPU-sized: the TRoI proof of learning.
_base_ = ['../selsa/selsa_faster-rcnn_r18-tiny_fpn_synthetic.py']
model = dict(
    detector=dict(
        roi_head=dict(
            bbox_roi_extractor=dict(
                type='TemporalRoIAlign',
                num_most_similar_points=2,
                num_temporal_attention_blocks=4))))
