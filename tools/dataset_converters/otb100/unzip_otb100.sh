#!/usr/bin/env bash
# Unzip the OTB-100 sequence archives into <root>/data/<Video>/{img, groundtruth_rect*.txt}.
#
# Usage: bash tools/dataset_converters/otb100/unzip_otb100.sh ./data/otb100
#
# Input:  <root>/zips/{Basketball.zip, Biker.zip, ...}
# Output: <root>/data/<Video>/, with files other than *.jpg removed from img/
#         and the __MACOSX folder removed.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <otb100_root>" >&2
    exit 1
fi
root=$1
if [ ! -d "$root/zips" ]; then
    echo "$root/zips: OTB100 zip folder not found" >&2
    exit 1
fi
mkdir -p "$root/data"
for zip in "$root"/zips/*.zip; do
    [ -e "$zip" ] || continue
    name=$(basename "$zip" .zip)
    unzip -q -n "$zip" -d "$root/data"
    if [ -d "$root/data/$name/img" ]; then
        find "$root/data/$name/img" -maxdepth 1 -type f ! -name '*.jpg' -print -delete
    fi
done
rm -rf "$root/data/__MACOSX"
echo "OTB100 unzipped to $root/data"
