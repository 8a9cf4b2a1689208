#!/usr/bin/env bash
# Network domains on the container backend (docs/networking.md): a chain
# net -> firewall -> app domains, from a real bulkheadd and real namespaces,
# checked from outside as a user would.  The "internet" is a network
# namespace this test makes, holding documentation addresses only
# (192.0.2.0/24 for the uplink, 203.0.113.0/24 for test hosts); no packet
# can leave it.  Speaks TAP; needs root.
set -uo pipefail

. "$(dirname "$0")/../lib/daemon.sh"
need_root
need_tools nft python3 curl ip

daemon_setup bh-net
inet=bhnc-inet-$$
servers=()
test_cleanup() {
        for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
        ip netns del "$inet" 2>/dev/null
}

# The test internet: a namespace with the test hosts on its loopback.  A
# TCP server on 203.0.113.10 ports 80 and 8080 answers with the address it
# saw; a UDP "DNS" server on 203.0.113.53:53 answers every datagram with
# the address it came from.
ip netns add "$inet" || { echo "Bail out! cannot make a network namespace"; exit 1; }
ip -n "$inet" link set lo up
ip -n "$inet" addr add 203.0.113.10/32 dev lo
ip -n "$inet" addr add 203.0.113.53/32 dev lo
cat >"$work/servers.py" <<'PYEOF'
import socket, sys, threading
def tcp(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("203.0.113.10", port)); s.listen(16)
    while True:
        c, a = s.accept()
        try:
            c.settimeout(5); c.recv(4096)
            body = ("seen %s\n" % a[0]).encode()
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        except OSError:
            pass
        c.close()
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("203.0.113.53", 53))
    while True:
        d, a = s.recvfrom(512); s.sendto(("dns-seen %s" % a[0]).encode(), a)
for p in (80, 8080):
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
udp()
PYEOF
ip netns exec "$inet" python3 "$work/servers.py" 2>"$work/servers.log" &
servers+=($!)

daemon_start || { echo "Bail out! bulkheadd does not start"; exit 1; }

echo "1..26"
bh() { "$bulkhead" "$@"; }
# get DOMAIN PORT: what the test web server saw, through DOMAIN's network
get() { bh run "$1" curl -sS -m 3 "http://203.0.113.10:$2/" 2>/dev/null; }
reaches() { [ "$(get "$1" "$2")" = "seen $3" ]; }
blocked() { [ -z "$(get "$1" "$2")" ]; }
ip_of() { bh prefs "$1" ip; }

bh template build host >/dev/null
bh create ncnet --template host --provides-network yes >/dev/null &&
        bh prefs ncnet uplink "netns:$inet" && bh prefs ncnet uplink-address 192.0.2.2/24 &&
        bh prefs ncnet uplink-gateway 192.0.2.1 && bh prefs ncnet uplink-dns 203.0.113.53
check "a network domain with its uplink in the test's namespace" [ "$(bh prefs ncnet provides-network)" = yes ]
check "a firewall domain behind it" bh create ncfw --template host --provides-network yes --netvm ncnet
check "two app domains behind that" sh -c "'$bulkhead' create ncapp --template host --netvm ncfw && '$bulkhead' create ncapp2 --template host --netvm ncfw"
a1=$(ip_of ncapp) a2=$(ip_of ncapp2) fw=$(ip_of ncfw) net=$(ip_of ncnet)
check "each has its own address from 10.137.0.0/16 ($net $fw $a1 $a2)" \
        sh -c "printf '%s\n' $net $fw $a1 $a2 | grep -c '^10\.137\.' | grep -qx 4 && [ \$(printf '%s\n' $net $fw $a1 $a2 | sort -u | wc -l) = 4 ]"
check "starting an app domain starts its netvm chain" \
        sh -c "'$bulkhead' start ncapp && '$bulkhead' ls ncfw | grep -q running && '$bulkhead' ls ncnet | grep -q running"
addrs=$(bh run ncapp ip -4 -o addr show dev eth0)
check "the app domain has the address dom0 gave it, on eth0" grep -q " $a1/32 " <<<"$addrs"
routes=$(bh run ncapp ip route)
check "its default route is its netvm" grep -q "^default via $fw dev eth0" <<<"$routes"
check "it reaches a test host; the host sees the first hop's uplink address (NAT at each hop)" reaches ncapp 80 192.0.2.2
check "DNS to 10.139.1.1 reaches the uplink's DNS server, NATed" \
        sh -c "'$bulkhead' run ncapp python3 -c 'import socket; s=socket.socket(2,2); s.settimeout(3); s.sendto(b\"q\",(\"10.139.1.1\",53)); print(s.recv(99).decode())' | grep -qx 'dns-seen 192.0.2.2'"
check "the domain cannot change its own address (no CAP_NET_ADMIN)" \
        sh -c "! '$bulkhead' run ncapp ip addr add 10.137.9.9/32 dev eth0 2>/dev/null"
check "nor its routes" sh -c "! '$bulkhead' run ncapp ip route replace default dev eth0 2>/dev/null"

# Clients of one netvm cannot reach each other.
bh start ncapp2 >/dev/null
bh run ncapp2 sh -c "exec python3 -m http.server -b $a2 8000 >/dev/null 2>&1" >/dev/null 2>&1 &
srv=$!
sleep 1
check "a second client works" reaches ncapp2 80 192.0.2.2
check "one client cannot reach another through their netvm" \
        sh -c "! '$bulkhead' run ncapp curl -sS -m 2 -o /dev/null http://$a2:8000/ 2>/dev/null"
kill $srv 2>/dev/null

# The firewall, enforced in the netvm.
bh firewall ncapp add drop dst=203.0.113.10 proto=tcp port=80 >/dev/null
check "firewall: a drop rule blocks that port" blocked ncapp 80
check "... and only that port" reaches ncapp 8080 192.0.2.2
check "... and only for that domain" reaches ncapp2 80 192.0.2.2
bh firewall ncapp del 1 >/dev/null
check "firewall: deleting the rule opens it again" reaches ncapp 80 192.0.2.2
bh firewall ncapp default drop >/dev/null
bh firewall ncapp add accept dst=203.0.113.0/24 proto=tcp port=80 >/dev/null
check "firewall: default drop with one accept rule" sh -c "$(declare -f bh get reaches blocked); bulkhead='$bulkhead'; reaches ncapp 80 192.0.2.2 && blocked ncapp 8080"
check "firewall --json lists the rules" sh -c "'$bulkhead' firewall ncapp --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"default\"]==\"drop\" and d[\"rules\"][0][\"port\"]==\"80\"'"
check "firewall: a bad rule is refused with the reason" \
        sh -c "'$bulkhead' firewall ncapp add accept port=80 2>&1 | grep -q 'port= needs proto=tcp or proto=udp'"
bh firewall ncapp default accept >/dev/null
bh firewall ncapp del 1 >/dev/null

# Re-plumbing: a new netvm while running, a restarted netvm.
bh prefs ncapp netvm ncnet
routes=$(bh run ncapp ip route)
check "netvm changed while running: re-plumbed to the new one" grep -q "^default via $net dev eth0" <<<"$routes"
bh prefs ncapp netvm ncfw
bh kill ncfw
bh start ncfw
check "a restarted netvm takes its running clients back" reaches ncapp 80 192.0.2.2

# Refusals.
check "netvm must provide network" sh -c "! '$bulkhead' prefs ncapp netvm ncapp2 2>/dev/null"
bh create ncloop --template host --provides-network yes --netvm ncfw >/dev/null
check "a netvm chain cannot loop" sh -c "'$bulkhead' prefs ncfw netvm ncloop 2>&1 | grep -q 'leads back'"

bh create ncanon --template host --netvm ncfw >/dev/null
check "a halted domain behind a router cannot be made anonymous, and the registry spelling of a key is the same key" \
        sh -c "'$bulkhead' prefs ncanon anon yes 2>&1 | grep -q 'must be a Tor gateway' &&
               '$bulkhead' prefs ncanon provides_network yes && [ \"\$('$bulkhead' prefs ncanon provides-network)\" = yes ]"

# The default chain (made, not started: its uplink would be dom0's network).
check "network init makes sys-net (uplink host) and sys-firewall behind it" \
        sh -c "'$bulkhead' network init >/dev/null && [ \"\$('$bulkhead' prefs sys-net uplink)\" = host ] &&
               [ \"\$('$bulkhead' prefs sys-firewall netvm)\" = sys-net ] &&
               [ \"\$('$bulkhead' prefs sys-firewall provides-network)\" = yes ]"

daemon_log_on_failure
exit 0
