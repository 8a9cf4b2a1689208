#!/usr/bin/env bash
# Boot services end to end: a host template customized by a script
# (`bulkhead template build host NAME --customize SCRIPT`) that installs
# /etc/bulkhead/start.d scripts, and a domain from it whose bulkhead-init
# runs them after starting the agents.  Checked from outside: the CLI's exit
# codes and messages, files the scripts write, their processes, the
# domain's console log.  Speaks TAP.
#
# Needs root (CI runs as root); without it every case is skipped.  Takes
# about 35 s: one script hangs on purpose until init kills it after 30 s.
# BH_KEEP=1 keeps the work directory (logs, state) for a look afterwards.
set -uo pipefail

. "$(dirname "$0")/../lib/daemon.sh"
need_root

daemon_setup bh-boot
dom=wstart1
console="$BULKHEAD_STATE_DIR/logs/$dom.log"

# in_domain CMD...: runs CMD in the domain, quietly.
in_domain() { "$bulkhead" run "$dom" "$@" >/dev/null 2>&1; }
# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
        local t=$1; shift
        for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
        return 1
}

# The recipe: what a template's customize script would write.
cat >"$work/customize" <<'EOF'
#!/bin/sh
set -eu
d="$1/etc/bulkhead/start.d"
mkdir -p "$d"
script() { printf '#!/bin/sh\n%s\n' "$2" >"$d/$1"; chmod 755 "$d/$1"; }
# Starts a daemon in the background and returns; says who ran it and with
# what stdin.
script 10-mark 'echo 10 >>/run/order
echo "$(id -u) $(readlink /proc/self/fd/0)" >/run/started
sleep 1234 >/dev/null 2>&1 &
echo $! >/run/daemon.pid'
script 20-fail 'echo 20 >>/run/order; echo "20-fail says why on the console" >&2; exit 3'
script 30-after 'echo 30 >>/run/order'
script 40-hang 'echo 40 >>/run/order; exec sleep 4321'
script 50-last 'echo 50 >>/run/order'
# Left out: hidden, backups, dpkg leftovers, not executable.
for f in .hidden 15-backup~ 15-conf.dpkg-old 15-conf.dpkg-dist; do
        script "$f" 'echo bad >>/run/order'
done
printf '#!/bin/sh\necho bad >>/run/order\n' >"$d/15-not-executable"
chmod 644 "$d/15-not-executable"
EOF
chmod 755 "$work/customize"
printf '#!/bin/sh\necho "customize fails on purpose" >&2\nexit 7\n' >"$work/fails"
chmod 755 "$work/fails"

echo "1..18"
daemon_start || { echo "Bail out! bulkheadd does not start"; exit 1; }

# --customize: the CLI makes a relative path absolute from its cwd.
(cd "$work" && "$bulkhead" template build host wstartt --customize customize)
check "template build host NAME --customize SCRIPT (relative) succeeds" test $? -eq 0
check "the script's files are in the template's root" \
        test -x "$BULKHEAD_STATE_DIR/templates/wstartt/current/root/etc/bulkhead/start.d/10-mark"

"$bulkhead" template build host wstartt --customize "$work/fails" 2>"$work/err"
rc=$?
check "a failing customize script fails the build, naming the script and its status" \
        sh -c "[ $rc -ne 0 ] && grep -q '$work/fails exited with status 7' '$work/err'"
[ $rc -ne 0 ] || sed 's/^/# /' "$work/err"
check "after a failed build: the current version is unchanged, no staging directory left" \
        sh -c "[ \"\$(readlink '$BULKHEAD_STATE_DIR/templates/wstartt/current')\" = v1 ] &&
               ! ls -a '$BULKHEAD_STATE_DIR/templates/wstartt' | grep -q '^\.new-'"
check "the script's output is in bulkheadd's log" grep -q "customize fails on purpose" "$log"
"$bulkhead" template build host wstartt --customize "$work/no-such-script" 2>"$work/err"
rc=$?
check "a missing customize script is a usage error naming it (exit $rc)" \
        sh -c "[ $rc -eq 2 ] && grep -q 'no-such-script: No such file or directory' '$work/err'"

"$bulkhead" create "$dom" --template wstartt --label green >/dev/null
"$bulkhead" start "$dom"
check "the domain starts" wait_for 10 in_domain true
# The agents answer while 40-hang still holds the scripts up.
check "the agents answer while a boot script still runs" \
        "$bulkhead" run "$dom" sh -c 'i=0; until grep -qsx 40 /run/order || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
                grep -qx 40 /run/order && ! grep -qx 50 /run/order'
out=$("$bulkhead" run "$dom" cat /run/started 2>&1)
check "a boot script runs as root with stdin /dev/null" test "$out" = "0 /dev/null"
[ "$out" = "0 /dev/null" ] || echo "# got: $out"
check "the daemon it started runs, adopted by init" \
        "$bulkhead" run "$dom" sh -c 'p=$(cat /run/daemon.pid); grep -q "^sleep" /proc/$p/cmdline && [ "$(cut -d" " -f4 /proc/$p/stat)" = 1 ]'
check "a failing script is logged with its status, and the next one runs" \
        sh -c "grep -q 'start: /etc/bulkhead/start.d/20-fail exited with status 3' '$console' && '$bulkhead' run $dom grep -qx 30 /run/order"
check "a script that hangs is killed after 30 s and logged, and the next one runs" \
        wait_for 45 sh -c "grep -q '40-hang still running after 30 s, killed' '$console' && '$bulkhead' run $dom grep -qx 50 /run/order"
out=$("$bulkhead" run "$dom" sh -c 'tr "\n" " " </run/order; pgrep -x sleep -a | grep -c 4321' 2>&1)
check "scripts run in name order, leaving out hidden, backup, dpkg and non-executable files; the hung one's process is gone" \
        test "$out" = "10 20 30 40 50 0"
[ "$out" = "10 20 30 40 50 0" ] || echo "# got: $out"
check "one console line per script with its status" \
        test "$(grep -c 'start: /etc/bulkhead/start.d/[0-9]*-[a-z]* \(exited\|still running\)' "$console")" -eq 5

t=$SECONDS
"$bulkhead" shutdown "$dom"
wait_for 10 sh -c "[ \"\$('$bulkhead' prefs $dom state)\" = halted ]"
check "shutdown stops the daemon with SIGTERM, without waiting for SIGKILL" \
        sh -c "[ \"\$('$bulkhead' prefs $dom state)\" = halted ] && [ $((SECONDS - t)) -lt 3 ] && ! grep -q 'killing them' '$console'"
"$bulkhead" start "$dom"
check "the scripts run again at the next boot" wait_for 10 in_domain grep -qx "0 /dev/null" /run/started
"$bulkhead" kill "$dom"

# Outside a pid namespace (a Xen domain's init is not PID 1) init adopts a
# daemon that left its session as a subreaper, and must still stop it.
# Run by hand in a mount namespace of its own whose /etc is an overlay
# holding the script, so the host's /etc is not touched.
mkdir -p "$work/etc-upper/bulkhead/start.d" "$work/etc-work"
printf '#!/bin/sh\nsetsid sleep 2345 </dev/null >/dev/null 2>&1 &\n' >"$work/etc-upper/bulkhead/start.d/10-daemon"
chmod 755 "$work/etc-upper/bulkhead/start.d/10-daemon"
unshare -m --propagation private sh -c \
        'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-upper,workdir=$1/etc-work" /etc && exec "$2"' \
        sh "$work" "$agents/bulkhead-init" >"$work/byhand.log" 2>&1 &
init=$!
daemon_of_init() { pgrep -P "$init" -x sleep >/dev/null; }
check "not PID 1: a boot script's daemon is adopted by init" wait_for 10 daemon_of_init
daemon=$(pgrep -P "$init" -x sleep)
kill -TERM "$init"
stopped() { ! kill -0 "$init" 2>/dev/null; }
if wait_for 5 stopped && wait "$init" && ! kill -0 "$daemon" 2>/dev/null; then
        ok "not PID 1: SIGTERM to init stops the adopted daemon and init exits 0"
else
        not_ok "not PID 1: SIGTERM to init stops the adopted daemon and init exits 0" "$(tail -3 "$work/byhand.log")"
        kill -KILL "$init" $daemon 2>/dev/null
fi

if [ "$failed" -ne 0 ]; then
        echo "# console of $dom:"; tail -20 "$console" | sed 's/^/#   /'
        echo "# bulkheadd:"; tail -20 "$log" | sed 's/^/#   /'
fi
[ "$failed" -eq 0 ]
