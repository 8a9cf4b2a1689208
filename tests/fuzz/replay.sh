#!/bin/sh
# Replays every fuzz target's seed corpus (tests/fuzz/corpus/NAME) and 20000
# fixed-seed random inputs through the standalone driver (standalone.c):
# each tests/*/replay_NAME program the build made is one TAP case.
set -u
srcdir=${srcdir:-.}
progs=
for p in tests/*/replay_*; do
        case $p in *.* | *-*) continue ;; esac # objects, not programs
        [ -x "$p" ] && progs="$progs $p"
done
set -- $progs
echo "1..$#"
n=0
for prog in "$@"; do
        n=$((n + 1))
        name=${prog##*/replay_}
        if "./$prog" "$srcdir"/tests/fuzz/corpus/"$name"/* --random 20000 >&2; then
                echo "ok $n - replay $name"
        else
                echo "not ok $n - replay $name"
        fi
done
