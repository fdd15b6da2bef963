#!/usr/bin/env bash
# MMTracking 0.14 spelled this script unzip_trackinget.sh; runs
# tools/dataset_converters/trackingnet/unzip_trackingnet.sh.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../dataset_converters/trackingnet/unzip_trackingnet.sh" "$@"
