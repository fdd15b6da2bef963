# OSTrack-256 tested on LaSOT test (OPE, visible frames); published: AUC 69.1.
_base_ = ['./ostrack_vitb_256_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py']
