#!/usr/bin/env bash
# Domains end to end on the container backend: a real bulkheadd, the real
# CLI, real namespaces.  Checked from outside as a user would: exit codes,
# output, files on disk, processes, mounts.  Speaks TAP.
#
# Needs root (CI runs as root); without it every case is skipped.
set -uo pipefail

build=${BUILD_DIR:-$PWD}
bulkhead="$build/dom0/bulkhead"
bulkheadd="$build/dom0/bulkheadd"
agents="$build/agent"
rounds=${BH_KILL_ROUNDS:-50}

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 0
fi

work=$(mktemp -d /tmp/bh-domains.XXXXXX)
export BULKHEAD_STATE_DIR="$work/state" BULKHEAD_RUNTIME_DIR="$work/run"
daemon_pid=
log="$work/bulkheadd.log"

start_daemon() {
        "$bulkheadd" --no-gui --agent-dir "$agents" >>"$log" 2>&1 &
        daemon_pid=$!
        # Ready once it answers: a dead daemon's socket may still be there.
        for _ in $(seq 200); do
                "$bulkhead" ls >/dev/null 2>&1 && return 0
                kill -0 "$daemon_pid" 2>/dev/null || break
                sleep 0.02
        done
        echo "# bulkheadd did not come up:"; tail -5 "$log" | sed 's/^/# /'
        return 1
}

stop_daemon() {
        [ -n "$daemon_pid" ] || return 0
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
        daemon_pid=
}

cleanup() {
        # App domains outlive bulkheadd by design: end ours before it goes.
        for d in $("$bulkhead" ls 2>/dev/null | awk 'NR > 1 && $3 != "halted" {print $1}'); do
                "$bulkhead" kill "$d" 2>/dev/null
        done
        stop_daemon
        rm -rf "$work"
}
trap cleanup EXIT

leftovers() {
        # Disposables leave nothing: no entry, no volume, no process, no mount.
        local out=""
        out+=$(ls "$BULKHEAD_STATE_DIR/domains" 2>/dev/null | grep '^disp' || true)
        out+=$(ls "$BULKHEAD_STATE_DIR/volatile" 2>/dev/null | grep '^disp' || true)
        out+=$(ls "$BULKHEAD_RUNTIME_DIR/vchan" 2>/dev/null | grep '^disp' || true)
        out+=$(grep -F "$work" /proc/self/mountinfo || true)
        out+=$(pgrep -af 'bulkhead-init' | grep -F "$work" | grep disp || true)
        [ -z "$out" ] || { echo "# leftovers: $out" | head -5; return 1; }
}

debian=${BH_TEST_DEBIAN_TEMPLATE:-0}
echo "1..$((37 + (debian == 1 ? 2 : 0)))"
start_daemon || { echo "Bail out! bulkheadd does not start"; exit 1; }

check "template build host" "$bulkhead" template build host
check "create an app domain" "$bulkhead" create work --template host --label blue
check "create a dispvm-template" "$bulkhead" create dvm --class dispvm-template --template host --label red

# awk reaches the host's binary through /etc/alternatives, as on the host.
out=$("$bulkhead" run work sh -c 'echo hello from $(hostname) | awk "{print}"' 2>&1)
check "run prints the command's output" test "$out" = "hello from work"

"$bulkhead" run work sh -c 'exit 7'
check "run exits with the command's status" test $? -eq 7

state=$("$bulkhead" prefs work state)
check "domain is running after run" test "$state" = running

check "ls --json is valid JSON" sh -c "'$bulkhead' ls --json | python3 -m json.tool >/dev/null"

# The console: the log of what the domain's init and its services wrote,
# which may hold escape sequences.  A container's processes cannot write to
# it (the file is dom0's), so the test appends the domain's line as its init
# would; on Xen, bh-backend-test has a domain write one to its hvc0.
printf 'bh-console-mark \033]0;owned\007\n' >>"$BULKHEAD_STATE_DIR/logs/work.log"
"$bulkhead" console work >"$work/console.txt" 2>&1
console_ok() {
        grep -qF 'bh-console-mark \x1b]0;owned\x07' "$work/console.txt" && ! grep -q $'\033' "$work/console.txt" ||
                { sed 's/^/# console: /' "$work/console.txt" | cat -v | tail -5; return 1; }
}
check "console shows the domain's line with its escape sequence written out" console_ok

"$bulkhead" run work sh -c 'echo kept > /home/kept; echo gone > /etc/gone' >/dev/null
"$bulkhead" shutdown work
for _ in $(seq 100); do [ "$("$bulkhead" prefs work state)" = halted ] && break; sleep 0.05; done
check "shutdown halts the domain" test "$("$bulkhead" prefs work state)" = halted
out=$("$bulkhead" run work sh -c 'cat /home/kept; cat /etc/gone 2>/dev/null || echo absent')
check "/home kept across restarts, other writes gone" test "$out" = "kept
absent"

"$bulkhead" pause work
check "pause" test "$("$bulkhead" prefs work state)" = paused
"$bulkhead" unpause work
check "unpause" test "$("$bulkhead" prefs work state)" = running
"$bulkhead" kill work
check "kill halts at once" test "$("$bulkhead" prefs work state)" = halted

out=$("$bulkhead" run --disposable --template dvm sh -c 'hostname; echo x > /home/x')
case "$out" in disp*) ok "disposable runs with a dispNNNN name" ;; *) not_ok "disposable runs with a dispNNNN name" "got '$out'" ;; esac
check "disposable leaves nothing after its command exits" leftovers

"$bulkhead" run --disposable --template dvm sleep 600 &
cli=$!
for _ in $(seq 100); do ls "$BULKHEAD_STATE_DIR/domains" | grep -q '^disp' && break; sleep 0.02; done
sleep 0.3
kill -KILL "$cli"; wait "$cli" 2>/dev/null
for _ in $(seq 100); do leftovers 2>/dev/null && break; sleep 0.05; done
check "disposable destroyed when its client is killed" leftovers

# bulkheadd killed with SIGKILL at random moments of a disposable's life.
bad=0
for i in $(seq "$rounds"); do
        "$bulkhead" run --disposable --template dvm sh -c 'sleep 0.05; echo done' >/dev/null 2>&1 &
        cli=$!
        sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
        kill -KILL "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
        daemon_pid=
        wait "$cli" 2>/dev/null
        start_daemon || { bad=$((bad + 1)); break; }
        if ! leftovers; then
                echo "# round $i left something"
                bad=$((bad + 1))
        fi
done
check "SIGKILL of bulkheadd at random moments, $rounds rounds, leaves nothing" test "$bad" -eq 0

# Twenty disposables at once.
pids=()
for i in $(seq 20); do
        "$bulkhead" run --disposable --template dvm sh -c "echo \$(hostname) $i" >"$work/c$i.out" 2>&1 &
        pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
[ "$fails" -eq 0 ] || head -3 "$work"/c*.out | sed 's/^/# /' 
names=$(cat "$work"/c*.out | awk '{print $1}' | sort -u | wc -l)
[ "$names" -eq 20 ] || cat "$work"/c*.out | sort | uniq -c | sed 's/^/# /' | head -30
check "20 concurrent disposables all ran, each in its own domain" test "$fails" -eq 0 -a "$names" -eq 20
check "20 concurrent disposables left nothing" leftovers

pooled() { "$bulkhead" ls | awk '$1 ~ /^disp/ && $3 == "paused" {print $1}'; }
wait_pool() { for _ in $(seq 400); do [ "$(pooled | wc -l)" -eq "$1" ] && return 0; sleep 0.05; done; return 1; }
"$bulkhead" prefs dvm preload 2
check "preload keeps 2 disposables started and paused" wait_pool 2
before=$(pooled)
out=$("$bulkhead" run --disposable --template dvm hostname)
check "a request takes a preloaded disposable" sh -c "echo '$before' | grep -qx '$out'"
check "the pool refills" wait_pool 2
"$bulkhead" prefs dvm preload 0
pool_gone() { wait_pool 0 && leftovers; }
check "lowering preload empties the pool and leaves nothing" pool_gone

"$bulkhead" run nosuch true 2>"$work/err"
rc=$?
check "unknown domain: exit 3 and a message naming it" sh -c "[ $rc -eq 3 ] && grep -q nosuch '$work/err'"
"$bulkhead" create work --template host 2>"$work/err"
rc=$?
check "duplicate name: exit 4" sh -c "[ $rc -eq 4 ] && grep -q work '$work/err'"
"$bulkhead" create 'a/b' --template host 2>/dev/null
rc1=$?
"$bulkhead" create "$(printf 'bad\tname')" --template host 2>/dev/null
rc2=$?
check "names with / or control characters refused" test "$rc1" -eq 2 -a "$rc2" -eq 2
# An option given again and again overran create's list of fields.
# shellcheck disable=SC2046 # twenty words on purpose
"$bulkhead" create rep --template host $(printf -- '--label red %.0s' $(seq 20)) 2>"$work/err"
rc=$?
check "create: an option given twice is refused (exit 2), whatever the count" \
        sh -c "[ $rc -eq 2 ] && grep -q -- '--label given twice' '$work/err'"

"$bulkhead" prefs work tags friend,mail && "$bulkhead" prefs work allow-fullscreen yes
check "prefs keeps tags and allow-fullscreen" sh -c \
        "[ \"\$('$bulkhead' prefs work tags)\" = friend,mail ] && [ \"\$('$bulkhead' prefs work allow-fullscreen)\" = yes ]"
"$bulkhead" prefs work allow-fullscreen maybe 2>/dev/null
rc1=$?
"$bulkhead" prefs work tags 'bad tag' 2>/dev/null
rc2=$?
check "bad allow-fullscreen or tags values refused" test "$rc1" -ne 0 -a "$rc2" -ne 0

# private-size: kept and shown on any backend; only the Xen backend's
# private volume, an image file, has a size.
"$bulkhead" prefs work private-size 4G
check "prefs private-size takes a unit and shows MiB" test "$("$bulkhead" prefs work private-size)" = 4096
"$bulkhead" prefs work private-size 10 2>"$work/err"
rc=$?
check "a private-size below 64 MiB refused, saying the range" sh -c "[ $rc -ne 0 ] && grep -q '64 MiB to 4 TiB' '$work/err'"
# The Xen backend's private.img, where one would be: grown, never shrunk.
img=$BULKHEAD_STATE_DIR/volumes/work/private.img
truncate -s 5G "$img"
"$bulkhead" prefs work private-size 4G 2>"$work/err"
rc=$?
check "shrinking below an existing private.img refused, saying why" sh -c \
        "[ $rc -ne 0 ] && grep -q 'never shrinks' '$work/err' && [ \$(stat -c %s '$img') = 5368709120 ]"
"$bulkhead" prefs work private-size 6G
check "growing it grows private.img at once" test "$(stat -c %s "$img")" = 6442450944
rm -f "$img"
# Containers: a disposable's /home overlays its dispvm-template's private
# directory, which may change under it; no need to keep the two apart.
"$bulkhead" start dvm
check "a disposable runs beside its running dispvm-template (container backend)" \
        "$bulkhead" run --disposable --template dvm true
"$bulkhead" kill dvm

# A damaged registry file: reported with file:line, skipped, kept as it was.
stop_daemon
printf 'version=1\nname=broken\nclass=nonsense\n' >"$BULKHEAD_STATE_DIR/domains/broken.conf"
sum=$(sha256sum "$BULKHEAD_STATE_DIR/domains/broken.conf")
# Per-run directories of a domain without a record (a machine crash can
# lose a disposable's record, which is not fsync'd) are swept on start.
mkdir -p "$BULKHEAD_STATE_DIR/volatile/dispgone/upper" "$BULKHEAD_RUNTIME_DIR/vchan/dispgone"
echo x >"$BULKHEAD_STATE_DIR/volatile/dispgone/upper/file"
start_daemon
check "run directories without a domain are removed on start" \
        test ! -e "$BULKHEAD_STATE_DIR/volatile/dispgone" -a ! -e "$BULKHEAD_RUNTIME_DIR/vchan/dispgone"
check "corrupt registry file reported with file:line and left untouched" sh -c \
        "grep -q 'broken.conf:[0-9]' '$log' && [ \"\$(sha256sum '$BULKHEAD_STATE_DIR/domains/broken.conf')\" = '$sum' ] && '$bulkhead' ls | grep -q '^work '"

# Old template versions go once no domain on the template runs
# (docs/templates.md): two new versions of an idle template leave one.
printf '#!/bin/sh\ntouch "$1/etc/pruned-marker"\n' >"$work/customize" && chmod +x "$work/customize"
"$bulkhead" template build host idlet >/dev/null &&
        "$bulkhead" template build host idlet --customize "$work/customize" >/dev/null &&
        "$bulkhead" template build host idlet --customize "$work/customize" >/dev/null
versions=$(ls "$BULKHEAD_STATE_DIR/templates/idlet" | grep -c '^v[0-9]')
check "a new version of an idle template removes the old ones ($versions left)" [ "$versions" = 1 ]

# The debian template takes minutes and a few hundred MB of downloads:
# only when asked (docs/testing.md).
if [ "$debian" = 1 ]; then
        export BULKHEAD_TEMPLATES_DIR="${srcdir:-$(dirname "$0")/../..}/templates"
        export BULKHEAD_AGENT_DIR="$agents"
        check "template build debian (mmdebstrap) through the CLI" \
                "$bulkhead" template build debian --kind debian
        "$bulkhead" create deb-dvm --class dispvm-template --template debian >/dev/null
        out=$("$bulkhead" run --disposable --template deb-dvm sh -c '. /etc/os-release; echo $VERSION_CODENAME; for c in xterm mupdf Xvfb; do command -v $c; done | wc -l' 2>&1)
        check "a disposable from the debian template has Debian 12, xterm, mupdf and Xvfb" \
                test "$out" = "bookworm
3"
        [ "$out" = "bookworm
3" ] || echo "$out" | sed 's/^/# got: /'
fi

[ "$failed" -eq 0 ]
