#!/usr/bin/env bash
# An anonymous workstation behind a Tor gateway, end to end on the
# container backend (docs/networking.md): the gateway is made from the
# whonix-gateway recipe (its host form: this machine's tor with the
# recipe's torrc), the workstation from whonix-workstation, and the Tor
# network is a private one (tests/net/tornet) inside a namespace this test
# makes, with documentation addresses only.  Every check looks from
# outside: what the test web and DNS servers saw, and a capture on the
# first hop's uplink.  Speaks TAP; needs root and tor.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib/daemon.sh"
need_root
need_tools tor tor-gencert nft tcpdump python3 curl ip

daemon_setup bh-anon
inet=bhan-inet-$$
tn="$work/tornet"
cap_pid=
test_cleanup() {
        [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
        "$src/tests/net/tornet" stop --dir "$tn" >/dev/null 2>&1
        ip netns del "$inet" 2>/dev/null
}

echo "1..16"
[ -x "$bulkhead" ] || { echo "Bail out! no $bulkhead: build the tree first"; exit 1; }
ip netns add "$inet" || { echo "Bail out! cannot make a network namespace"; exit 1; }
mkdir -p "$tn"
if ! "$src/tests/net/tornet" start --netns "$inet" --dir "$tn" >"$work/tornet.out" 2>&1; then
        sed 's/^/# /' "$work/tornet.out" | tail -30
        echo "Bail out! the private Tor network did not come up"
        exit 1
fi
ok "a private Tor network in the test's namespace ($(tail -1 "$work/tornet.out"))"

daemon_start || { echo "Bail out! bulkheadd does not start"; exit 1; }
bh() { "$bulkhead" "$@"; }

bh template build host >/dev/null &&
        bh template build host gwt --customize "$src/templates/whonix-gateway/customize" >/dev/null &&
        bh template build host wst --customize "$src/templates/whonix-workstation/customize" >/dev/null
check "templates from the whonix recipes (host form)" bh ls gwt

bh create anet --template host --provides-network yes >/dev/null &&
        bh prefs anet uplink "netns:$inet" && bh prefs anet uplink-address 192.0.2.2/24 &&
        bh prefs anet uplink-gateway 192.0.2.1
check "create --anon: a gateway and a workstation behind it" \
        sh -c "'$bulkhead' create --anon anws --template wst --gateway-template gwt --netvm anet >/dev/null &&
               [ \"\$('$bulkhead' prefs anws-gw provides-network)\" = tor ] &&
               [ \"\$('$bulkhead' prefs anws netvm)\" = anws-gw ] && [ \"\$('$bulkhead' prefs anws anon)\" = yes ]"
# The gateway's tor uses the private network: its torrc includes what dom0
# puts in its private volume.
priv="$BULKHEAD_STATE_DIR/volumes/anws-gw/private"
mkdir -p "$priv/tor/torrc.d" && cp "$tn/client.torrc" "$priv/tor/torrc.d/testnet.conf"

# Everything the first hop sends towards the test internet, from here on.
up_if=bhu$(($(bh prefs anet ip | cut -d. -f3) * 256 + $(bh prefs anet ip | cut -d. -f4)))
bh start anet >/dev/null
# Control: the capture does see a leak, here a plain client of the first hop
# that goes straight to the test host.
bh create anplain --template host --netvm anet >/dev/null
ip netns exec "$inet" tcpdump -i "$up_if" -Q in -n -w "$work/control.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1
bh run anplain curl -sS -m 5 -o /dev/null http://203.0.113.10/ >/dev/null 2>&1
sleep 1
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null
bh kill anplain >/dev/null
seen=$(ip netns exec "$inet" tcpdump -n -r "$work/control.pcap" 'ip and dst host 203.0.113.10' 2>/dev/null | wc -l)
check "control: the uplink capture sees a plain client's direct request ($seen packets)" [ "$seen" -gt 0 ]
# The web server's log from here on is the workstation's alone.
web_base=$(wc -l <"$tn/web.log")

ip netns exec "$inet" tcpdump -i "$up_if" -Q in -n -w "$work/uplink.pcap" -U >/dev/null 2>&1 &
cap_pid=$!
sleep 1

check "the workstation starts behind its gateway" bh start anws
check "its hostname is generic" [ "$(bh run anws hostname)" = host ]
# Tor in the gateway bootstraps through the private network.
boot=0
for _ in $(seq 120); do
        out=$(bh run anws curl -sS -m 10 http://203.0.113.10/ 2>/dev/null) && [ -n "$out" ] && break
        sleep 1
        boot=$((boot + 1))
done
check "HTTP from the workstation reaches the test web server (after ${boot} s of bootstrap)" [ -n "$out" ]
exit_addr=$(awk '$3 == "exit" {print $2}' "$tn/nodes.txt")
check "the web server saw the exit relay ($exit_addr), never the workstation or the uplink" \
        sh -c "tail -n +$((web_base + 1)) '$tn/web.log' >'$work/web.new' && grep -q '^$exit_addr' '$work/web.new' && ! grep -qE '^(10\.137\.|192\.0\.2\.)' '$work/web.new'"
dns=$(bh run anws python3 -c 'import socket; print(socket.gethostbyname("web.test"))' 2>&1)
# The DNS server's log: "CLIENT NAME TYPE RCODE" per query.
if [ "$dns" = 203.0.113.10 ] && awk -v e="$exit_addr" 'tolower($2) ~ /^web\.test\.?$/ {n++; if ($1 != e) bad++} END {exit !(n > 0 && !bad)}' "$tn/dns.log"; then
        ok "DNS from the workstation is answered through Tor: web.test -> $dns, asked by the exit relay only"
else
        not_ok "DNS from the workstation is answered through Tor (web.test -> $dns)" "$(tail -5 "$tn/dns.log" 2>&1)"
fi

gw_ip=$(bh prefs anws-gw ip)
out=$(bh run anws curl -sS -m 20 --socks5-hostname "$gw_ip:9101" http://web.test/ 2>/dev/null)
check "the gateway's stream-isolated SOCKS port answers the workstation, through Tor" \
        sh -c "printf '%s' '$out' | grep -q '$exit_addr'"
check "in the gateway, only tor reaches the uplink: root there cannot" \
        sh -c "! '$bulkhead' run anws-gw curl -sS -m 3 -o /dev/null http://203.0.113.10/ 2>/dev/null"

# What must not leave: UDP other than DNS, ICMP, IPv6, direct TCP around Tor.
bh run anws python3 -c 'import socket; s=socket.socket(2,2); s.sendto(b"leak", ("203.0.113.53", 9999))' >/dev/null 2>&1
bh run anws ping -c 2 -W 1 203.0.113.10 >/dev/null 2>&1
bh run anws python3 -c 'import socket; s=socket.socket(10,1); s.settimeout(2); s.connect(("2001:db8::10", 80))' >/dev/null 2>&1
sleep 2
kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=
count() { ip netns exec "$inet" tcpdump -n -r "$work/uplink.pcap" "$1" 2>/dev/null | wc -l; }
# The capture saw Tor's own traffic, so it works; and nothing else.
check "capture on the uplink: every IPv4 packet goes to a Tor relay ($(count 'ip') packets)" \
        sh -c "[ $(count 'ip and dst net 198.51.100.0/24') -gt 0 ] && [ $(count 'ip and not dst net 198.51.100.0/24') = 0 ]"
check "capture on the uplink: no UDP, no ICMP, no IPv6" \
        [ "$(count 'udp or icmp or ip6')" = 0 ]

# A disposable anonymous workspace: a dispvm-template behind the gateway.
bh create anwsdvm --class dispvm-template --template wst --netvm anws-gw >/dev/null &&
        bh prefs anwsdvm anon yes
out=$(bh run --disposable --template anwsdvm sh -c 'hostname; curl -sS -m 20 http://203.0.113.10/' 2>/dev/null)
check "a disposable anonymous workspace: generic hostname, traffic through Tor" \
        sh -c "[ \"\$(printf '%s\n' '$out' | head -1)\" = host ] && printf '%s\n' '$out' | grep -q '$exit_addr'"

# Fail closed: no Tor, no network.
before=$(bh run anws curl -sS -m 20 http://203.0.113.10/ 2>/dev/null)
bh run anws-gw pkill -x tor >/dev/null 2>&1
sleep 1
after=$(bh run anws curl -sS -m 5 http://203.0.113.10/ 2>/dev/null)
check "Tor stopped in the gateway: the workstation, online a moment before, reaches nothing" \
        sh -c "[ -n '$before' ] && [ -z '$after' ]"
check "an anonymous workstation refuses a netvm that is not a Tor gateway" \
        sh -c "'$bulkhead' prefs anws netvm anet 2>&1 | grep -q 'must be a Tor gateway'"

daemon_log_on_failure
exit 0
