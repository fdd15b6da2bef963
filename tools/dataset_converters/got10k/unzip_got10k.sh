#!/usr/bin/env bash
# Unzip GOT-10k into the flat layout the info generator and GOT10kDataset read.
#
# Usage: bash tools/dataset_converters/got10k/unzip_got10k.sh ./data/got10k
#
# Input:  <root>/full_data/train_data/{GOT-10k_Train_split_01.zip, ..., list.txt}
#         <root>/full_data/{val_data.zip, test_data.zip}
# Output: <root>/train/{list.txt, GOT-10k_Train_000001/, ...}, <root>/val/, <root>/test/
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <got10k_root>" >&2
    exit 1
fi
root=$1
train_src=$root/full_data/train_data
if [ ! -d "$train_src" ]; then
    echo "$train_src: GOT-10k train_data folder not found" >&2
    exit 1
fi
mkdir -p "$root/train"
cp "$train_src/list.txt" "$root/train/"
for zip in "$train_src"/*.zip; do
    [ -e "$zip" ] || continue
    unzip -q -n "$zip" -d "$root/train"
done
# Archives may wrap the videos in a GOT-10k_Train_split_XX folder: flatten them.
for split_dir in "$root"/train/GOT-10k_Train_split_*; do
    [ -d "$split_dir" ] || continue
    mv -n "$split_dir"/GOT-10k_Train_* "$root/train/"
    rmdir "$split_dir" 2>/dev/null || true
done
for part in val test; do
    zip=$root/full_data/${part}_data.zip
    if [ -f "$zip" ]; then
        unzip -q -n "$zip" -d "$root"
    fi
done
echo "GOT-10k unzipped to $root/{train,val,test}"
