#!/usr/bin/env bash
# Integration test of bulkhead-gui-agent with real X servers: the agent runs
# as a plain process with a temporary vchan directory and starts its own
# Xvfb on a free display; tests/gui-agent/fake-guid plays dom0's daemon
# (checking every message with the protocol checker) and real X clients
# (xterm, xclip, tests/gui-agent/popup) run on the domain's display.
# Speaks TAP.
#
# Checked from outside: the messages dom0 gets, the pixels in the shared
# buffers against XGetImage of the domain's windows, files the xterm's
# shell writes, the domain's clipboard through xclip, processes in /proc.
set -u
agent_bin=./agent/bulkhead-gui-agent
fake_bin=./tests/gui-agent/fake-guid
popup_bin=./tests/gui-agent/popup
for b in "$agent_bin" "$fake_bin" "$popup_bin"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done
for t in Xvfb xterm xclip xwininfo; do
        command -v "$t" >/dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bh-gui.XXXXXX")
mkdir -p "$tmp/vchan" "$tmp/home"
agent_pid=
fake_pid=
pids=()

cleanup() {
        exec 4>&- 2>/dev/null
        for p in "${pids[@]}" $fake_pid $agent_pid; do
                kill -KILL "$p" 2>/dev/null
        done
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        [ -s "$tmp/why" ] && sed 's/^/#   /' "$tmp/why"
        return 0
}
# check NAME FUNCTION: a test function returns 0 to pass; what it writes to
# fd 3 explains a failure.
check() {
        local name=$1
        shift
        : >"$tmp/why"
        if "$@" 3>"$tmp/why"; then ok "$name"; else not_ok "$name"; fi
}
why() { echo "$*" >&3; }
diag() { echo "# $*"; }

# A display number nobody uses.
for d in $(seq 90 199); do
        [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ] || break
done
disp=":$d"

start_agent() {
        env -u DISPLAY BULKHEAD_VCHAN_DIR="$tmp/vchan" BULKHEAD_TRANSPORT=socket \
                BULKHEAD_GUI_DISPLAY="$disp" BULKHEAD_GUI_STATS=1 \
                "$agent_bin" 2>>"$tmp/agent.log" &
        agent_pid=$!
}

# The fake daemon reads commands from a fifo (fd 4 here) and writes what it
# gets to $tmp/dom0.N, one file per connection.
conn=0
start_fake() {
        conn=$((conn + 1))
        out=$tmp/dom0.$conn
        rm -f "$tmp/cmd"
        mkfifo "$tmp/cmd"
        "$fake_bin" --dir "$tmp/vchan" --screen 1920x1080 --display "$disp" \
                <"$tmp/cmd" >"$out" 2>>"$tmp/fake.log" &
        fake_pid=$!
        exec 4>"$tmp/cmd"
}
cmd() { echo "$*" >&4; }

# wait_for PATTERN [TENTHS]: until a line of the current output matches.
wait_for() {
        local i
        for i in $(seq 1 "${2:-50}"); do
                grep -qE "$1" "$out" && return 0
                sleep 0.1
        done
        return 1
}
# wait_new MARK PATTERN [TENTHS]: the same, among lines after line MARK.
wait_new() {
        local i
        for i in $(seq 1 "${3:-50}"); do
                tail -n +"$(($1 + 1))" "$out" | grep -qE "$2" && return 0
                sleep 0.1
        done
        return 1
}
mark() { wc -l <"$out"; }

# The window whose TITLE is $1.
win_titled() { grep -E "^TITLE 0x[0-9a-f]+ $1\$" "$out" | tail -1 | awk '{print $2}'; }

x() { DISPLAY=$disp "$@"; }

# pixels_match WIN [COLOURS]: the buffer matches the window, with at least
# COLOURS (default 2: not uniform) colours; retried while damage arrives.
pixels_match() {
        local i m least=${2:-2}
        for i in $(seq 1 30); do
                m=$(mark)
                cmd pixels "$1"
                wait_new "$m" "^PIXELS $1 " 20 || continue
                if tail -n +"$((m + 1))" "$out" | grep -E "^PIXELS $1 ok colors=" |
                        awk -v l="$least" '{split($4, c, "="); exit !(c[2] >= l)}'; then
                        return 0
                fi
                sleep 0.1
        done
        why "$(grep "^PIXELS $1" "$out" | tail -1)"
        return 1
}

t_start=$SECONDS
start_agent
start_fake

test_xvfb_started_at_dom0_screen_size() {
        local i
        for i in $(seq 1 100); do
                x xwininfo -root 2>/dev/null | grep -q 'Width: 1920' && return 0
                sleep 0.1
        done
        why "no X server on $disp with dom0's 1920x1080"
        return 1
}
check "agent starts Xvfb at dom0's SCREEN size" test_xvfb_started_at_dom0_screen_size

test_hello() { wait_for '^HELLO 1$' || { why "no HELLO"; return 1; }; }
check "agent sends HELLO" test_hello

(cd "$tmp/home" && HOME=$tmp/home SHELL=/bin/sh PS1='$ ' ENV= DISPLAY=$disp \
        exec xterm -T bh-test-xterm -geometry 80x24+0+0 -e /bin/sh) 2>>"$tmp/x.log" &
pids+=($!)
xterm_win=
test_xterm_announced() {
        wait_for '^TITLE 0x[0-9a-f]+ bh-test-xterm$' || { why "no TITLE bh-test-xterm"; return 1; }
        xterm_win=$(win_titled bh-test-xterm)
        grep -qE "^CREATE $xterm_win -?[0-9]+ -?[0-9]+ [0-9]+ [0-9]+ 0x0 0$" "$out" ||
                { why "no CREATE for $xterm_win"; return 1; }
        wait_for "^CLASS $xterm_win xterm XTerm$" || { why "no CLASS"; return 1; }
        wait_for "^MAP $xterm_win 0x0 0$" || { why "no MAP"; return 1; }
        wait_for "^BUFFER $xterm_win [0-9]+ [0-9]+$" || { why "no BUFFER"; return 1; }
}
check "xterm arrives with CREATE, CLASS, TITLE, BUFFER and MAP" test_xterm_announced

test_xterm_pixels() {
        wait_for "^DAMAGE $xterm_win " || { why "no DAMAGE"; return 1; }
        pixels_match "$xterm_win"
}
check "xterm's shared buffer holds its pixels (XGetImage, not uniform)" test_xterm_pixels

test_keys_reach_shell() {
        cmd focus "$xterm_win"
        cmd type "$xterm_win" "echo typed hi > typed.txt"
        cmd keysym "$xterm_win" Return
        local i
        for i in $(seq 1 50); do
                [ "$(cat "$tmp/home/typed.txt" 2>/dev/null)" = "typed hi" ] && return 0
                sleep 0.1
        done
        why "typed.txt: $(cat "$tmp/home/typed.txt" 2>&1)"
        return 1
}
check "KEY events typed through dom0 reach xterm's shell" test_keys_reach_shell

test_configure_resizes() {
        local m geo
        m=$(mark)
        cmd configure "$xterm_win" 30 40 500 300
        wait_new "$m" "^CONFIGURE $xterm_win 30 40 500 300 0$" ||
                { why "no CONFIGURE 30 40 500 300"; return 1; }
        wait_new "$m" "^BUFFER $xterm_win 500 300$" || { why "no BUFFER 500x300"; return 1; }
        geo=$(x xwininfo -id "$xterm_win" | awk '/Absolute upper-left X/{x=$NF} /Absolute upper-left Y/{y=$NF} /Width:/{w=$NF} /Height:/{h=$NF} /Border width/{b=$NF} END{print x, y, w+2*b, h+2*b}')
        # xwininfo's position is inside the border.
        set -- $geo
        [ "$3 $4" = "500 300" ] || { why "domain geometry: $geo"; return 1; }
        pixels_match "$xterm_win"
}
check "CONFIGURE from dom0 resizes the window; a new BUFFER follows" test_configure_resizes

test_paste_into_domain() {
        local got
        cmd paste "pasted from dom0 $(printf '\xc3\xbc')"
        for i in $(seq 1 30); do
                got=$(x timeout 2 xclip -o -selection clipboard 2>/dev/null)
                [ "$got" = "pasted from dom0 ü" ] && break
                sleep 0.1
        done
        [ "$got" = "pasted from dom0 ü" ] || { why "CLIPBOARD: '$got'"; return 1; }
        got=$(x timeout 2 xclip -o -selection primary 2>/dev/null)
        [ "$got" = "pasted from dom0 ü" ] || { why "PRIMARY: '$got'"; return 1; }
}
check "CLIPBOARD_DATA from dom0 is pasted by xclip in the domain" test_paste_into_domain

# xclip -loops 1: serves one request and exits.
test_copy_from_domain() {
        local m
        printf 'copied in domain' | x xclip -quiet -loops 1 -selection clipboard -i \
                >/dev/null 2>&1 &
        pids+=($!)
        sleep 0.3
        m=$(mark)
        cmd clipreq 65536
        wait_new "$m" '^CLIPBOARD_DATA 16 copied in domain$' ||
                { why "$(tail -n +$((m + 1)) "$out" | grep CLIPBOARD)"; return 1; }
}
check "CLIPBOARD_REQ returns the domain's clipboard (set by xclip)" test_copy_from_domain

test_copy_too_long_is_empty() {
        local m
        printf 'more than eight bytes' | x xclip -quiet -loops 1 -selection clipboard -i \
                >/dev/null 2>&1 &
        pids+=($!)
        sleep 0.3
        m=$(mark)
        cmd clipreq 8
        wait_new "$m" '^CLIPBOARD_DATA 0 $' ||
                { why "$(tail -n +$((m + 1)) "$out" | grep CLIPBOARD)"; return 1; }
}
check "CLIPBOARD_REQ for less than the clipboard holds gets an empty answer" \
        test_copy_too_long_is_empty

test_popup_override_redirect() {
        x "$popup_bin" or bh-test-popup 2>>"$tmp/x.log" &
        pids+=($!)
        wait_for '^TITLE 0x[0-9a-f]+ bh-test-popup$' || { why "no TITLE bh-test-popup"; return 1; }
        popup_win=$(win_titled bh-test-popup)
        grep -qE "^CREATE $popup_win 40 40 200 100 0x0 1$" "$out" ||
                { why "$(grep "$popup_win" "$out" | head -3)"; return 1; }
        wait_for "^MAP $popup_win 0x0 1$" || { why "no MAP with override-redirect"; return 1; }
        pixels_match "$popup_win" 1
}
check "an override-redirect popup arrives with the override-redirect flag" \
        test_popup_override_redirect

test_close_without_delete_kills_client() {
        local m
        m=$(mark)
        cmd close "$popup_win"
        wait_new "$m" "^DESTROY $popup_win$" || { why "no DESTROY"; return 1; }
}
check "CLOSE of a window without WM_DELETE_WINDOW ends its client" \
        test_close_without_delete_kills_client

# A window repainting its whole 1920x1080 as fast as it can.
test_damage_coalesced() {
        local m c1 c2 d1 d2 t1 t2 fps
        stats_from=$(wc -l <"$tmp/agent.log")
        x "$popup_bin" paint 1920 1080 bh-test-paint 2>>"$tmp/x.log" &
        pids+=($!)
        paint_pid=$!
        wait_for '^TITLE 0x[0-9a-f]+ bh-test-paint$' || { why "no paint window"; return 1; }
        paint_win=$(win_titled bh-test-paint)
        sleep 0.5
        m=$(mark); cmd count "$paint_win"; wait_new "$m" "^COUNT $paint_win"
        c1=$(tail -n +$((m + 1)) "$out" | grep "^COUNT $paint_win" | head -1)
        sleep 2
        m=$(mark); cmd count "$paint_win"; wait_new "$m" "^COUNT $paint_win"
        c2=$(tail -n +$((m + 1)) "$out" | grep "^COUNT $paint_win" | head -1)
        d1=$(echo "$c1" | sed 's/.*damages=\([0-9]*\).*/\1/'); t1=${c1##*ms=}
        d2=$(echo "$c2" | sed 's/.*damages=\([0-9]*\).*/\1/'); t2=${c2##*ms=}
        fps=$(( (d2 - d1) * 1000 / (t2 - t1) ))
        diag "full-screen repaint: $((d2 - d1)) DAMAGE in $((t2 - t1)) ms = $fps frames/s"
        kill "$paint_pid" 2>/dev/null
        tail -n +"$((stats_from + 1))" "$tmp/agent.log" | grep 'stats:' | tail -2 |
                sed 's/^bulkhead-gui-agent: /agent /' | while read -r l; do diag "$l"; done
        [ "$fps" -ge 5 ] || { why "only $fps frames/s"; return 1; }
        [ "$fps" -le 90 ] || { why "$fps DAMAGE/s: not coalesced to frames (one per 12 ms at most)"; return 1; }
}
check "a continuously repainting window gets one DAMAGE per frame (5-70/s)" \
        test_damage_coalesced

test_reconnect_resends_state() {
        cmd quit
        exec 4>&-
        wait "$fake_pid" 2>/dev/null
        start_fake
        wait_for '^HELLO 1$' || { why "no HELLO on the new connection"; return 1; }
        wait_for "^CREATE $xterm_win 30 40 500 300 0x0 0$" ||
                { why "no CREATE for the xterm: $(head -5 "$out" | tr '\n' ';')"; return 1; }
        wait_for "^TITLE $xterm_win bh-test-xterm$" || { why "no TITLE"; return 1; }
        wait_for "^BUFFER $xterm_win 500 300$" || { why "no BUFFER"; return 1; }
        wait_for "^MAP $xterm_win 0x0 0$" || { why "no MAP"; return 1; }
        pixels_match "$xterm_win"
}
check "a new daemon after a disconnect gets HELLO and every window again" \
        test_reconnect_resends_state

test_close_xterm_politely() {
        local m
        m=$(mark)
        cmd close "$xterm_win"
        wait_new "$m" "^DESTROY $xterm_win$" || { why "no DESTROY for the xterm"; return 1; }
}
check "CLOSE sends WM_DELETE_WINDOW: the xterm exits" test_close_xterm_politely

test_no_violation() {
        if grep -h VIOLATION "$tmp"/dom0.*; then
                why "$(grep -h VIOLATION "$tmp"/dom0.*)"
                return 1
        fi
        grep -q '^DAMAGE ' "$tmp/dom0.1" || { why "no DAMAGE at all"; return 1; }
}
check "every message passed dom0's protocol checker" test_no_violation

test_sigterm_stops_xvfb() {
        local xvfb i
        xvfb=$(ps -o pid= --ppid "$agent_pid" | tr -d ' ')
        [ -n "$xvfb" ] || { why "no Xvfb child"; return 1; }
        kill -TERM "$agent_pid"
        for i in $(seq 1 50); do
                if ! kill -0 "$agent_pid" 2>/dev/null && ! kill -0 "$xvfb" 2>/dev/null; then
                        wait "$agent_pid"
                        local rc=$?
                        agent_pid=
                        [ "$rc" -eq 0 ] || { why "agent exit status $rc"; return 1; }
                        return 0
                fi
                sleep 0.1
        done
        why "agent or Xvfb ($xvfb) still running"
        return 1
}
check "SIGTERM ends the agent and its Xvfb" test_sigterm_stops_xvfb

if [ "$failed" -ne 0 ]; then
        echo "# agent log:"
        sed 's/^/#   /' "$tmp/agent.log" | tail -30
fi
diag "took $((SECONDS - t_start)) s"
echo "1..$n"
