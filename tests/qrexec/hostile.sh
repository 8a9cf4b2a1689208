#!/usr/bin/env bash
# qrexec-daemon against a hostile agent (tests/qrexec/hostile-agent.c).
# Real daemons share one runtime directory and one fake policy daemon
# (tests/qrexec/fake-policy.c, which denies everything): two serve hostile
# domains ("hostilevm" and "hostile2", taking turns so that one's pause
# before reconnecting is the other's turn), whose agents misbehave in a new
# way in each case; one serves "goodvm", whose agent calls a service every
# 100 ms all along.  Speaks TAP.
#
# Checked from outside, for each case: what the hostile agent saw (the
# channel closed, or the answers it was owed), the attacked daemon still
# running with one log line naming the domain and the violation, and the
# good domain's calls answered within a second throughout.  At the end: the
# policy daemon and the audit log only ever heard of the domains by the
# names the daemons were started with, no sanitizer report, clean exits.
set -u
daemon_bin=./qrexec/qrexec-daemon
hostile=./tests/qrexec/hostile-agent
policy_bin=./tests/qrexec/fake-policy
for b in "$daemon_bin" "$hostile" "$policy_bin"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bh-qh.XXXXXX")
export BULKHEAD_RUNTIME_DIR=$tmp/run
lanes=(hostilevm hostile2)
lane_pid=()
gdir=$tmp/vchan-goodvm
glog=$tmp/goodvm.log
mkdir -p "$BULKHEAD_RUNTIME_DIR" "$gdir" "$tmp/vchan-hostilevm" "$tmp/vchan-hostile2"
pids=()

cleanup() {
        for p in "${pids[@]}"; do
                kill -KILL "$p" 2>/dev/null
        done
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1))
        echo "not ok $n - $1"
        [ -s "$tmp/why" ] && sed 's/^/#   /' "$tmp/why"
        return 0
}
# check NAME FUNCTION...: a test function returns 0 to pass; what it
# writes to fd 3 explains a failure.
check() {
        local name=$1
        shift
        : >"$tmp/why"
        if "$@" 3>"$tmp/why"; then ok "$name"; else not_ok "$name"; fi
}
why() { echo "$*" >&3; }

wait_for() {
        local i
        for i in $(seq 1 100); do
                [ -e "$1" ] && return 0
                sleep 0.05
        done
        echo "# $1 never appeared" >&2
        return 1
}

count() { grep -c -- "$1" "$2" 2>/dev/null; }

no_sanitizer_report() {
        if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' "$@"; then
                why "sanitizer report: $(grep -hE 'Sanitizer|runtime error' "$@" | head -3)"
                return 1
        fi
}

start_daemon() { # NAME VCHAN-DIR LOG
        "$daemon_bin" --transport socket --vchan-dir "$2" --audit-log "$tmp/audit.log" "$1" 2>>"$3" &
        pids+=($!)
        daemon_pid=$!
}

# ---- the good domain ----------------------------------------------------------

good_mark=0
good_since_mark() { tail -n +"$((good_mark + 1))" "$tmp/good.out"; }
mark_good() { good_mark=$(wc -l <"$tmp/good.out"); }

# The good domain's calls since the mark: some answered, none late or lost.
good_kept_answering() {
        local since answered
        since=$(good_since_mark)
        answered=$(grep -c '^answered' <<<"$since")
        if [ "$answered" -lt 1 ] || grep -qE '^(late|unanswered|lost)' <<<"$since"; then
                why "goodvm meanwhile: $(tr '\n' ';' <<<"$since" | tail -c 400)"
                return 1
        fi
}

# ---- the cases -----------------------------------------------------------------

# hostile_case CASE EXPECTED [LANE]: runs the case against the daemon of
# lane LANE (0: hostilevm, 1: hostile2); EXPECTED is the reason the one new
# log line must give, or "-" when the case must leave no violation line.
hostile_case() {
        local case=$1 want=$2 name=${lanes[${3:-0}]} v0 v1 line
        local hlog=$tmp/$name.log
        local viol_re="domain $name: agent (broke the control protocol|does not read its control channel)"
        v0=$(grep -cE "$viol_re" "$hlog")
        mark_good
        "$hostile" --dir "$tmp/vchan-$name" "$case" >"$tmp/case.out" 2>"$tmp/case.err"
        local s=$?
        [ -s "$tmp/case.out" ] && sed 's/^/# /' "$tmp/case.out" >&2
        [ $s -eq 0 ] || { why "hostile-agent $case exited $s: $(cat "$tmp/case.err")"; return 1; }
        sleep 0.1
        kill -0 "${lane_pid[${3:-0}]}" 2>/dev/null || { why "qrexec-daemon for $name is gone"; return 1; }
        no_sanitizer_report "$hlog" || return 1
        v1=$(grep -cE "$viol_re" "$hlog")
        if [ "$want" = - ]; then
                [ "$v1" -eq "$v0" ] || { why "violation logged: $(grep -E "$viol_re" "$hlog" | tail -1)"; return 1; }
        else
                [ $((v1 - v0)) -eq 1 ] || { why "$((v1 - v0)) violation lines, not 1"; return 1; }
                line=$(grep -E "$viol_re" "$hlog" | tail -1)
                grep -qF -- "$want" <<<"$line" || { why "logged: $line"; return 1; }
        fi
        good_kept_answering
}

test_truncated() {
        local c0
        local hlog=$tmp/hostilevm.log c0
        c0=$(count 'domain hostilevm: control channel closed: the agent went away' "$hlog")
        hostile_case truncated - || return 1
        sleep 0.1
        [ "$(count 'domain hostilevm: control channel closed: the agent went away' "$hlog")" -gt "$c0" ] ||
                { why "no line about the lost connection"; return 1; }
}

test_lying_name() {
        hostile_case lying-name - || return 1
        grep -qx 'hostilevm goodvm test.Ping+goodvm' "$tmp/policy.log" ||
                { why "policy heard: $(grep goodvm "$tmp/policy.log" | grep -v '^goodvm @default' | head -3)"; return 1; }
        if grep -q '^goodvm goodvm' "$tmp/policy.log"; then
                why "policy was told goodvm called: $(grep '^goodvm goodvm' "$tmp/policy.log" | head -1)"
                return 1
        fi
        grep -q 'source=hostilevm target=goodvm service=test.Ping arg=goodvm decision=deny status=-' "$tmp/audit.log" ||
                { why "audit: $(grep 'arg=goodvm' "$tmp/audit.log" | head -1)"; return 1; }
}

test_burst() {
        local p0 p1
        p0=$(count '^hostilevm @default test.Hold' "$tmp/policy.log")
        hostile_case burst - || return 1
        p1=$(count '^hostilevm @default test.Hold' "$tmp/policy.log")
        # Only the calls let through reached the policy: no more processes
        # were started than may wait.
        [ $((p1 - p0)) -eq 64 ] || { why "$((p1 - p0)) calls reached the policy, not 64"; return 1; }
        grep -q 'domain hostilevm: call test.Hold refused: too many calls waiting for a decision' "$tmp/hostilevm.log" ||
                { why "no line about the refused calls"; return 1; }
}

test_policy_heard_only_true_names() {
        local bad
        bad=$(grep -vE '^(hostilevm|hostile2|goodvm) ' "$tmp/policy.log" | head -3)
        [ -z "$bad" ] || { why "policy heard: $bad"; return 1; }
        bad=$(grep -vE ' source=(hostilevm|hostile2|goodvm) ' "$tmp/audit.log" | head -3)
        [ -z "$bad" ] || { why "audit: $bad"; return 1; }
        # goodvm keeps calling: the policy may have heard one call whose
        # audit line is still to come, never the other way round.
        local audited asked
        audited=$(grep -c ' source=goodvm ' "$tmp/audit.log")
        asked=$(grep -c '^goodvm ' "$tmp/policy.log")
        [ "$audited" -le "$asked" ] && [ "$audited" -ge $((asked - 1)) ] ||
                { why "audit ($audited) and policy ($asked) disagree about goodvm's calls"; return 1; }
}

test_started() {
        local i
        for i in $(seq 1 100); do
                grep -q '^answered' "$tmp/good.out" && return 0
                sleep 0.05
        done
        why "goodvm's calls never answered: $(cat "$tmp/good.out" "$tmp/good.err" "$glog" | tail -5)"
        return 1
}

stop_daemon() { # PID LOG
        kill -TERM "$1"
        wait "$1"
        local s=$?
        [ $s -eq 0 ] || { why "exit status $s: $(tail -3 "$2")"; return 1; }
        no_sanitizer_report "$2"
}

# ---- run ------------------------------------------------------------------------

violations=(
        "trigger-before-hello:first message is not HELLO"
        "hello-v0:HELLO with version 0"
        "hello-twice:second HELLO"
        "unknown-type:message type the agent does not send (unknown"
        "run-service-from-agent:message type the agent does not send (RUN_SERVICE"
        "connect-from-agent:message type the agent does not send (SERVICE_CONNECT"
        "oversized:length over BH_QREXEC_MAX_PAYLOAD (TRIGGER, length 1025)"
        "huge-length:length over BH_QREXEC_MAX_PAYLOAD (TRIGGER, length 4294967295)"
        "short-trigger:message too short for its fields"
        "unterminated-string:string without its NUL"
        "long-service:string too long"
        "trailing-bytes:bytes after the last field"
        "bad-name-slash:TRIGGER service name malformed"
        "bad-name-dotdot:TRIGGER target malformed"
        "bad-name-space:TRIGGER argument malformed"
        "bad-name-control:TRIGGER service name malformed"
        "bad-name-dash:TRIGGER target malformed"
        "bad-name-dot:TRIGGER service name malformed"
        "port-low:TRIGGER data port out of range"
        "port-high:TRIGGER data port out of range"
        "done-never-sent:SERVICE_DONE for no service running"
        "status-256:SERVICE_DONE status over 255"
)
echo "1..$((${#violations[@]} + 13))"

"$policy_bin" "$BULKHEAD_RUNTIME_DIR/qrexec-policy.sock" "$tmp/policy.log" 2>"$tmp/policy.err" &
pids+=($!)
wait_for "$BULKHEAD_RUNTIME_DIR/qrexec-policy.sock"
for l in 0 1; do
        start_daemon "${lanes[$l]}" "$tmp/vchan-${lanes[$l]}" "$tmp/${lanes[$l]}.log"
        lane_pid[$l]=$daemon_pid
done
start_daemon goodvm "$gdir" "$glog"
good_daemon=$daemon_pid
"$hostile" --dir "$gdir" good >"$tmp/good.out" 2>"$tmp/good.err" &
good_agent=$!
pids+=($good_agent)
check "the daemons start; goodvm's calls are answered" test_started

i=0
for v in "${violations[@]}"; do
        c=${v%%:*}
        check "hostile agent '$c': channel closed, daemon lives on, one line: ${v#*:}" \
                hostile_case "$c" "${v#*:}" $((i % 2))
        i=$((i + 1))
done
check "hostile agent 'truncated': a lost connection, not a violation" test_truncated
check "hostile agent 'lying-name': policy and audit name the daemon's own domain" test_lying_name
# Each of these failed before its fix in qrexec/daemon.c: a call process
# kept the daemon's end of the control channel (start_call); answers were
# queued but not sent while a burst was read (queue/flush); calls and
# answers of a closed connection leaked into the next one (conn).
check "hostile agent 'replayed-id': channel closed, daemon lives on, one line: TRIGGER reuses the id" \
        hostile_case replayed-id "TRIGGER reuses the id of a call still waiting" 1
check "hostile agent 'flood-no-read': channel closed, daemon lives on, one line: agent does not read" \
        hostile_case flood-no-read "agent does not read its control channel; disconnecting" 1
check "hostile agent 'burst': 10000 calls, 64 wait for the policy, the rest refused at once" test_burst
check "hostile agent 'id-reused-after-reconnect': a new connection's ids are its own" \
        hostile_case id-reused-after-reconnect - 1
check "hostile agent 'stale-answer-after-reconnect': no answer for the previous connection's call" \
        hostile_case stale-answer-after-reconnect - 0
check "policy and audit only heard the names the daemons were started with" test_policy_heard_only_true_names
mark_good
sleep 0.3
check "goodvm still answered after all cases" good_kept_answering
kill -TERM "$good_agent" 2>/dev/null
check "qrexec-daemon for hostilevm exits 0 on SIGTERM, no sanitizer report" \
        stop_daemon "${lane_pid[0]}" "$tmp/hostilevm.log"
check "qrexec-daemon for hostile2 exits 0 on SIGTERM, no sanitizer report" \
        stop_daemon "${lane_pid[1]}" "$tmp/hostile2.log"
check "qrexec-daemon for goodvm exits 0 on SIGTERM, no sanitizer report" stop_daemon "$good_daemon" "$glog"
for f in "$tmp/hostilevm.log" "$tmp/hostile2.log" "$glog"; do
        grep -vE 'call test.Hold refused: too many calls|^qrexec-daemon: (source=|call test.(Ping|Hold) from)|^$' "$f" |
                tail -30 | sed "s|^|# ${f##*/}: |" >&2
done
exit 0
