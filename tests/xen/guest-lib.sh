# shellcheck shell=sh
# Sourced by the dom0 and domU inits (busybox sh): runs one side of a test.
#
# Output protocol on the console, one line each, so the host can pick test
# output out of a serial log that Xen and the kernels also write to:
#   BH|<test>|<side>|1| <stdout line>
#   BH|<test>|<side>|2| <stderr line>

# Sets BH_NOW to whole seconds since boot, without forking.
bh_now() {
	read -r BH_UP _ </proc/uptime
	# shellcheck disable=SC2034 # read by the inits
	BH_NOW=${BH_UP%.*}
}

# bh_start NAME SIDE COMMAND: starts COMMAND under sh -c in a session of its
# own (so a timeout can kill everything it spawned) and returns at once.
# Its exit code lands in $BH_DIR/rc when it ends.
bh_start() {
	BH_DIR=/run/bh/$1.$2
	rm -rf "$BH_DIR"
	mkdir -p "$BH_DIR/cwd"
	mkfifo "$BH_DIR/1" "$BH_DIR/2"
	# One write per line keeps lines whole when several writers share the
	# console.
	awk -v p="BH|$1|$2|1| " '{ sub(/\r$/, ""); print p $0; fflush() }' <"$BH_DIR/1" &
	BH_AWK1=$!
	awk -v p="BH|$1|$2|2| " '{ sub(/\r$/, ""); print p $0; fflush() }' <"$BH_DIR/2" &
	BH_AWK2=$!
	(
		cd "$BH_DIR/cwd" || exit 1
		setsid sh -c "$3" >"$BH_DIR/1" 2>"$BH_DIR/2" </dev/null &
		echo $! >"$BH_DIR/pid"
		wait $!
		echo $? >"$BH_DIR/rc.new"
		mv "$BH_DIR/rc.new" "$BH_DIR/rc"
	) &
}

# bh_kill: kills the session started by the last bh_start.
bh_kill() {
	[ -s "$BH_DIR/pid" ] || return 0
	kill -KILL -- "-$(cat "$BH_DIR/pid")" 2>/dev/null || true
}

# bh_drain: waits (at most ~2 s) for the output forwarders to see EOF, so a
# test's last lines come before its result; a daemon the test left behind
# holding the pipe open must not stall the run.
bh_drain() {
	_n=0
	while [ $_n -lt 20 ]; do
		kill -0 "$BH_AWK1" 2>/dev/null || kill -0 "$BH_AWK2" 2>/dev/null || break
		# Zombies answer kill -0; reap those that are done.
		if [ ! -d "/proc/$BH_AWK1" ] || grep -q '^State:.*Z' "/proc/$BH_AWK1/status" 2>/dev/null; then
			if [ ! -d "/proc/$BH_AWK2" ] || grep -q '^State:.*Z' "/proc/$BH_AWK2/status" 2>/dev/null; then
				break
			fi
		fi
		sleep 0.1
		_n=$((_n + 1))
	done
	kill "$BH_AWK1" "$BH_AWK2" 2>/dev/null || true
	wait "$BH_AWK1" "$BH_AWK2" 2>/dev/null || true
}
