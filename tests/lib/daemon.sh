# Sourced by the shell tests that drive a real bulkheadd and the CLI
# (tests/net/*.sh, tests/domains/boot-services.sh, ...).  Gives them:
#
#   ok NAME / not_ok NAME [DETAIL...] / check NAME CMD...   TAP lines; $failed counts
#   need_root; need_tools TOOL...    a TAP skip (exit 0) when missing
#   daemon_setup PREFIX              a private work dir ($work), state and
#                                    runtime dirs, $log; cleanup on exit
#   daemon_start                     bulkheadd from the build, ready when it answers
#   daemon_log_on_failure            the end of bulkheadd's log as TAP comments
#
# A test that needs more cleanup defines test_cleanup(); it runs first.
# BH_KEEP=1 keeps the work directory for a look afterwards.
# shellcheck shell=bash

build=${BUILD_DIR:-$PWD}
bulkhead="$build/dom0/bulkhead"
bulkheadd="$build/dom0/bulkheadd"
agents="$build/agent"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        for l in "$@"; do echo "# $l"; done
}
check() {
        local name=$1
        shift
        if "$@"; then ok "$name"; else not_ok "$name"; fi
}

need_root() {
        [ "$(id -u)" -eq 0 ] && return 0
        echo "1..0 # SKIP needs root"
        exit 0
}
need_tools() {
        for t in "$@"; do
                command -v "$t" >/dev/null && continue
                echo "1..0 # SKIP $t is not installed"
                exit 0
        done
}

daemon_pid=
daemon_main_pid=
daemon_cleanup() {
        # Only the test itself cleans up, never a background subshell of it
        # (bash runs the EXIT trap in those too).
        [ "$BASHPID" = "$daemon_main_pid" ] || return 0
        declare -F test_cleanup >/dev/null && test_cleanup
        # App domains outlive bulkheadd by design: end this test's first.
        for d in $("$bulkhead" ls 2>/dev/null | awk 'NR > 1 && $3 != "halted" {print $1}'); do
                "$bulkhead" kill "$d" >/dev/null 2>&1
        done
        if [ -n "$daemon_pid" ]; then
                kill "$daemon_pid" 2>/dev/null
                wait "$daemon_pid" 2>/dev/null
        fi
        if [ "${BH_KEEP:-0}" = 1 ]; then echo "# kept $work"; else rm -rf "$work"; fi
}

daemon_setup() {
        work=$(mktemp -d "/tmp/$1.XXXXXX")
        export BULKHEAD_STATE_DIR="$work/state" BULKHEAD_RUNTIME_DIR="$work/run"
        log="$work/bulkheadd.log"
        daemon_main_pid=$BASHPID
        trap daemon_cleanup EXIT
}

daemon_start() {
        "$bulkheadd" --no-gui --agent-dir "$agents" >>"$log" 2>&1 &
        daemon_pid=$!
        # Ready once it answers: a dead daemon's socket may still be there.
        for _ in $(seq 250); do
                "$bulkhead" ls >/dev/null 2>&1 && return 0
                kill -0 "$daemon_pid" 2>/dev/null || break
                sleep 0.02
        done
        echo "# bulkheadd did not come up:"
        tail -5 "$log" | sed 's/^/# /'
        return 1
}

daemon_log_on_failure() {
        [ "$failed" -eq 0 ] && return 0
        echo "# bulkheadd log:"
        tail -20 "$log" | sed 's/^/# /'
}
