#!/bin/sh
# Replays fuzz_exec_proto's seed corpus and 20000 fixed-seed random inputs
# through the standalone driver, as tests/fuzz/replay.sh does for the
# targets it lists.  Speaks TAP.
set -u
srcdir=${srcdir:-.}
echo "1..1"
if ./tests/fuzz/replay_exec_proto "$srcdir"/tests/fuzz/corpus/exec_proto/* --random 20000 >&2; then
        echo "ok 1 - replay exec_proto"
else
        echo "not ok 1 - replay exec_proto"
fi
