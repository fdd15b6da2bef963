# Temporal RoI Align (Gong et al., AAAI 2021) on SELSA, Faster R-CNN r50-DC5,
# ImageNet VID + DET, 7 epochs: three SELSA modules (fc widths 1024) and
# TemporalRoIAlign on the key proposals.
_base_ = ['../selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py']
model = dict(
    detector=dict(
        roi_head=dict(
            bbox_roi_extractor=dict(
                type='TemporalRoIAlign',
                num_most_similar_points=2,
                num_temporal_attention_blocks=4,
                roi_layer=dict(
                    type='RoIAlign', output_size=7, sampling_ratio=2),
                out_channels=512,
                featmap_strides=[16]),
            bbox_head=dict(num_shared_fcs=3))))
