#!/usr/bin/env bash
# The ask dialog, checked from outside: without a display it denies at
# once; under a real Xvfb the window appears and Enter allows the
# preselected (default) target.  Speaks TAP.
set -uo pipefail

build=${BUILD_DIR:-$PWD}
ask="$build/qrexec/qrexec-policy-ask"
title="Bulkhead: allow this call?"
# GTK and fontconfig keep caches until exit by design; in a sanitizer build
# LeakSanitizer would turn them into a failing exit status.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

if [ ! -x "$ask" ]; then
        echo "1..0 # SKIP built without the GUI (no qrexec-policy-ask)"
        exit 0
fi
echo "1..3"

# 1: no display at all -> deny (exit 1) at once, nothing on stdout.
out=$(env -u DISPLAY -u WAYLAND_DISPLAY timeout 10 "$ask" --default-target=vault -- work qubes.Filecopy vault mail 2>/dev/null)
rc=$?
if [ "$rc" -eq 1 ] && [ -z "$out" ]; then
        echo "ok 1 - no display: denied"
else
        echo "not ok 1 - no display: denied (exit $rc, output '$out')"
fi

# 2: a display that cannot be opened -> deny as well.
out=$(DISPLAY=:9999 timeout 10 "$ask" -- work qubes.Filecopy vault 2>/dev/null)
rc=$?
if [ "$rc" -eq 1 ] && [ -z "$out" ]; then
        echo "ok 2 - unreachable display: denied"
else
        echo "not ok 2 - unreachable display: denied (exit $rc, output '$out')"
fi

# 3: under Xvfb, Enter allows the default target.
if ! command -v Xvfb >/dev/null; then
        echo "ok 3 # SKIP Xvfb is not installed"
        exit 0
fi
if ! command -v xdotool >/dev/null; then
        echo "ok 3 # SKIP xdotool is not installed"
        exit 0
fi
work=$(mktemp -d /tmp/bh-ask.XXXXXX)
xvfb_pid=
ask_pid=
cleanup() {
        [ -n "$ask_pid" ] && kill "$ask_pid" 2>/dev/null
        [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
        wait 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
display=
for n in $(seq 90 120); do
        [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
        Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
        xvfb_pid=$!
        for _ in $(seq 50); do
                [ -e "/tmp/.X11-unix/X$n" ] && break
                sleep 0.1
        done
        if [ -e "/tmp/.X11-unix/X$n" ] && kill -0 "$xvfb_pid" 2>/dev/null; then
                display=":$n"
                break
        fi
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
        xvfb_pid=
done
if [ -z "$display" ]; then
        echo "not ok 3 - dialog under Xvfb: could not start Xvfb"
        exit 0
fi
export DISPLAY=$display
"$ask" --default-target=vault -- work qubes.Filecopy+x mail vault >"$work/out" 2>"$work/err" &
ask_pid=$!
wid=$(timeout 20 xdotool search --sync --name "$title" | head -n1)
if [ -z "$wid" ]; then
        echo "not ok 3 - dialog under Xvfb: no window titled '$title'"
        exit 0
fi
xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
sleep 0.3
xdotool key --clearmodifiers Return
for _ in $(seq 100); do
        kill -0 "$ask_pid" 2>/dev/null || break
        sleep 0.1
done
if kill -0 "$ask_pid" 2>/dev/null; then
        echo "not ok 3 - dialog under Xvfb: still open after Enter"
        exit 0
fi
wait "$ask_pid"
rc=$?
ask_pid=
out=$(cat "$work/out")
if [ "$rc" -eq 0 ] && [ "$out" = vault ]; then
        echo "ok 3 - dialog under Xvfb: Enter allows the default target"
else
        echo "not ok 3 - dialog under Xvfb: Enter allows the default target (exit $rc, output '$out')"
        sed 's/^/# /' "$work/err"
fi
