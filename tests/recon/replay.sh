#!/bin/sh
# Replays the recon parsers' fuzz corpus and 20000 fixed-seed random inputs
# through tests/fuzz/standalone.c (make check; libFuzzer runs live in
# tests/fuzz/run).  Speaks TAP.
set -u
srcdir=${srcdir:-.}
echo "1..1"
if ./tests/recon/replay_recon_parse "$srcdir"/tests/fuzz/corpus/recon_parse/* --random 20000 >&2; then
        echo "ok 1 - replay recon_parse"
else
        echo "not ok 1 - replay recon_parse"
fi
