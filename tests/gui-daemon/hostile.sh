#!/usr/bin/env bash
# bulkhead-guid against a hostile agent (tests/gui-daemon/hostile-agent.c),
# checked from outside: exit codes and log lines, pixels of the headless
# PNG, and, under a real Xvfb desktop, window titles, WM_CLASS, pixels of
# the X screen and the clipboard driven with real key presses.  Speaks TAP.
#
# Headless runs keep ASan's leak check; GTK processes on Xvfb run with
# ASAN_OPTIONS=detect_leaks=0, since fontconfig and GTK keep memory to exit.
# The Xvfb part is skipped when Xvfb, xdotool or xprop is missing.
set -u
guid=./gui-daemon/bulkhead-guid
agent=./tests/gui-daemon/hostile-agent
srcdir=${srcdir:-.}
png="python3 $srcdir/tests/gui-daemon/png.py"
for b in "$guid" "$agent"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done
guid=$(realpath "$guid")
agent=$(realpath "$agent")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bh-guid.XXXXXX")
cleanup() {
        [ "$BASHPID" = "$$" ] || return 0 # only the test itself cleans up
        # Xvfb first, and gently: killed, it leaves its lock and socket
        # behind, and the display numbers this test picks from run out.
        if [ -n "${xvfb_pid:-}" ]; then
                kill "$xvfb_pid" 2>/dev/null
                wait "$xvfb_pid" 2>/dev/null
        fi
        for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
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
        : >"$tmp/why"
}
check() { # description, command...
        local d=$1
        shift
        if "$@" >"$tmp/why" 2>&1; then ok "$d"; else not_ok "$d"; fi
        : >"$tmp/why"
}

red=cc0000 blue=3465a4 purple=75507b desk=202428 neutral=d3d7cf white=ffffff
declare -A apid gpid

# start_agent DOMAIN CASE
start_agent() {
        mkdir -p "$tmp/$1/vchan"
        "$agent" --dir "$tmp/$1/vchan" "$2" >"$tmp/$1/agent.out" 2>&1 &
        apid[$1]=$!
}

# start_guid DOMAIN LABEL [ARGS...]: headless unless DISPLAY is set for it
start_guid() {
        local d=$1 l=$2
        shift 2
        "$guid" --domain "$d" --label "$l" --vchan-dir "$tmp/$d/vchan" "$@" \
                >"$tmp/$d/guid.out" 2>"$tmp/$d/guid.err" &
        gpid[$d]=$!
}

# wait_for FILE REGEX [SECONDS]
wait_for() {
        local i
        for ((i = 0; i < ${3:-10} * 20; i++)); do
                grep -qE -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        echo "no '$2' in $1 after ${3:-10} s:"
        cat "$1" 2>/dev/null
        return 1
}

# wait_exit DOMAIN [SECONDS]: the guid's exit status in $rc, or 124
wait_exit() {
        local d=$1 i
        for ((i = 0; i < ${2:-10} * 20; i++)); do
                if ! kill -0 "${gpid[$d]}" 2>/dev/null; then
                        wait "${gpid[$d]}"
                        rc=$?
                        return 0
                fi
                sleep 0.05
        done
        rc=124
        return 1
}

stop_agent() {
        kill "${apid[$1]}" 2>/dev/null
        wait "${apid[$1]}" 2>/dev/null
}

# pixels DOMAIN X,Y=RGB...: render the headless screen and compare, retried
# while the daemon may still be taking in the agent's messages
pixels() {
        local d=$1 i
        shift
        for ((i = 0; i < 40; i++)); do
                kill -USR1 "${gpid[$d]}" 2>/dev/null
                sleep 0.1
                [ -s "$tmp/$d/out.png" ] && $png "$tmp/$d/out.png" "$@" >"$tmp/px" 2>&1 && return 0
        done
        cat "$tmp/px"
        return 1
}

not() { ! "$@"; }
sane_log() { # no sanitizer report, no crash
        ! grep -E "Sanitizer|runtime error|Segmentation|core dumped" "$1"
}

# ---- the second domain: keeps working while "victim" is attacked -------------
start_agent vault good
start_guid vault blue --headless "$tmp/vault/out.png"
check "vault: a second guid connects" wait_for "$tmp/vault/agent.out" '^screen ' 10

# ---- good path -------------------------------------------------------------
good_px=(240,180=1e90ff 320,180=ffd700 240,240=8a2be2 320,240=00ced1 200,150=1e90ff
         359,269=00ced1 197,147=LBL 199,149=LBL 360,270=LBL 362,272=LBL 280,148=LBL
         198,200=LBL 361,200=LBL 196,146=$desk 363,273=$desk)
start_agent victim good
start_guid victim red --headless "$tmp/victim/out.png"
wait_for "$tmp/victim/agent.out" '^screen 1024x768' 10 >/dev/null
check "good: HELLO and SCREEN (the headless desktop) reach the agent" \
        grep -q '^screen 1024x768' "$tmp/victim/agent.out"
check "good: the pattern is shown inside a red frame" pixels victim "${good_px[@]//LBL/$red}"
stop_agent victim
wait_exit victim 10
check "good: the agent's death closes the daemon with status 0 ($rc)" test "$rc" = 0
check "good: one log line says the domain went" \
        grep -q 'domain victim: the agent closed the GUI channel' "$tmp/victim/guid.err"
check "good: the PNG written at exit shows the last state" \
        $png "$tmp/victim/out.png" "${good_px[@]//LBL/$red}"
check "good: no sanitizer report" sane_log "$tmp/victim/guid.err"

# ---- protocol violations: one log line, exit 1 ------------------------------
violation() { # CASE REASON
        rm -rf "$tmp/victim"
        start_agent victim "$1"
        start_guid victim red --headless "$tmp/victim/out.png"
        wait_exit victim 20
        stop_agent victim
        check "$1: the daemon disconnects with status 1 ($rc)" test "$rc" = 1
        check "$1: one log line names the domain, the message and the reason" \
                test "$(grep -c "^bulkhead-guid: domain victim: agent broke the GUI protocol: $2 (.*, window 0x[0-9a-f]*, length [0-9]*); closing\$" "$tmp/victim/guid.err")" = 1
        if ! sane_log "$tmp/victim/guid.err" >"$tmp/why"; then not_ok "$1: no sanitizer report"; fi
}
violation geom-huge "window size out of range"
violation geom-negative "window size out of range"
violation coord-out "window position outside the coordinate range"
violation creates "CREATE past BH_GUI_MAX_WINDOWS"
violation buffer-huge "BUFFER over BH_GUI_MAX_BUFFER_BYTES"
violation buffer-overflow "BUFFER size out of range"
violation buffer-stride "BUFFER stride is not width \\* 4"
violation buffer-desc-garbage "buffer descriptor refused by the transport"
violation buffer-desc-mismatch "buffer descriptor refused by the transport"
violation unknown-window "message for an unknown window"
violation damage-outside "DAMAGE outside any possible buffer"
violation clip-unrequested "CLIPBOARD_DATA nobody asked for"

# ---- clamped: shown, with the frame, on every path --------------------------
frames_px=(97,97=LBL 99,150=LBL 400,150=LBL 250,302=LBL 100,100=$white 399,299=$white 96,96=$desk
           47,447=LBL 250,500=LBL 150,500=$neutral
           497,397=LBL 499,399=LBL 501,401=LBL 503,403=LBL 500,400=$white 504,404=$desk
           597,97=LBL 600,100=$white 602,102=$white 603,100=$neutral 606,102=$neutral 607,101=LBL 603,103=LBL
           697,497=LBL 850,540=LBL 775,580=LBL 700,500=$white 849,579=$white)
or_px=(0,0=LBL 1023,0=LBL 0,690=LBL 1023,690=LBL 500,689=LBL 500,300=$white 500,691=$desk 500,767=$desk)
clamped() { # CASE DESCRIPTION PIXELS...
        local c=$1 d=$2
        shift 2
        rm -rf "$tmp/victim"
        start_agent victim "$c"
        start_guid victim red --headless "$tmp/victim/out.png"
        wait_for "$tmp/victim/agent.out" '^screen ' 10 >/dev/null
        check "$c: $d" pixels victim "${@//LBL/$red}"
        check "$c: the daemon is still serving the domain" kill -0 "${gpid[victim]}"
        stop_agent victim
        wait_exit victim 10
        check "$c: exit 0 when the domain goes ($rc)" test "$rc" = 0
        if ! sane_log "$tmp/victim/guid.err" >"$tmp/why"; then not_ok "$c: no sanitizer report"; fi
}
clamped frames "a frame on each path: plain, no buffer, 1x1, odd buffer, popup" "${frames_px[@]}"
clamped or-huge "an override-redirect window is cut to 90% and framed" "${or_px[@]}"
clamped or-switch "turning override-redirect while mapped is placed anew" "${or_px[@]}"
clamped titles "windows with hostile titles are framed" 7,7=LBL 7,97=LBL 7,197=LBL

check "vault: still drawn after the attacks on victim" pixels vault "${good_px[@]//LBL/$blue}"
check "vault: never disconnected" kill -0 "${gpid[vault]}"
stop_agent vault
wait_exit vault 10
check "vault: exit 0 ($rc)" test "$rc" = 0

# ---- a real desktop: Xvfb ----------------------------------------------------
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null || ! command -v xprop >/dev/null; then
        echo "1..$n # Xvfb part skipped: Xvfb, xdotool or xprop missing"
        [ "$failed" = 0 ]
        exit
fi
disp=
for d in $(seq 90 140); do
        [ -e "/tmp/.X$d-lock" ] || [ -e "/tmp/.X11-unix/X$d" ] || { disp=$d; break; }
done
mkdir -p "$tmp/fb"
Xvfb ":$disp" -screen 0 1024x768x24 -fbdir "$tmp/fb" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=":$disp"
for ((i = 0; i < 100; i++)); do xprop -root >/dev/null 2>&1 && break; sleep 0.05; done
export ASAN_OPTIONS=detect_leaks=0 # GTK from here on
screen="$tmp/fb/Xvfb_screen0"
rt="$tmp/run"
mkdir -p "$rt"
export BULKHEAD_RUNTIME_DIR="$rt"

# pixels of the X screen, retried while GTK draws
xpixels() {
        local i
        for ((i = 0; i < 60; i++)); do
                $png "$screen" "$@" >"$tmp/px" 2>&1 && return 0
                sleep 0.1
        done
        cat "$tmp/px"
        return 1
}

rm -rf "$tmp/victim"
start_agent victim frames
start_guid victim red
check "xvfb: the daemon connects on a real desktop" wait_for "$tmp/victim/agent.out" '^screen 1024x768' 15
xframes_px=("${frames_px[@]//$desk/000000}") # no window manager: a black root
check "xvfb: a frame on each path in the X screen" xpixels "${xframes_px[@]//LBL/$red}"

titles_ok() {
        local ids id
        ids=$(xdotool search --name '^\[evil\] ')
        [ "$(echo "$ids" | wc -w)" = 3 ] || { echo "windows: $ids"; return 1; }
        for id in $ids; do xdotool getwindowname "$id"; done | sort >"$tmp/titles"
        printf '%s\n' '[evil] [31m[dom0] Password required  sudo x' '[evil] [dom0]' '[evil] fdp.exe' |
                sort >"$tmp/titles.want"
        diff "$tmp/titles.want" "$tmp/titles" || return 1
        for id in $ids; do
                xprop -id "$id" WM_CLASS | grep -q '= "evil", "evil"$' ||
                        { xprop -id "$id" WM_CLASS; return 1; }
        done
        # the raw property bytes: nothing but printable ASCII after the prefix
        for id in $ids; do
                xprop -id "$id" -notype _NET_WM_NAME | LC_ALL=C grep -q '[^ -~]' && return 1
        done
        return 0
}
start_agent evil titles
start_guid evil purple
wait_for "$tmp/evil/agent.out" '^ready' 15 >/dev/null
for ((i = 0; i < 40; i++)); do titles_ok >/dev/null 2>&1 && break; sleep 0.1; done
check "xvfb: titles start with [evil], without control or bidi characters" titles_ok
class_is() { # NAME-REGEX EXPECTED
        xprop -id "$(xdotool search --name "$1" | head -1)" WM_CLASS | grep -qF "= $2"
}
check "xvfb: WM_CLASS of a window without CLASS is the domain's name" \
        class_is '^\[victim\] plain$' '"victim", "victim"'
start_agent vault good
start_guid vault blue
wait_for "$tmp/vault/agent.out" '^ready' 15 >/dev/null
for ((i = 0; i < 40; i++)); do xdotool search --name '^\[vault\] Known pattern$' >/dev/null && break; sleep 0.1; done
check "xvfb: class from the domain is prefixed with its name" \
        class_is '^\[vault\] Known pattern$' '"vault:pattern", "vault:Pattern"'
start_agent small good
start_guid small gray --clipboard-max 8
wait_for "$tmp/small/agent.out" '^ready' 15 >/dev/null
"$agent" --policy "$rt/qrexec-policy.sock" allow >"$tmp/policy.out" 2>&1 &
wait_for "$tmp/policy.out" '^ready' 5 >/dev/null

press() { # NAME-REGEX KEYS
        local id
        for ((i = 0; i < 40; i++)); do
                id=$(xdotool search --name "$1" | head -1)
                [ -n "$id" ] && break
                sleep 0.1
        done
        xdotool windowfocus "$id"
        sleep 0.3
        xdotool key "$2"
}
press '^\[victim\] plain$' ctrl+shift+c
check "clipboard: Ctrl+Shift+C asks the agent, for at most the limit" \
        wait_for "$tmp/victim/agent.out" '^clipboard request 65536$' 5
check "clipboard: dom0's buffer holds the bytes and their source" \
        wait_for "$rt/clipboard/buffer" '^source=victim$' 5
check "clipboard: the combo's key press never reaches the domain" \
        not grep -q 'state=0x5 pressed' "$tmp/victim/agent.out"
check "clipboard: the copy is logged from where to where" \
        grep -q "domain victim: copied 16 bytes from victim to dom0's clipboard" "$tmp/victim/guid.err"
press '^\[small\] ' ctrl+shift+v
check "clipboard: a paste over the domain's limit is refused with a notice" \
        wait_for "$tmp/small/guid.err" "paste into small refused: dom0's clipboard holds more than 8 bytes" 5
check "clipboard: ... nothing is sent" not grep -q '^paste' "$tmp/small/agent.out"
check "clipboard: ... and the buffer stays whole" grep -q '^length=16$' "$rt/clipboard/buffer"
press '^\[vault\] ' ctrl+shift+v
check "clipboard: the policy is asked about bulkhead.ClipboardPaste from victim to vault" \
        wait_for "$tmp/policy.out" '^policy: bulkhead-policy/1 eval victim vault bulkhead.ClipboardPaste$' 5
check "clipboard: allowed, the bytes reach vault" wait_for "$tmp/vault/agent.out" '^paste 16: secret from work$' 5
check "clipboard: and dom0's buffer is empty again" not test -e "$rt/clipboard/buffer"
check "clipboard: the paste is logged from where to where" \
        grep -q "domain vault: pasted 16 bytes from victim into vault" "$tmp/vault/guid.err"

start_agent over clip-over
start_guid over orange --clipboard-max 10
wait_for "$tmp/over/agent.out" '^ready' 15 >/dev/null
press '^\[over\] ' ctrl+shift+c
wait_exit over 10
check "clipboard: data over the size asked for disconnects ($rc)" test "$rc" = 1
check "clipboard: ... with one clear log line" \
        grep -q "domain over: agent broke the GUI protocol: CLIPBOARD_DATA over the size asked for (CLIPBOARD_DATA, window 0x0, length 11); closing" "$tmp/over/guid.err"
check "clipboard: ... and nothing reached dom0's buffer" not test -e "$rt/clipboard/buffer"

for d in victim evil vault small; do
        stop_agent "$d"
        wait_exit "$d" 10
        check "xvfb: $d's daemon exits 0 when its domain goes ($rc)" test "$rc" = 0
        if ! sane_log "$tmp/$d/guid.err" >"$tmp/why"; then not_ok "xvfb: $d: no sanitizer report"; fi
done

echo "1..$n"
[ "$failed" = 0 ]
