#!/usr/bin/env bash
# Alias kept for the MMTracking 0.14 command line; runs tools/dataset_converters/otb100/unzip_otb100.sh.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../dataset_converters/otb100/unzip_otb100.sh" "$@"
