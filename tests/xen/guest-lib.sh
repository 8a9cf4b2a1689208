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
		BH_TEST=$1 setsid sh -c "$3" >"$BH_DIR/1" 2>"$BH_DIR/2" </dev/null &
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

# bh_drain: kills what the test left running in its session, then waits
# for the output forwarders to see EOF, so a test's last lines come before
# its result.  Something that left the session and holds the pipe open
# gets 2 s before the forwarders are cut off.
bh_drain() {
	bh_kill
	(sleep 2; kill "$BH_AWK1" "$BH_AWK2" 2>/dev/null) &
	_wd=$!
	wait "$BH_AWK1" "$BH_AWK2" 2>/dev/null || true
	kill "$_wd" 2>/dev/null || true
	wait "$_wd" 2>/dev/null || true
}
