#!/usr/bin/env bash
# The GUI end to end, as a user sees it: a desktop X server (Xvfb), a real
# bulkheadd showing windows, real container domains running xterm and xclip.
# Checked from outside, on the desktop: window titles (xdotool), geometry
# (xwininfo), pixels of the screen (Xvfb's frame buffer file, read by
# tests/gui-daemon/png.py), and in the domains: files, processes, window
# geometry and clipboards.  Speaks TAP.
#
# Needs root (the container backend's domains) and Xvfb, xterm, xdotool,
# xclip and xwininfo; skipped without them.  There is no window manager:
# every frame seen is bulkhead-guid's own, and scripts/close-window plays a window
# manager's close button.
set -uo pipefail

build=${BUILD_DIR:-$PWD}
src=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bulkhead="$build/dom0/bulkhead"
bulkheadd="$build/dom0/bulkheadd"
guid="$build/gui-daemon/bulkhead-guid"
# What a close button does, for a desktop without a window manager (the
# same tool ./quickstart uses).
wm_delete="$src/scripts/close-window"
png="python3 $src/tests/gui-daemon/png.py"

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 0
fi
for t in Xvfb xterm xdotool xclip xwininfo python3; do
        command -v "$t" >/dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done
for b in "$bulkhead" "$bulkheadd" "$guid" "$wm_delete" "$build/agent/bulkhead-gui-agent"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done

work=$(mktemp -d /tmp/bh-gui-e2e.XXXXXX)
export BULKHEAD_STATE_DIR="$work/state" BULKHEAD_RUNTIME_DIR="$work/run" BULKHEAD_POLICY_DIR="$work/policy"
# Domain names are machine-wide (cgroups, id ranges): these are the test's own.
A=gewa B=gewb
blue=3465a4 green=4e9a06 black=000000
daemon_pid= xvfb_pid=
pids=()

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        [ -s "$work/why" ] && sed 's/^/#   /' "$work/why"
        return 0
}
# check NAME COMMAND...: what the command prints explains a failure.
check() {
        local name=$1
        shift
        if "$@" >"$work/why" 2>&1; then ok "$name"; else not_ok "$name"; fi
        : >"$work/why"
}
# until_ok SECONDS COMMAND...: retries the command until it succeeds.
until_ok() {
        local end=$((SECONDS + $1))
        shift
        while :; do
                "$@" && return 0
                [ "$SECONDS" -ge "$end" ] && { "$@"; return 1; }
                sleep 0.1
        done
}

cleanup() {
        local d
        for d in $A $B; do "$bulkhead" kill "$d" >/dev/null 2>&1; done
        if [ -n "$daemon_pid" ]; then
                kill "$daemon_pid" 2>/dev/null
                wait "$daemon_pid" 2>/dev/null
        fi
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        if [ -n "$xvfb_pid" ]; then
                kill "$xvfb_pid" 2>/dev/null
                wait "$xvfb_pid" 2>/dev/null
        fi
        if [ "$failed" -ne 0 ]; then
                for f in "$work"/bulkheadd.log "$work"/guid-*.log; do
                        [ -e "$f" ] || continue
                        echo "# ${f##*/}:"
                        tail -n 20 "$f" | sed 's/^/#   /'
                done
        fi
        rm -rf "$work"
}
trap cleanup EXIT

# ---- the desktop: Xvfb on a display it picks, its screen kept in a file ----
mkdir -p "$work/fb"
Xvfb -displayfd 6 -screen 0 1280x800x24 -fbdir "$work/fb" -nolisten tcp \
        6>"$work/display" >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
until_ok 10 test -s "$work/display" >/dev/null 2>&1 ||
        { echo "Bail out! Xvfb does not start"; exit 1; }
export DISPLAY=":$(head -1 "$work/display")"
screen="$work/fb/Xvfb_screen0"

# ---- bulkheadd, its agents and its GUI daemons ------------------------------
agents="$work/agent"
mkdir -p "$agents" "$BULKHEAD_POLICY_DIR"
cp -a "$build"/agent/bulkhead-init "$build"/agent/bulkhead-agent "$build"/agent/bulkhead-gui-agent \
        "$agents/"
# bulkhead-guid through a wrapper: each domain's daemon logs to a file of its
# own, and GTK runs without ASan's leak check (fontconfig and GTK keep memory
# until exit); bulkheadd and the agents keep it.
cat >"$work/guid" <<EOF
#!/bin/sh
name=unknown
prev=
for a in "\$@"; do [ "\$prev" = --domain ] && name=\$a; prev=\$a; done
ASAN_OPTIONS=detect_leaks=0 exec "$guid" "\$@" 2>>"$work/guid-\$name.log"
EOF
chmod +x "$work/guid"
cat >"$BULKHEAD_POLICY_DIR/30-test.policy" <<EOF
bulkhead.ClipboardPaste * $A $B allow
EOF

"$bulkheadd" --gui --guid "$work/guid" --agent-dir "$agents" --qrexec-dir "$build/qrexec" \
        >>"$work/bulkheadd.log" 2>&1 &
daemon_pid=$!
until_ok 10 "$bulkhead" ls >/dev/null 2>&1 ||
        { echo "Bail out! bulkheadd does not start"; tail -5 "$work/bulkheadd.log" | sed 's/^/# /'; exit 1; }
"$bulkhead" template build host >/dev/null &&
        "$bulkhead" create $A --template host --label blue &&
        "$bulkhead" create $B --template host --label green &&
        "$bulkhead" start $A && "$bulkhead" start $B ||
        { echo "Bail out! domains do not start"; exit 1; }

# ---- helpers ----------------------------------------------------------------
# run DOMAIN CMD...: a command in the domain, bounded in time
run() { local d=$1; shift; timeout 20 "$bulkhead" run "$d" "$@"; }
# app DOMAIN CMD...: a program in the domain, in the background; its
# `bulkhead run` ends when the program does
app() { "$bulkhead" run "$@" >>"$work/apps.log" 2>&1 & pids+=($!); }
# desk_win REGEX: the one desktop window whose title matches
desk_win() { xdotool search --name "$1" 2>/dev/null | head -1; }
has_desk_win() { [ -n "$(desk_win "$1")" ]; }
no_desk_win() { [ -z "$(xdotool search --name "$1" 2>/dev/null)" ]; }
# geometry ID: "x y w h" of a desktop window
geometry() {
        xwininfo -id "$1" | awk '/Absolute upper-left X/ {x = $NF} /Absolute upper-left Y/ {y = $NF}
                /^  Width/ {w = $NF} /^  Height/ {h = $NF} END {print x, y, w, h}'
}
# dom_geometry DOMAIN TITLE: "x y w h border" of a window in the domain's X
# server (w and h without the border, as X has them)
dom_geometry() {
        run "$1" xwininfo -name "$2" | awk '/Absolute upper-left X/ {x = $NF}
                /Absolute upper-left Y/ {y = $NF} /^  Width/ {w = $NF} /^  Height/ {h = $NF}
                /Border width/ {b = $NF} END {print x, y, w, h, b}'
}
# frame_is ID RRGGBB: the frame's colour just inside the window's outer
# edge, in the middle of each side, and in its corners
frame_is() {
        local x y w h
        read -r x y w h < <(geometry "$1")
        $png "$screen" "$((x + 1)),$((y + h / 2))=$2" "$((x + w - 2)),$((y + h / 2))=$2" \
                "$((x + w / 2)),$((y + 1))=$2" "$((x + w / 2)),$((y + h - 2))=$2" \
                "$x,$y=$2" "$((x + w - 1)),$((y + h - 1))=$2" \
                "$((x + 2)),$((y + h / 3))=$2" "$((x + w / 3)),$((y + h - 3))=$2"
}
focus() {
        timeout 5 xdotool windowfocus --sync "$1" && sleep 0.2
}
# keys_into ID KEYS...: key presses on a desktop window
keys_into() {
        local id=$1
        shift
        focus "$id" && xdotool key --delay 30 "$@"
}
type_into() {
        focus "$1" && xdotool type --delay 15 "$2" && xdotool key Return
}
file_in() { # DOMAIN PATH TEXT
        [ "$(run "$1" cat "$2" 2>/dev/null)" = "$3" ]
}
clipboard_of() { run "$1" xclip -o -selection clipboard 2>/dev/null; }
clipboard_is() { [ "$(clipboard_of "$1")" = "$2" ]; }
logged() { grep -qF -- "$2" "$work/guid-$1.log"; }

echo "1..21"

# ---- 1. a window, its title and its frame -----------------------------------
app $A xterm -T hello
until_ok 20 has_desk_win "^\[$A\] hello\$"
check "xterm in $A: a desktop window titled [$A] hello" has_desk_win "^\[$A\] hello\$"
wa=$(desk_win "^\[$A\] hello\$")
if [ -n "$wa" ]; then
        until_ok 5 frame_is "$wa" $blue >/dev/null
        check "its frame is $A's label colour (blue) on all four sides" frame_is "$wa" $blue
        # The desktop window is the domain's window, border included, plus
        # the frame: 3 pixels a side.
        size_matches() {
                local x y w h bw dx dy dw dh
                read -r x y w h bw < <(dom_geometry $A hello)
                read -r dx dy dw dh < <(geometry "$wa")
                echo "domain ${w}x${h}+$x+$y border $bw, desktop ${dw}x${dh}+$dx+$dy"
                # A window at the screen's edge is shown with its frame inside.
                [ "$dw" = $((w + 2 * bw + 6)) ] && [ "$dh" = $((h + 2 * bw + 6)) ] &&
                        [ "$((dx + 3))" = "$((x < 3 ? 3 : x))" ] && [ "$((dy + 3))" = "$((y < 3 ? 3 : y))" ]
        }
        check "the desktop window is the domain's window, border included, in the frame" size_matches
else
        not_ok "its frame is $A's label colour (blue) on all four sides"
        not_ok "the desktop window is the domain's window, border included, in the frame"
fi

# ---- 2. typing ----------------------------------------------------------------
type_into "$wa" 'echo typed > /tmp/t'
check "text typed into the desktop window reaches the xterm in $A" until_ok 10 file_in $A /tmp/t typed

# ---- 3. resize and move, both ways ---------------------------------------------
xdotool windowsize "$wa" 600 400
xdotool windowmove "$wa" 40 380
follows() {
        local x y w h bw dx dy dw dh
        read -r x y w h bw < <(dom_geometry $A hello)
        read -r dx dy dw dh < <(geometry "$wa")
        echo "domain ${w}x${h}+$x+$y border $bw, desktop ${dw}x${dh}+$dx+$dy"
        [ "$dx" = 40 ] && [ "$dy" = 380 ] && [ "$dw" -gt 550 ] && [ "$dh" -gt 350 ] &&
                [ "$dw" = $((w + 2 * bw + 6)) ] && [ "$dh" = $((h + 2 * bw + 6)) ] &&
                [ "$((dx + 3))" = "$x" ] && [ "$((dy + 3))" = "$y" ]
}
until_ok 10 follows >/dev/null
check "resized and moved on the desktop: the xterm in $A has the new size and place" follows
# The xterm's black border at the new edges, inside the blue frame: the
# contents come from a buffer of the new size.
contents_follow() {
        local x y w h
        read -r x y w h < <(geometry "$wa")
        frame_is "$wa" $blue &&
                $png "$screen" "$((x + 3)),$((y + h / 2))=$black" "$((x + w - 4)),$((y + h / 2))=$black" \
                        "$((x + w / 2)),$((y + 3))=$black" "$((x + w / 2)),$((y + h - 4))=$black"
}
until_ok 5 contents_follow >/dev/null
check "the window's contents follow: the xterm's border at the new edges, in the frame" contents_follow

# ---- 4. a menu: override-redirect ---------------------------------------------
or_win() { # the override-redirect desktop window of domain $1
        local id
        for id in $(xdotool search --name "^\[$1\]" 2>/dev/null); do
                xwininfo -id "$id" | grep -q 'Override Redirect State: yes' && { echo "$id"; return 0; }
        done
        return 1
}
xdotool mousemove --window "$wa" 200 150
sleep 0.2
xdotool keydown ctrl mousedown 1
until_ok 10 or_win $A >/dev/null
menu=$(or_win $A)
check "xterm's Ctrl+click menu appears on the desktop as an override-redirect window" test -n "$menu"
if [ -n "$menu" ]; then
        until_ok 5 frame_is "$menu" $blue >/dev/null
        check "the menu has $A's frame colour around it" frame_is "$menu" $blue
else
        not_ok "the menu has $A's frame colour around it"
fi
xdotool mouseup 1 keyup ctrl
check "released, the menu leaves the desktop" until_ok 10 eval '! or_win '$A' >/dev/null'

# ---- 7. a second domain: its own colour and title --------------------------------
app $B xterm -T there
until_ok 20 has_desk_win "^\[$B\] there\$"
wb=$(desk_win "^\[$B\] there\$")
if [ -n "$wb" ]; then
        xdotool windowmove "$wb" 700 20
        until_ok 5 frame_is "$wb" $green >/dev/null
        check "$B's window: titled [$B] there, framed green, $A's still blue" \
                eval 'frame_is "$wb" $green && frame_is "$wa" $blue'
else
        not_ok "$B's window: titled [$B] there, framed green, $A's still blue"
fi

# ---- 5. the clipboard ------------------------------------------------------------
run $A sh -c 'printf secret | xclip -selection clipboard >/dev/null 2>&1'
keys_into "$wb" ctrl+shift+v
until_ok 5 logged $B "nothing to paste into $B" >/dev/null
check "clipboard: without Ctrl+Shift+C in $A, $B gets nothing (not even with Ctrl+Shift+V)" \
        eval '[ -z "$(clipboard_of '$B')" ] && logged '$B' "nothing to paste into '$B'"'

keys_into "$wa" ctrl+shift+c
until_ok 5 test -e "$BULKHEAD_RUNTIME_DIR/clipboard/buffer"
keys_into "$wb" ctrl+shift+v
check "clipboard: Ctrl+Shift+C in $A, Ctrl+Shift+V in $B: $B's clipboard has the text" \
        until_ok 10 clipboard_is $B secret
check "clipboard: ... and dom0's buffer is empty again" \
        eval '! test -e "$BULKHEAD_RUNTIME_DIR/clipboard/buffer"'

run $A sh -c 'head -c 70000 /dev/zero | tr "\0" x | xclip -selection clipboard >/dev/null 2>&1'
keys_into "$wa" ctrl+shift+c
until_ok 5 logged $A "nothing copied from $A" >/dev/null
keys_into "$wb" ctrl+shift+v
until_ok 5 eval 'logged $B "nothing to paste into $B" && [ "$(grep -c "nothing to paste" "$work/guid-$B.log")" -ge 2 ]'
check "clipboard: over 65536 bytes: a notice, nothing in dom0's buffer, nothing pasted" \
        eval 'logged $A "nothing copied from $A: its clipboard is empty or holds more than 65536 bytes" &&
                ! test -e "$BULKHEAD_RUNTIME_DIR/clipboard/buffer" && clipboard_is $B secret'

keys_into "$wb" ctrl+shift+c
until_ok 5 test -e "$BULKHEAD_RUNTIME_DIR/clipboard/buffer"
keys_into "$wa" ctrl+shift+v
until_ok 10 logged $A "paste from $B into $A refused" >/dev/null
check "clipboard: $B to $A, which the policy does not allow: refused, nothing pasted" \
        eval 'logged $A "paste from $B into $A refused: denied by policy" &&
                [ "$(clipboard_of $A | wc -c)" = 70000 ]'

# ---- 3. closing ------------------------------------------------------------------
xterm_gone() { # DOMAIN TITLE
        ! run "$1" pgrep -f "xterm -T $2\$" >/dev/null
}
"$wm_delete" "$wa"
until_ok 10 eval 'no_desk_win "^\[$A\] hello\$" && xterm_gone $A hello' >/dev/null
check "closed on the desktop (WM_DELETE_WINDOW): the xterm in $A ends, its window goes" \
        eval 'no_desk_win "^\[$A\] hello\$" && xterm_gone $A hello'

app $A xterm -T second
until_ok 20 has_desk_win "^\[$A\] second\$"
w2=$(desk_win "^\[$A\] second\$")
[ -n "$w2" ] && xdotool windowclose "$w2"
until_ok 10 eval 'xterm_gone $A second' >/dev/null
check "destroyed on the desktop (xdotool windowclose): the xterm in $A is closed too" \
        eval '[ -n "$w2" ] && xterm_gone $A second && logged $A "was destroyed on the desktop"'

# ---- 6. the domain killed ------------------------------------------------------------
app $A xterm -T third
until_ok 20 has_desk_win "^\[$A\] third\$"
guid_a=$(pgrep -f -- "bulkhead-guid --domain $A " | head -1)
"$bulkhead" kill $A
check "$A killed: its windows vanish from the desktop" until_ok 10 no_desk_win "^\[$A\]"
check "$A killed: its bulkhead-guid exits" \
        eval '[ -n "$guid_a" ] && until_ok 10 eval "! kill -0 $guid_a 2>/dev/null"'
type_into "$wb" 'echo alive > /tmp/b'
check "$B's window keeps working: typed text reaches its xterm" until_ok 10 file_in $B /tmp/b alive

# ---- the daemons' own health ---------------------------------------------------
# (GDK warns once, rightly, about the window destroyed behind its back.)
clean_logs() {
        ! grep -E 'AddressSanitizer|runtime error|LeakSanitizer|-CRITICAL|broke the GUI protocol' \
                "$work"/guid-*.log
}
check "no sanitizer report, GTK critical or protocol violation in the GUI daemons' logs" clean_logs

[ "$failed" -eq 0 ]
