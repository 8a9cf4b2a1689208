#!/usr/bin/env bash
# Integration tests of bulkhead-agent and dom0's bh_exec_run() (through
# tests/exec-run): the agent runs as a plain process on the host with a
# temporary vchan directory; commands run as the caller.  Speaks TAP.
#
# Checked from outside: bytes and exit codes seen by the caller, processes
# in /proc, the agent's log.
set -u
agent_bin=./agent/bulkhead-agent
run_bin=./tests/exec-run
hostile=./tests/exec/exec-hostile
for b in "$agent_bin" "$run_bin" "$hostile"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bh-exec.XXXXXX")
dir=$tmp/vchan
mkdir -p "$dir"
agent_pid=
extra_pids=()

cleanup() {
        for p in $(jobs -p) "${extra_pids[@]}" $agent_pid; do
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

start_agent() {
        BULKHEAD_VCHAN_DIR=$dir BULKHEAD_TRANSPORT=socket "$agent_bin" >/dev/null 2>>"$tmp/agent.log" &
        agent_pid=$!
}

er() { "$run_bin" --dir "$dir" "$@"; }
# For background clients: $! must be exec-run itself, not a subshell
# running a function, so that killing it kills the client.
er_bg() {
        "$run_bin" --dir "$dir" "$@" &
        client=$!
}

# Waits until the agent has only its listener and its qrexec control
# process left as children, none a zombie.
agent_idle() {
        local i kids
        for i in $(seq 1 100); do
                kids=$(ps -o stat= --ppid "$agent_pid" 2>/dev/null | wc -l)
                if [ "$kids" -eq 2 ] && ! ps -o stat= --ppid "$agent_pid" | grep -q Z; then
                        return 0
                fi
                sleep 0.05
        done
        why "agent children: $(ps -o pid=,stat=,args= --ppid "$agent_pid" | tr '\n' ';')"
        return 1
}

# Waits up to $2 seconds for process $1 to be gone (a zombie counts as there).
gone_within() {
        local i
        for i in $(seq 1 $(($2 * 20))); do
                [ -e "/proc/$1" ] || return 0
                sleep 0.05
        done
        why "process $1 still there: $(cat /proc/$1/stat 2>/dev/null)"
        return 1
}

wait_file() {
        local i
        for i in $(seq 1 100); do
                [ -s "$1" ] && return 0
                sleep 0.05
        done
        why "$1 never appeared"
        return 1
}

no_sanitizer_report() {
        if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$@"; then
                why "sanitizer report in $*"
                return 1
        fi
}

# ---- the tests ----------------------------------------------------------------

test_stdout_and_stderr_arrive_separately() {
        er -- sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2' \
                >"$tmp/o" 2>"$tmp/e" </dev/null || { why "status $?"; return 1; }
        [ "$(cat "$tmp/o")" = "$(printf 'out1\nout2')" ] || { why "stdout: $(cat "$tmp/o")"; return 1; }
        [ "$(cat "$tmp/e")" = "$(printf 'err1\nerr2')" ] || { why "stderr: $(cat "$tmp/e")"; return 1; }
}

test_argv_reaches_the_command_without_a_shell() {
        local out
        out=$(er -- printf '%s|' 'a b' '$HOME' '*' '' '; echo x' </dev/null)
        [ "$out" = 'a b|$HOME|*||; echo x|' ] || { why "got: $out"; return 1; }
}

test_exit_codes_pass_through() {
        local c
        for c in 0 1 3 42 255; do
                er -- sh -c "exit $c" </dev/null
                [ $? -eq "$c" ] || { why "exit $c gave $?"; return 1; }
        done
}

test_signals_give_128_plus_signal() {
        er -- sh -c 'kill -TERM $$' </dev/null
        [ $? -eq 143 ] || { why "SIGTERM gave $?"; return 1; }
        er -- sh -c 'kill -KILL $$' </dev/null
        [ $? -eq 137 ] || { why "SIGKILL gave $?"; return 1; }
}

test_missing_command_gives_127_and_a_clear_error() {
        er -- /nonexistent/bh-no-such-command </dev/null >"$tmp/o" 2>"$tmp/e"
        local s=$?
        [ $s -eq 127 ] || { why "status $s"; return 1; }
        grep -q '/nonexistent/bh-no-such-command: No such file or directory' "$tmp/e" ||
                { why "stderr: $(cat "$tmp/e")"; return 1; }
        er -- bh-no-such-command-in-path </dev/null 2>/dev/null
        [ $? -eq 127 ] || { why "PATH lookup gave $?"; return 1; }
}

test_non_executable_gives_126() {
        echo data >"$tmp/notexec"
        chmod 644 "$tmp/notexec"
        er -- "$tmp/notexec" </dev/null 2>"$tmp/e"
        local s=$?
        [ $s -eq 126 ] || { why "status $s"; return 1; }
        grep -q 'Permission denied' "$tmp/e" || { why "stderr: $(cat "$tmp/e")"; return 1; }
}

test_stdin_streams_64MiB_through_cat() {
        head -c 64M /dev/urandom >"$tmp/big"
        local want got t0 t1
        want=$(sha256sum <"$tmp/big" | cut -d' ' -f1)
        t0=$(date +%s.%N)
        got=$(er -- cat <"$tmp/big" | sha256sum | cut -d' ' -f1)
        t1=$(date +%s.%N)
        echo "# 64 MiB through cat: $(awk "BEGIN { print $t1 - $t0 }") s" >&2
        [ "$want" = "$got" ] || { why "checksum differs"; return 1; }
}

test_stdin_from_a_pipe_is_streamed() {
        local got
        got=$(head -c 8M /dev/zero | er -- sh -c 'cat | wc -c')
        [ "$got" -eq $((8 * 1024 * 1024)) ] || { why "got $got bytes"; return 1; }
}

test_stdout_streams_64MiB() {
        local got
        got=$(er -- head -c 64M /dev/zero </dev/null | wc -c)
        [ "$got" -eq $((64 * 1024 * 1024)) ] || { why "got $got bytes"; return 1; }
}

test_slow_reader_gets_everything() {
        local got
        got=$(er -- head -c 16M /dev/zero </dev/null | { sleep 1; wc -c; })
        [ "$got" -eq $((16 * 1024 * 1024)) ] || { why "got $got bytes"; return 1; }
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

test_stalled_reader_keeps_memory_bounded() {
        local client cmd session r1 r2
        rm -f "$tmp/pf"
        # The reader sleeps while the command writes as fast as it can:
        # unbounded buffering anywhere would grow by hundreds of MB.
        er_bg -- sh -c "echo \$\$ > $tmp/pf; exec cat /dev/zero" </dev/null > >(sleep 3; head -c 1M >/dev/null)
        wait_file "$tmp/pf" || return 1
        cmd=$(cat "$tmp/pf")
        session=$(awk '/^PPid/ { print $2 }' "/proc/$cmd/status")
        sleep 1.5
        r1=$(rss_kb "$client")
        r2=$(rss_kb "$session")
        echo "# stalled reader: exec-run RSS ${r1} kB, session RSS ${r2} kB" >&2
        wait "$client" 2>/dev/null
        [ "$r1" -lt 102400 ] && [ "$r2" -lt 102400 ] || { why "RSS exec-run $r1 kB, session $r2 kB"; return 1; }
        gone_within "$cmd" 5 && agent_idle
}

test_empty_stdin_and_null_stdin() {
        local got
        got=$(er -- cat </dev/null | wc -c)
        [ "$got" -eq 0 ] || { why "cat </dev/null gave $got bytes"; return 1; }
        got=$(er --null-stdin -- cat | wc -c)
        [ "$got" -eq 0 ] || { why "--null-stdin gave $got bytes"; return 1; }
}

test_command_closing_stdin_early_ends_cleanly() {
        local got
        got=$(head -c 64M /dev/zero | er -- head -c 10 | wc -c)
        [ "$got" -eq 10 ] || { why "got $got bytes"; return 1; }
}

test_reader_going_away_ends_the_command() {
        rm -f "$tmp/pf"
        er -- sh -c "echo \$\$ > $tmp/pf; exec yes" </dev/null | head -1 >/dev/null
        local s=${PIPESTATUS[0]}
        [ "$s" -eq 141 ] || { why "exec-run exited $s, not 141"; return 1; }
        wait_file "$tmp/pf" && gone_within "$(cat "$tmp/pf")" 5 && agent_idle
}

test_ten_concurrent_sessions() {
        local i pids=() t0 t1 client
        t0=$(date +%s%N)
        for i in $(seq 1 10); do
                er_bg -- sh -c "sleep 1; echo session $i; exit $i" </dev/null >"$tmp/c$i"
                pids+=($client)
        done
        for i in $(seq 1 10); do
                wait "${pids[$((i - 1))]}"
                local s=$?
                [ $s -eq "$i" ] || { why "session $i exited $s"; return 1; }
                [ "$(cat "$tmp/c$i")" = "session $i" ] || { why "session $i said $(cat "$tmp/c$i")"; return 1; }
        done
        t1=$(date +%s%N)
        # Ten one-second commands in well under ten seconds: they overlapped.
        [ $(((t1 - t0) / 1000000)) -lt 5000 ] || { why "took $(((t1 - t0) / 1000000)) ms"; return 1; }
        agent_idle
}

test_killed_client_ends_the_command() {
        rm -f "$tmp/pf"
        local client
        er_bg -- sh -c "echo \$\$ > $tmp/pf; exec sleep 1000" </dev/null
        wait_file "$tmp/pf" || return 1
        local cmd
        cmd=$(cat "$tmp/pf")
        kill -KILL "$client"
        wait "$client" 2>/dev/null
        gone_within "$cmd" 5 && agent_idle
}

test_killed_client_kills_a_command_ignoring_sighup() {
        rm -f "$tmp/pf"
        local client
        er_bg -- sh -c "trap '' HUP; echo \$\$ > $tmp/pf; while :; do sleep 0.1; done" </dev/null
        wait_file "$tmp/pf" || return 1
        local cmd
        cmd=$(cat "$tmp/pf")
        kill -KILL "$client"
        wait "$client" 2>/dev/null
        gone_within "$cmd" 6 || return 1
        # Nothing of its session is left running either (zombies of it wait
        # for the host's init, which is no concern of the agent's).
        sleep 0.2
        local left
        left=$(ps -o pid=,stat= --sid "$cmd" | grep -v ' Z')
        [ -z "$left" ] || { why "session $cmd still has $left"; return 1; }
        agent_idle
}

test_hostile_client() {
        local mode=$1 before after
        before=$(grep -c 'broke the protocol' "$tmp/agent.log")
        "$hostile" --dir "$dir" client "$mode" >"$tmp/h.out" 2>"$tmp/h.err" ||
                { why "$(cat "$tmp/h.err")"; return 1; }
        sleep 0.1
        after=$(grep -c 'broke the protocol' "$tmp/agent.log")
        [ $((after - before)) -eq 1 ] || { why "agent logged $((after - before)) protocol lines"; return 1; }
        [ "$(er -- echo alive </dev/null)" = alive ] || { why "agent no longer serves"; return 1; }
        agent_idle
}

test_hostile_agent() {
        local mode=$1 want=$2 s
        local fdir=$tmp/fake-$mode
        mkdir -p "$fdir"
        "$hostile" --dir "$fdir" agent "$mode" 2>"$tmp/fa.err" &
        local fake=$!
        "$run_bin" --dir "$fdir" --timeout 1000 -- true </dev/null >"$tmp/fo" 2>"$tmp/fe"
        s=$?
        kill "$fake" 2>/dev/null
        wait "$fake" 2>/dev/null
        no_sanitizer_report "$tmp/fe" || return 1
        case $want in
        [0-9]*)
                [ "$s" -eq "$want" ] || { why "status $s: $(cat "$tmp/fe")"; return 1; } ;;
        *)
                [ "$s" -eq 255 ] || { why "status $s, stderr: $(cat "$tmp/fe")"; return 1; }
                grep -q "($want)\$" "$tmp/fe" || { why "stderr: $(cat "$tmp/fe")"; return 1; }
                if [ "$want" = EPROTO ] && [ "$(grep -c 'broke the protocol' "$tmp/fe")" -ne 1 ]; then
                        why "not one protocol line: $(cat "$tmp/fe")"
                        return 1
                fi ;;
        esac
}

test_client_waits_for_a_late_agent() {
        local d2=$tmp/late
        mkdir -p "$d2"
        "$run_bin" --dir "$d2" --timeout 5000 -- echo late </dev/null >"$tmp/late.out" &
        local client=$!
        sleep 0.3
        BULKHEAD_VCHAN_DIR=$d2 "$agent_bin" >/dev/null 2>>"$tmp/agent2.log" &
        local a2=$!
        extra_pids+=($a2)
        wait "$client"
        local s=$?
        kill -TERM "$a2"
        wait "$a2" 2>/dev/null
        [ $s -eq 0 ] && [ "$(cat "$tmp/late.out")" = late ] || { why "status $s"; return 1; }
        # Its socket is gone after SIGTERM, so no client finds a stale one.
        [ -z "$(ls -A "$d2")" ] || { why "left behind: $(ls -A "$d2")"; return 1; }
}

test_no_agent_times_out() {
        local d3=$tmp/none
        mkdir -p "$d3"
        "$run_bin" --dir "$d3" --timeout 300 -- true </dev/null 2>"$tmp/e"
        local s=$?
        [ $s -eq 255 ] && grep -q '(ETIMEDOUT)$' "$tmp/e" || { why "status $s: $(cat "$tmp/e")"; return 1; }
}

test_argv_limits() {
        local args=() i
        for i in $(seq 1 1000); do args+=("a$i"); done
        [ "$(er -- echo "${args[@]}" </dev/null | wc -w)" -eq 1000 ] || { why "1000 args lost"; return 1; }
        for i in $(seq 1001 1100); do args+=("a$i"); done
        er -- echo "${args[@]}" </dev/null >/dev/null 2>"$tmp/e"
        [ $? -eq 255 ] && grep -q '(E2BIG)$' "$tmp/e" || { why "1100 args: $(cat "$tmp/e")"; return 1; }
}

test_many_sequential_sessions() {
        local i
        for i in $(seq 1 50); do
                [ "$(er -- echo $i </dev/null)" = "$i" ] || { why "run $i failed"; return 1; }
        done
        agent_idle
}

test_agent_log_is_clean() {
        no_sanitizer_report "$tmp/agent.log"
}

# ---- run ------------------------------------------------------------------------

agent_modes=$("$hostile" list agent)
client_modes=$("$hostile" list client)
echo "1..$((23 + $(echo "$agent_modes" | wc -l) + $(echo "$client_modes" | wc -l)))"

start_agent
check "stdout and stderr arrive separately" test_stdout_and_stderr_arrive_separately
check "argv reaches the command without a shell" test_argv_reaches_the_command_without_a_shell
check "exit codes pass through" test_exit_codes_pass_through
check "signals give 128 + signal" test_signals_give_128_plus_signal
check "missing command gives 127 and a clear error" test_missing_command_gives_127_and_a_clear_error
check "non-executable file gives 126" test_non_executable_gives_126
check "stdin streams 64 MiB through cat intact" test_stdin_streams_64MiB_through_cat
check "stdin from a pipe is streamed" test_stdin_from_a_pipe_is_streamed
check "stdout streams 64 MiB" test_stdout_streams_64MiB
check "a slow reader gets everything" test_slow_reader_gets_everything
check "a stalled reader keeps memory bounded on both sides" test_stalled_reader_keeps_memory_bounded
check "empty stdin and --null-stdin" test_empty_stdin_and_null_stdin
check "command closing stdin early ends cleanly" test_command_closing_stdin_early_ends_cleanly
check "reader going away ends the command" test_reader_going_away_ends_the_command
check "10 concurrent sessions" test_ten_concurrent_sessions
check "killed client ends the command, no zombie" test_killed_client_ends_the_command
check "killed client: a command ignoring SIGHUP gets SIGKILL" test_killed_client_kills_a_command_ignoring_sighup
for m in $client_modes; do
        check "hostile client '$m': session ends, one log line, agent serves on" test_hostile_client "$m"
done
for m in $agent_modes; do
        case $m in
        truncated) want=ECONNRESET ;;
        silent) want=ETIMEDOUT ;;
        valid) want=42 ;;
        *) want=EPROTO ;;
        esac
        check "hostile agent '$m': exec_client returns $want" test_hostile_agent "$m" "$want"
done
check "client waits for an agent that starts late; SIGTERM removes the socket" test_client_waits_for_a_late_agent
check "no agent: the client times out" test_no_agent_times_out
check "argv of 1000 arguments runs, 1100 is refused" test_argv_limits
check "50 sessions in a row" test_many_sequential_sessions
kill -TERM "$agent_pid"
wait "$agent_pid"
s=$?
agent_pid=
if [ $s -eq 0 ]; then ok "agent exits 0 on SIGTERM"; else not_ok "agent exits 0 on SIGTERM (status $s)"; fi
check "agent log has no sanitizer report" test_agent_log_is_clean
[ -s "$tmp/agent.log" ] && sed 's/^/# agent: /' "$tmp/agent.log" >&2
exit 0
