# PrDiMP-50 tested on LaSOT test (OPE, visible frames); published: AUC 59.7
# (MMTracking 1.x) / 59.8 (pytracking).
_base_ = ['./prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_base.py']
