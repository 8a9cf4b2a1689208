# shellcheck shell=sh disable=SC2034 # variables are set for the inits
# Sourced by the dom0 and domU inits (busybox sh): runs one side of a test.
#
# Starting a process costs 0.1-0.5 s in a PV guest under emulation, so the
# inits never poll: everything they wait for writes a line into one events
# fifo, read with a timeout:
#   rc <id> <code>   a test side ended
#   eof <id>         one of its two output forwarders saw end of file
#   anything else    a line from xenstore-watch (a node changed)
#
# Output protocol on the console, one line each, so the host can pick test
# output out of a serial log that Xen and the kernels also write to:
#   BH|<test>|<side>|1| <stdout line>
#   BH|<test>|<side>|2| <stderr line>

BH_EVENTS=/run/bh/events

# bh_events_open: fd 7 reads the events fifo.  Opened read-write, so it never
# reads end of file and writers never block.
bh_events_open() {
	mkfifo "$BH_EVENTS"
	exec 7<>"$BH_EVENTS"
}

# bh_next_event SECS: sets BH_EV to the next event line; returns 1 if none
# came within SECS (fractions allowed).
bh_next_event() {
	BH_EV=
	# shellcheck disable=SC3045 # busybox sh has read -t
	IFS= read -r -t "$1" BH_EV <&7
}

# Sets BH_NOW to whole seconds since boot and BH_UP to the exact figure,
# without starting a process.
bh_now() {
	read -r BH_UP _ </proc/uptime
	BH_NOW=${BH_UP%.*}
}

# bh_start ID NAME SIDE COMMAND: starts COMMAND under sh -c in a session of
# its own (so a timeout can kill everything it spawned) and returns at once.
# Its end comes as "rc ID code", then "eof ID" twice.
bh_start() {
	BH_DIR=/run/bh/$1.$3
	mkdir -p "$BH_DIR/cwd"
	mkfifo "$BH_DIR/1" "$BH_DIR/2"
	# One write per line keeps lines whole when several writers share the
	# console.
	awk -v p="BH|$2|$3|1| " -v id="$1" -v ev="$BH_EVENTS" \
		'{ sub(/\r$/, ""); print p $0; fflush() } END { print "eof " id > ev }' <"$BH_DIR/1" 7<&- &
	BH_AWK1=$!
	awk -v p="BH|$2|$3|2| " -v id="$1" -v ev="$BH_EVENTS" \
		'{ sub(/\r$/, ""); print p $0; fflush() } END { print "eof " id > ev }' <"$BH_DIR/2" 7<&- &
	BH_AWK2=$!
	(
		cd "$BH_DIR/cwd" || exit 1
		BH_TEST=$2 setsid sh -c "$4" >"$BH_DIR/1" 2>"$BH_DIR/2" </dev/null 7<&- &
		echo $! >"$BH_DIR/pid"
		wait $!
		echo "rc $1 $?" >"$BH_EVENTS"
	) 7<&- &
}

# bh_kill: kills the session started by the last bh_start (and so whatever
# the test left running behind it).
bh_kill() {
	read -r _pg <"$BH_DIR/pid" 2>/dev/null || return 0
	kill -KILL -- "-$_pg" 2>/dev/null || true
}

# bh_cut_forwarders: for a test that left a process outside its session
# holding the output pipes open.
bh_cut_forwarders() {
	kill "$BH_AWK1" "$BH_AWK2" 2>/dev/null || true
}
