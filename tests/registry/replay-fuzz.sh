#!/bin/sh
# Replays the registry parser's fuzz corpus and 20000 fixed-seed random
# inputs through the standalone driver (tests/fuzz/standalone.c).  TAP.
set -u
srcdir=${srcdir:-.}
echo "1..1"
if ./tests/fuzz/replay_registry "$srcdir"/tests/fuzz/corpus/registry/* --random 20000 >&2; then
        echo "ok 1 - replay registry"
else
        echo "not ok 1 - replay registry"
fi
