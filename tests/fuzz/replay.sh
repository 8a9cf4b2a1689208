#!/bin/sh
# Replays every fuzz target's seed corpus and 20000 fixed-seed random inputs
# through the standalone driver (see standalone.c).  Speaks TAP.
set -u
srcdir=${srcdir:-.}
targets="vchan_wire"
n=0
set -- $targets
echo "1..$#"
for t in $targets; do
        n=$((n + 1))
        if ./tests/fuzz/replay_$t "$srcdir"/tests/fuzz/corpus/$t/* --random 20000 >&2; then
                echo "ok $n - replay $t"
        else
                echo "not ok $n - replay $t"
        fi
done
