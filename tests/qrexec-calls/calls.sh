#!/usr/bin/env bash
# qrexec end to end on the container backend: a real bulkheadd starting the
# real qrexec-policy and qrexec-daemons, real domains, real calls made from
# inside them.  Checked from outside: output, exit codes, files in the
# domains, the audit log, what is left running.  Speaks TAP.
#
# Needs root (CI runs as root); without it every case is skipped.
set -uo pipefail

build=${BUILD_DIR:-$PWD}
src=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bulkhead="$build/dom0/bulkhead"
bulkheadd="$build/dom0/bulkheadd"
qclient="$build/qrexec/qrexec-client"
cvm=/run/bulkhead/agent/qrexec-client-vm

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 0
fi

work=$(mktemp -d /tmp/bh-qrexec.XXXXXX)
export BULKHEAD_STATE_DIR="$work/state" BULKHEAD_RUNTIME_DIR="$work/run" BULKHEAD_POLICY_DIR="$work/policy"
log="$work/bulkheadd.log"
daemon_pid=
# Domain names are machine-wide (cgroups, id ranges): these are the test's own.
A=qcalla B=qcallb DVM=qcalldvm

# The agents, with the test's services beside them (bound into every domain
# at /run/bulkhead/agent).
agents="$work/agent"
mkdir -p "$agents/rpc" "$BULKHEAD_POLICY_DIR"
cp -a "$build"/agent/bulkhead-init "$build"/agent/bulkhead-agent "$build"/agent/qrexec-client-vm "$agents/"
for f in "$build"/agent/bulkhead-filecopy-*; do [ -e "$f" ] && cp -a "$f" "$agents/"; done
[ -e "$src/agent/bulkhead-copy-to-vm" ] && cp "$src/agent/bulkhead-copy-to-vm" "$agents/"
for f in bulkhead.Filecopy bulkhead.VMShell; do
        [ -e "$src/qrexec/services/$f" ] && cp "$src/qrexec/services/$f" "$agents/rpc/"
done
# The default policy, after the test's own rules (C-locale order: 30 < 50).
cp "$src/qrexec/policy.d/50-bulkhead.policy" "$BULKHEAD_POLICY_DIR/"
cat >"$agents/rpc/test.Echo" <<'EOF'
#!/bin/sh
echo "from $(hostname) to-caller $QREXEC_REMOTE_DOMAIN arg=$1"
cat
EOF
cat >"$agents/rpc/test.Mark" <<'EOF'
#!/bin/sh
touch /tmp/marked
EOF
cat >"$agents/rpc/test.Status" <<'EOF'
#!/bin/sh
exit 42
EOF
cat >"$agents/rpc/test.Sleep" <<'EOF'
#!/bin/sh
echo $$ > /tmp/sleeper
exec sleep 600
EOF
chmod +x "$agents"/rpc/* "$agents"/bulkhead-copy-to-vm 2>/dev/null

policy() { cat >"$BULKHEAD_POLICY_DIR/30-test.policy"; }
policy <<EOF
test.Echo     *     $A      $B            allow
test.Echo     *     $A      @dispvm:$DVM  allow
test.Echo     *     $A      @default      allow target=$B
test.Echo     *     @tag:friend $A        allow
test.Status   *     $A      $B            allow
test.Sock     *     $A      $B            allow
test.Sleep    *     $A      $B            allow
test.Mark     *     $A      $B            deny
no.Such       *     $A      $B            allow
bulkhead.Filecopy * $A      $B            allow
EOF

start_daemon() {
        "$bulkheadd" --no-gui --agent-dir "$agents" --qrexec-dir "$build/qrexec" >>"$log" 2>&1 &
        daemon_pid=$!
        for _ in $(seq 200); do
                "$bulkhead" ls >/dev/null 2>&1 && return 0
                kill -0 "$daemon_pid" 2>/dev/null || break
                sleep 0.02
        done
        echo "# bulkheadd did not come up:"; tail -5 "$log" | sed 's/^/# /'
        return 1
}

cleanup() {
        for d in $("$bulkhead" ls 2>/dev/null | awk 'NR > 1 && $3 != "halted" {print $1}'); do
                "$bulkhead" kill "$d" 2>/dev/null
        done
        if [ -n "$daemon_pid" ]; then
                kill "$daemon_pid" 2>/dev/null
                wait "$daemon_pid" 2>/dev/null
        fi
        [ "$failed" -eq 0 ] || { echo "# bulkheadd's log:"; tail -n 30 "$log" | sed 's/^/# /'; }
        rm -rf "$work"
}
trap cleanup EXIT

echo "1..21"
start_daemon || { echo "Bail out! bulkheadd does not start"; exit 1; }
"$bulkhead" template build host >/dev/null
"$bulkhead" create "$A" --template host --label green
"$bulkhead" create "$B" --template host --label blue
"$bulkhead" create "$DVM" --class dispvm-template --template host --label red
"$bulkhead" start "$B"

# dom0 -> domain: no policy, the caller is dom0.
out=$("$qclient" -d "$B" test.Echo+one </dev/null)
check "qrexec-client runs a service in a domain, as dom0" test "$out" = "from $B to-caller dom0 arg=one"
"$bulkhead" run --service test.Status "$B"
check "bulkhead run --service returns the service's status" test $? -eq 42

# domain -> domain through policy
out=$(echo payload | "$bulkhead" run "$A" "$cvm" "$B" test.Echo+two)
check "a domain calls another's service: output, argument and stdin pass" \
        test "$out" = "$(printf 'from %s to-caller %s arg=two\npayload' "$B" "$A")"
"$bulkhead" run "$A" "$cvm" "$B" test.Status
check "the caller gets the service's exit status" test $? -eq 42

"$bulkhead" run "$A" "$cvm" "$B" test.Mark 2>"$work/err"
rc=$?
marked=$("$bulkhead" run "$B" sh -c 'test -e /tmp/marked && echo yes || echo no')
check "a denied call exits 126 and runs nothing" test "$rc" -eq 126 -a "$marked" = no
"$bulkhead" run "$B" "$cvm" "$A" test.Echo </dev/null >/dev/null 2>&1
check "no matching rule denies (exit 126)" test $? -eq 126

out=$("$bulkhead" run "$A" "$cvm" @default test.Echo </dev/null)
check "@default resolves to the rule's target=" test "$(echo "$out" | head -1)" = "from $B to-caller $A arg="

"$bulkhead" run "$B" "$cvm" "$A" test.Echo </dev/null >/dev/null 2>&1
before=$?
"$bulkhead" prefs "$B" tags friend,other
out=$("$bulkhead" run "$B" "$cvm" "$A" test.Echo </dev/null 2>&1)
check "@tag:T matches a domain given the tag (and not before)" \
        test "$before" -eq 126 -a "$(echo "$out" | head -1)" = "from $A to-caller $B arg="

out=$(echo x | "$bulkhead" run "$A" "$cvm" "@dispvm:$DVM" test.Echo)
name=$(echo "$out" | head -1 | awk '{print $2}')
left=$("$bulkhead" ls | awk -v d="$name" '$1 == d')
case "$name" in
disp*) check "@dispvm:NAME runs the call in a fresh disposable, gone after the call" test -z "$left" ;;
*) not_ok "@dispvm:NAME runs the call in a fresh disposable, gone after the call" "got '$out'" ;;
esac

"$bulkhead" run "$A" "$cvm" "$B" no.Such </dev/null >/dev/null 2>&1
check "a service that does not exist ends with 127" test $? -eq 127

# The caller killed mid-call: the service is ended too.
"$bulkhead" run "$A" "$cvm" "$B" test.Sleep </dev/null >/dev/null 2>&1 &
cli=$!
for _ in $(seq 100); do "$bulkhead" run "$B" test -s /tmp/sleeper && break; sleep 0.05; done
spid=$("$bulkhead" run "$B" cat /tmp/sleeper)
"$bulkhead" run "$A" pkill -f "qrexec-client-vm $B test.Sleep"
wait "$cli" 2>/dev/null
gone=no
for _ in $(seq 100); do
        "$bulkhead" run "$B" kill -0 "$spid" 2>/dev/null || { gone=yes; break; }
        sleep 0.05
done
check "a caller that dies ends the service in the target" test "$gone" = yes

# Policy changes need no restart.
sed -i "s/^test.Status .*/test.Status * $A $B deny/" "$BULKHEAD_POLICY_DIR/30-test.policy"
"$bulkhead" run "$A" "$cvm" "$B" test.Status </dev/null 2>/dev/null
check "a policy change takes effect at once" test $? -eq 126

# File copy between domains.
"$bulkhead" run "$A" sh -c 'mkdir -p /tmp/tree/sub && echo one > /tmp/tree/a && echo two > /tmp/tree/sub/b'
if [ -x "$agents/bulkhead-copy-to-vm" ] && [ -x "$agents/bulkhead-filecopy-unpack" ]; then
        "$bulkhead" run "$A" env PATH="/run/bulkhead/agent:/usr/bin:/bin" bulkhead-copy-to-vm "$B" /tmp/tree >"$work/cp.out" 2>&1
        rc=$?
        got=$("$bulkhead" run "$B" sh -c 'cat ${HOME:-/home/user}/Incoming/'"$A"'/tree/a ${HOME:-/home/user}/Incoming/'"$A"'/tree/sub/b' 2>&1)
        check "bulkhead-copy-to-vm: files land in the target's ~/Incoming/SOURCE" \
                test "$rc" -eq 0 -a "$got" = "$(printf 'one\ntwo')"
else
        ok "bulkhead-copy-to-vm: files land in the target's ~/Incoming/SOURCE # SKIP not built"
fi

# A socket service: a program already running in the target, reached by a
# connect instead of a program start.
"$bulkhead" run "$B" sh -c 'mkdir -p /etc/bulkhead/rpc; exec python3 -c "
import socket, os
s = socket.socket(socket.AF_UNIX)
s.bind(\"/etc/bulkhead/rpc/test.Sock\"); s.listen(4)
while True:
    c, _ = s.accept(); data = b\"\"
    while True:
        b = c.recv(65536)
        if not b: break
        data += b
    hdr, _, rest = data.partition(b\"\\0\")
    c.sendall(b\"sock \" + hdr + b\" \" + rest); c.close()
" >/dev/null 2>&1 </dev/null &'
for _ in $(seq 100); do "$bulkhead" run "$B" test -S /etc/bulkhead/rpc/test.Sock && break; sleep 0.05; done
out=$(printf data | "$bulkhead" run "$A" "$cvm" "$B" test.Sock+x 2>&1)
check "a socket service gets the call's header and stdin, and answers" test "$out" = "sock test.Sock+x $A data"

# The default policy: a shell only from dom0; the paste decision is dom0's.
out=$(echo 'echo shell-ok; exit' | "$bulkhead" run --service bulkhead.VMShell "$B" 2>/dev/null)
check "bulkhead.VMShell from dom0 gives a shell" sh -c "echo '$out' | grep -qx shell-ok"
"$bulkhead" run "$A" "$cvm" "$B" bulkhead.VMShell </dev/null >/dev/null 2>&1
check "bulkhead.VMShell between domains is denied by default" test $? -eq 126
"$bulkhead" run "$A" "$cvm" "$B" bulkhead.ClipboardPaste </dev/null >/dev/null 2>&1
check "bulkhead.ClipboardPaste is not a call a domain may make" test $? -eq 126

# The audit log: one line per call, with decision and status.
audit="$BULKHEAD_STATE_DIR/qrexec-audit.log"
check "the audit log records an allowed call with its status" \
        grep -q "source=$A target=$B service=test.Status arg=- decision=allow status=42" "$audit"
check "the audit log records a denied call" \
        grep -q "source=$A target=$B service=test.Mark arg=- decision=deny status=-" "$audit"
check "the audit log names the disposable that ran a call" \
        grep -q "source=$A target=$name service=test.Echo arg=- decision=allow status=0" "$audit"

# No link or socket left behind in the domains' channel directories.
check "no rendezvous left in the channel directories" \
        sh -c "! find '$BULKHEAD_RUNTIME_DIR/vchan' -name 'in-*' | grep -q ."

[ "$failed" -eq 0 ]
