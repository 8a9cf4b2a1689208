#!/usr/bin/env bash
# The whonix-gateway recipe in a domain.  Its host form: `bulkhead template
# build host NAME --customize templates/whonix-gateway/customize`, then a
# domain from it runs the host's tor with the recipe's torrc and start
# script.  With BH_TEST_WHONIX_TEMPLATE=1 also its image form, built with
# mmdebstrap through the CLI (about a minute here, downloads its packages;
# docs/testing.md), checked the same way.  Checked from outside: the CLI,
# tor's processes and sockets in the domain, the private volume on disk.
# Speaks TAP.
#
# The domains have no netvm: their network namespace holds loopback only,
# so tor cannot reach anything and never bootstraps; nothing here sends a
# packet anywhere else (the image build downloads Debian packages).  Needs
# root and the host's tor; skipped otherwise.
set -uo pipefail

top=$(cd "${srcdir:-$(dirname "$0")/../..}" && pwd)
. "$top/tests/lib/daemon.sh"
need_root
if [ ! -x /usr/sbin/tor ] && [ ! -x /usr/bin/tor ]; then
        echo "1..0 # SKIP tor is not installed on this host (apt-get install tor)"
        exit 0
fi

daemon_setup bh-wgw
image=${BH_TEST_WHONIX_TEMPLATE:-0}
dom=wgw1
console="$BULKHEAD_STATE_DIR/logs/$dom.log"
private="$BULKHEAD_STATE_DIR/volumes/$dom/private"

wait_for() {
        local t=$1; shift
        for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
        return 1
}
tor_running() { "$bulkhead" run "$dom" sh -c '[ "$(ps -o user:16=,uid=,comm= -C tor | tr -s " ")" = "debian-tor 180 tor" ]'; }
# listening PROTO PORT: a socket of the domain's bound to 0.0.0.0:PORT
# (TCP in LISTEN state), read from its own /proc/net.
listening() {
        local hex
        hex=$(printf '%04X' "$2")
        "$bulkhead" run "$dom" awk -v a="00000000:$hex" -v tcp="$([ "$1" = tcp ] && echo 1)" \
                '$2 == a && (!tcp || $4 == "0A") { f = 1 } END { exit !f }' "/proc/net/$1"
}

ports_ok() {
        listening tcp 9040 && listening udp 5300 && listening tcp 9050 &&
                for p in $(seq 9100 9109); do listening tcp "$p" || return 1; done
}

# gateway_up FORM: the checks both forms share, on the running $dom (7).
gateway_up() {
        check "$1: the domain's network is loopback only" \
                "$bulkhead" run "$dom" sh -c '[ "$(awk "NR > 2 { sub(\":\", \"\", \$1); print \$1 }" /proc/net/dev)" = lo ]'
        check "$1: tor runs in the domain as debian-tor, uid 180" wait_for 20 tor_running
        "$bulkhead" run "$dom" ps -o user:16,uid,pid,comm -C tor | sed 's/^/# /'
        check "$1: the start script is logged with status 0" \
                grep -q 'start: /etc/bulkhead/start.d/50-tor exited with status 0' "$console"
        check "$1: its torrc has TransPort 9040 and includes /home/tor/torrc.d last" \
                "$bulkhead" run "$dom" sh -c 'grep -qx "TransPort 0.0.0.0:9040" /etc/tor/torrc && [ "$(grep -v "^#" /etc/tor/torrc | grep . | tail -1)" = "%include /home/tor/torrc.d/" ]'
        check "$1: tor listens on TransPort 9040, DNSPort 5300 (udp), SocksPorts 9050 and 9100-9109" \
                wait_for 10 ports_ok
        check "$1: its state is on the private volume: /home/tor/data is debian-tor's, mode 700" \
                sh -c "[ \"\$(stat -c '%u:%g %a' '$private/tor/data')\" = '180:180 700' ]"
        check "$1: tor writes its notices to /home/tor/notices.log" \
                wait_for 10 grep -q 'Opened Socks listener' "$private/tor/notices.log"
}

echo "1..$((12 + (image == 1 ? 10 : 0)))"
daemon_start || { echo "Bail out! bulkheadd does not start"; exit 1; }

check "template build host with the whonix-gateway recipe's customize" \
        "$bulkhead" template build host wgwt --customize "$top/templates/whonix-gateway/customize"
"$bulkhead" create "$dom" --template wgwt --label purple >/dev/null
"$bulkhead" start "$dom"
gateway_up host

# dom0's way to add configuration without a rebuild: a file in torrc.d.
echo "SocksPort 0.0.0.0:9199" >"$private/tor/torrc.d/50-test.conf"
"$bulkhead" shutdown "$dom"
wait_for 10 sh -c "[ \"\$('$bulkhead' prefs $dom state)\" = halted ]"
check "shutdown stops tor with the domain" \
        sh -c "[ \"\$('$bulkhead' prefs $dom state)\" = halted ] && ! grep -q 'killing them' '$console'"
"$bulkhead" start "$dom"
check "after a restart tor runs again on the same data directory" wait_for 20 tor_running
check "a file in /home/tor/torrc.d adds to the torrc" wait_for 10 listening tcp 9199
"$bulkhead" kill "$dom"
check "the template's root was not changed by the domain" \
        test ! -e "$BULKHEAD_STATE_DIR/templates/wgwt/current/root/home/tor"

if [ "$image" = 1 ]; then
        export BULKHEAD_TEMPLATES_DIR="$top/templates" BULKHEAD_AGENT_DIR="$agents"
        t=$SECONDS
        if "$bulkhead" template build whonix-gateway --kind whonix-gateway >"$work/image.log" 2>&1; then
                ok "image: template build whonix-gateway (mmdebstrap) through the CLI"
        else
                not_ok "image: template build whonix-gateway (mmdebstrap) through the CLI"
                tail -20 "$work/image.log" | sed 's/^/# /'
        fi
        echo "# built in $((SECONDS - t)) s: $(du -sm "$BULKHEAD_STATE_DIR/templates/whonix-gateway/current/root" | cut -f1) MiB root"
        root="$BULKHEAD_STATE_DIR/templates/whonix-gateway/current/root"
        check "image: tor's postinst kept debian-tor at uid 180 (/var/lib/tor is 180's)" \
                sh -c "grep -q '^debian-tor:x:180:180:' '$root/etc/passwd' && [ \"\$(stat -c %u:%g '$root/var/lib/tor')\" = 180:180 ]"
        check "image: the root has tor of its own and no X" \
                sh -c "[ -x '$root/usr/sbin/tor' ] && [ ! -e '$root/usr/bin/Xvfb' ]"
        dom=wgwimg1
        console="$BULKHEAD_STATE_DIR/logs/$dom.log"
        private="$BULKHEAD_STATE_DIR/volumes/$dom/private"
        "$bulkhead" create "$dom" --template whonix-gateway --label purple >/dev/null
        "$bulkhead" start "$dom"
        gateway_up image
        "$bulkhead" kill "$dom"
fi

if [ "$failed" -ne 0 ]; then
        echo "# console of $dom:"; tail -20 "$console" | sed 's/^/#   /'
        echo "# tor's notices:"; tail -10 "$private/tor/notices.log" 2>/dev/null | sed 's/^/#   /'
        echo "# bulkheadd:"; tail -10 "$log" | sed 's/^/#   /'
fi
[ "$failed" -eq 0 ]
