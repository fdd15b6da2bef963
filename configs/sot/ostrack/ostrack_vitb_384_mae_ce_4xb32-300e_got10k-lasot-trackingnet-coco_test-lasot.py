# OSTrack-384 tested on LaSOT test (OPE, visible frames); published: AUC 71.1.
_base_ = ['./ostrack_vitb_384_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py']
