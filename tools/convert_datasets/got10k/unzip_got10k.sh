#!/usr/bin/env bash
# Alias kept for the MMTracking 0.14 command line; runs tools/dataset_converters/got10k/unzip_got10k.sh.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../dataset_converters/got10k/unzip_got10k.sh" "$@"
