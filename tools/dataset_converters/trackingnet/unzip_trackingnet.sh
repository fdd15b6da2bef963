#!/usr/bin/env bash
# Unzip TrackingNet chunks into <root>/<chunk>/{anno, frames/<video>/<n>.jpg}.
#
# Usage: bash tools/dataset_converters/trackingnet/unzip_trackingnet.sh ./data/trackingnet
#
# Input:  <root>/{TEST.zip, TRAIN_0.zip, ..., TRAIN_11.zip}; each chunk holds anno/ and
#         zips/<video>.zip
# Output: <root>/<chunk>/anno/<video>.txt and <root>/<chunk>/frames/<video>/0.jpg ...
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <trackingnet_root>" >&2
    exit 1
fi
root=$1
for chunk_zip in "$root"/*.zip; do
    [ -e "$chunk_zip" ] || continue
    chunk=$(basename "$chunk_zip" .zip)
    mkdir -p "$root/$chunk"
    unzip -q -n "$chunk_zip" -d "$root/$chunk"
    # a chunk archive may hold a folder named after the chunk: flatten it
    if [ -d "$root/$chunk/$chunk" ]; then
        mv -n "$root/$chunk/$chunk"/* "$root/$chunk/"
        rmdir "$root/$chunk/$chunk" 2>/dev/null || true
    fi
    for video_zip in "$root/$chunk"/zips/*.zip; do
        [ -e "$video_zip" ] || continue
        video=$(basename "$video_zip" .zip)
        mkdir -p "$root/$chunk/frames/$video"
        unzip -q -n "$video_zip" -d "$root/$chunk/frames/$video"
    done
done
echo "TrackingNet unzipped under $root"
