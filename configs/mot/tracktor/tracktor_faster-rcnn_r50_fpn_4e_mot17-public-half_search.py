# Tracktor parameter search on MOT17 half-val (public detections): tracker
# fields given as lists form a grid for
# tools/analysis_tools/mot/mot_param_search.py (3 x 3 x 2 = 18 runs).
_base_ = ['./tracktor_faster-rcnn_r50_fpn_4e_mot17-public-half.py']
model = dict(
    tracker=dict(
        obj_score_thr=[0.4, 0.5, 0.6],
        regression=dict(
            obj_score_thr=[0.4, 0.5, 0.6], match_iou_thr=[0.3, 0.5])))
search_metrics = ['MOTA', 'IDF1', 'FN', 'FP', 'IDs', 'MT', 'ML']
