#!/usr/bin/env bash
# Opening a file in a disposable, end to end on the container backend: a
# real bulkheadd with its qrexec daemons and the default policy, an app
# domain that calls bulkhead-open-in-dvm, a dispvm-template for its
# disposables.  Checked from outside: the file in the app domain's /home,
# exit codes, the list of domains.  Speaks TAP.
#
# The disposable inherits nothing from this shell, so its viewer comes from
# open-in-dvm.conf beside the service, in the agent directory the domains
# see (a copy of the build's): a script that does what viewer-mode, in the
# same directory, says.  Needs root; skipped otherwise.
set -uo pipefail

build=${BUILD_DIR:-$PWD}
srcdir=${srcdir:-.}
bulkhead="$build/dom0/bulkhead"
bulkheadd="$build/dom0/bulkheadd"
# Unique machine-wide: container domains share cgroups and id ranges.
app=oidwork
dvm=oiddvm

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 0
fi

work=$(mktemp -d /tmp/bh-oid.XXXXXX)
export BULKHEAD_STATE_DIR="$work/state" BULKHEAD_RUNTIME_DIR="$work/run" BULKHEAD_POLICY_DIR="$work/policy"
log="$work/bulkheadd.log"
daemon_pid=

cleanup() {
        # App domains and disposables outlive bulkheadd: end ours first.
        for d in $("$bulkhead" ls 2>/dev/null | awk 'NR > 1 && $3 != "halted" {print $1}'); do
                "$bulkhead" kill "$d" >/dev/null 2>&1
        done
        if [ -n "$daemon_pid" ]; then
                kill "$daemon_pid" 2>/dev/null
                wait "$daemon_pid" 2>/dev/null
        fi
        rm -rf "$work"
}
trap cleanup EXIT

# The agent directory: the build's agent programs, the command, the
# services, and the stand-in viewer with its configuration.
agents=$work/agent
mkdir -p "$agents/rpc" "$BULKHEAD_POLICY_DIR"
for f in "$build"/agent/*; do
        [ -f "$f" ] && [ -x "$f" ] && cp -p "$f" "$agents/"
done
cp -p "$srcdir/agent/bulkhead-open-in-dvm" "$agents/"
cp -p "$srcdir"/qrexec/services/bulkhead.* "$agents/rpc/"
cat >"$agents/rpc/open-in-dvm.conf" <<'CONF'
# The test's viewer, for every type.
* = /run/bulkhead/agent/rpc/test-viewer
CONF
cat >"$agents/rpc/test-viewer" <<'VIEWER'
#!/bin/sh
# append: adds a line; view: reads only; rewrite: writes the same bytes.
case $(cat "$(dirname -- "$0")/viewer-mode") in
append) echo "edited in the disposable" >>"$1" ;;
view) cat "$1" >/dev/null ;;
rewrite) cp "$1" "$1.tmp" && mv "$1.tmp" "$1" ;;
remove) rm -f "$1" ;;
esac
VIEWER
chmod +x "$agents/rpc/test-viewer"
mode() { echo "$1" >"$agents/rpc/viewer-mode"; }
cp "$srcdir/qrexec/policy.d/50-bulkhead.policy" "$BULKHEAD_POLICY_DIR/"

in_app() { "$bulkhead" run "$app" "$@" </dev/null; }
open_in_dvm() { in_app /run/bulkhead/agent/bulkhead-open-in-dvm "$@"; }
stamp() { in_app stat -c '%i %Y.%y %s' "$1"; }
no_disposables() {
        for _ in $(seq 100); do
                "$bulkhead" ls | awk 'NR > 1 {print $1}' | grep -q '^disp' || return 0
                sleep 0.05
        done
        "$bulkhead" ls | sed 's/^/# /'
        return 1
}

echo "1..12"
"$bulkheadd" --no-gui --agent-dir "$agents" --qrexec-dir "$build/qrexec" >>"$log" 2>&1 &
daemon_pid=$!
for _ in $(seq 200); do "$bulkhead" ls >/dev/null 2>&1 && break; sleep 0.02; done
"$bulkhead" template build host >/dev/null 2>&1
"$bulkhead" create "$app" --template host >/dev/null &&
        "$bulkhead" create "$dvm" --class dispvm-template --template host >/dev/null &&
        "$bulkhead" prefs "$app" default-dispvm "$dvm" &&
        in_app sh -c 'mkdir -p "/home/my docs" && printf "line one\n" > "/home/my docs/note.txt"'
check "setup: an app domain with a file in /home and a default disposable" test $? -eq 0

mode append
open_in_dvm "/home/my docs/note.txt"
status=$?
check "an edit in the disposable exits 1 (changed)" test "$status" -eq 1
out=$(in_app cat "/home/my docs/note.txt")
check "the file comes back with the edit" test "$out" = "line one
edited in the disposable"
check "no temporary file is left beside it" test "$(in_app ls -A "/home/my docs")" = note.txt
check "the disposable is gone afterwards" no_disposables

mode view
before=$(stamp "/home/my docs/note.txt")
sleep 1.1 # a rewrite would show in the mtime's seconds too
open_in_dvm "/home/my docs/note.txt"
status=$?
check "a view without changes exits 0" test "$status" -eq 0
check "an unchanged view leaves the file untouched (inode, mtime)" test "$(stamp "/home/my docs/note.txt")" = "$before"

mode rewrite
open_in_dvm "/home/my docs/note.txt"
status=$?
check "a viewer that rewrites the same bytes counts as unchanged" \
        test "$status" -eq 0 -a "$(stamp "/home/my docs/note.txt")" = "$before"

mode remove
err=$(open_in_dvm "/home/my docs/note.txt" 2>&1)
status=$?
check "the disposable's error: exit 3 with its message, the file untouched" \
        test "$status" -eq 3 -a "$(stamp "/home/my docs/note.txt")" = "$before"
case $err in *"the disposable: the viewer removed the file"*) ok "the error message names what happened" ;;
*) not_ok "the error message names what happened" "got: $err" ;; esac

echo 'bulkhead.OpenInVM * @anyvm @anyvm deny' >"$BULKHEAD_POLICY_DIR/10-deny.policy"
mode append
open_in_dvm "/home/my docs/note.txt" 2>/dev/null
status=$?
check "a denying policy: exit 126" test "$status" -eq 126
untouched_and_no_disposable() { [ "$(stamp "/home/my docs/note.txt")" = "$before" ] && no_disposables; }
check "a denying policy: the file is untouched, no disposable" untouched_and_no_disposable
rm -f "$BULKHEAD_POLICY_DIR/10-deny.policy"

[ "$failed" -eq 0 ] || { echo "# bulkheadd's log:"; tail -20 "$log" | sed 's/^/# /'; }
exit 0
