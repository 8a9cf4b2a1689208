/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a netvm chain costs (docs/networking.md): TCP round trips and bulk
 * throughput from an app domain through a firewall domain and a network
 * domain to a server in a test namespace, beside the same client in a
 * namespace with a plain veth to that server, in the same run.  Prints one
 * JSON document.
 *
 *   bench/net [--quick] [--bulkhead DIR]
 *
 * Runs its own bulkheadd on temporary state and runtime directories, and
 * its own namespaces (root needed); every address is a documentation one
 * and nothing leaves the namespaces it makes.  The client and server are
 * the same small Python programs on both paths, so their cost cancels out
 * of the ratios.  --bulkhead names the build directory holding dom0/ and
 * agent/ (default: the one this program is in).
 */
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* The server: 1-byte echo on port 7, a sink on port 9 that answers "ok"
 * after the sender's end of stream. */
static const char server_py[] =
        "import socket, threading\n"
        "def serve(port, fn):\n"
        "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "    s.bind(('203.0.113.10', port)); s.listen(8)\n"
        "    while True:\n"
        "        c, _ = s.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()\n"
        "def echo(c):\n"
        "    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
        "    while (b := c.recv(1)): c.sendall(b)\n"
        "def sink(c):\n"
        "    while c.recv(1 << 20): pass\n"
        "    c.sendall(b'ok'); c.close()\n"
        "threading.Thread(target=serve, args=(7, echo), daemon=True).start()\n"
        "serve(9, sink)\n";

/* The client: argv[1] round trips, argv[2] MiB; one JSON line. */
static const char client_py[] =
        "import json, socket, sys, time\n"
        "n, mib = int(sys.argv[1]), int(sys.argv[2])\n"
        "c = socket.create_connection(('203.0.113.10', 7), timeout=30)\n"
        "c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
        "rtt = []\n"
        "for _ in range(n):\n"
        "    t = time.perf_counter(); c.sendall(b'x'); c.recv(1); rtt.append((time.perf_counter() - t) * 1e6)\n"
        "rtt.sort()\n"
        "s = socket.create_connection(('203.0.113.10', 9), timeout=60)\n"
        "buf = b'\\0' * (1 << 20); t = time.perf_counter()\n"
        "for _ in range(mib): s.sendall(buf)\n"
        "s.shutdown(socket.SHUT_WR); assert s.recv(2) == b'ok'\n"
        "secs = time.perf_counter() - t\n"
        "print(json.dumps({'rtt_us': {'p50': round(rtt[n // 2], 1), 'p99': round(rtt[n * 99 // 100], 1)},\n"
        "                  'throughput_mb_s': round(mib * 1.048576 / secs, 1)}))\n";

/* Set-up, both measurements and the tear-down, as one shell script; the
 * two Python programs come in as $SERVER and $CLIENT. */
static const char script[] =
        "set -eu\n"
        "bh=\"$BUILD/dom0/bulkhead\"; inet=bhbn-inet-$$; peer=bhbn-peer-$$\n"
        "cleanup() {\n"
        "  for d in bnapp bnfw bnnet; do \"$bh\" kill $d >/dev/null 2>&1 || true; done\n"
        "  [ -n \"${dpid:-}\" ] && kill $dpid 2>/dev/null; [ -n \"${spid:-}\" ] && kill $spid 2>/dev/null\n"
        "  ip netns del $inet 2>/dev/null; ip netns del $peer 2>/dev/null; rm -rf \"$WORK\"\n"
        "}\n"
        "trap cleanup EXIT\n"
        "export BULKHEAD_STATE_DIR=\"$WORK/state\" BULKHEAD_RUNTIME_DIR=\"$WORK/run\"\n"
        "ip netns add $inet; ip -n $inet link set lo up; ip -n $inet addr add 203.0.113.10/32 dev lo\n"
        "ip netns exec $inet python3 -c \"$SERVER\" & spid=$!\n"
        /* The peer: a namespace with one veth straight to the server's. */
        "ip netns add $peer\n"
        "ip link add bhbn0 netns $peer type veth peer name bhbn1 netns $inet\n"
        "ip -n $peer addr add 198.51.100.2/24 dev bhbn0; ip -n $peer link set bhbn0 up\n"
        "ip -n $inet addr add 198.51.100.1/24 dev bhbn1; ip -n $inet link set bhbn1 up\n"
        "ip -n $peer route add default via 198.51.100.1\n"
        /* The chain: app -> firewall domain -> network domain -> $inet. */
        "\"$BUILD/dom0/bulkheadd\" --no-gui --agent-dir \"$BUILD/agent\" 2>/dev/null & dpid=$!\n"
        "for i in $(seq 250); do \"$bh\" ls >/dev/null 2>&1 && break; sleep 0.02; done\n"
        "\"$bh\" template build host >/dev/null\n"
        "\"$bh\" create bnnet --template host --provides-network yes\n"
        "\"$bh\" prefs bnnet uplink netns:$inet; \"$bh\" prefs bnnet uplink-address 192.0.2.2/24\n"
        "\"$bh\" prefs bnnet uplink-gateway 192.0.2.1\n"
        "\"$bh\" create bnfw --template host --provides-network yes --netvm bnnet\n"
        "\"$bh\" create bnapp --template host --netvm bnfw; \"$bh\" start bnapp\n"
        "sleep 0.5\n"
        "direct=$(ip netns exec $peer python3 -c \"$CLIENT\" $N $MIB)\n"
        "chain=$(\"$bh\" run bnapp python3 -c \"$CLIENT\" $N $MIB)\n"
        "printf \"%s\\n%s\\n\" \"$direct\" \"$chain\"\n";

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "quick", no_argument, NULL, 'q' },
                { "bulkhead", required_argument, NULL, 'b' },
                {}
        };
        char build_dir[PATH_MAX] = ".", work[] = "/tmp/bh-bench-net.XXXXXX", line[2][512];
        bool quick = false;
        int n, mib, c;
        FILE *p;

        bench_build_dir(build_dir, sizeof(build_dir));
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'q')
                        quick = true;
                else if (c == 'b')
                        snprintf(build_dir, sizeof(build_dir), "%s", optarg);
                else
                        return 2;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "bench/net: needs root (namespaces, veth pairs)\n");
                return 1;
        }
        n = quick ? 200 : 5000;
        mib = quick ? 32 : 1024;
        if (!mkdtemp(work)) {
                perror("bench/net: mkdtemp");
                return 1;
        }
        {
                char num[16], mb[16];

                snprintf(num, sizeof(num), "%d", n);
                snprintf(mb, sizeof(mb), "%d", mib);
                if (setenv("BUILD", build_dir, 1) < 0 || setenv("WORK", work, 1) < 0 ||
                    setenv("SERVER", server_py, 1) < 0 || setenv("CLIENT", client_py, 1) < 0 ||
                    setenv("N", num, 1) < 0 || setenv("MIB", mb, 1) < 0)
                        return 1;
        }
        /* popen's shell hands the script to bash as one word. */
        if (setenv("BH_NET_SCRIPT", script, 1) < 0)
                return 1;
        p = popen("bash -c \"$BH_NET_SCRIPT\"", "r");
        if (!p || !fgets(line[0], sizeof(line[0]), p) || !fgets(line[1], sizeof(line[1]), p)) {
                fprintf(stderr, "bench/net: the measurement did not complete\n");
                if (p)
                        pclose(p);
                return 1;
        }
        if (pclose(p) != 0) {
                fprintf(stderr, "bench/net: the measurement failed\n");
                return 1;
        }
        line[0][strcspn(line[0], "\n")] = '\0';
        line[1][strcspn(line[1], "\n")] = '\0';
        printf("{\n  \"benchmark\": \"net\",\n");
        printf("  \"what\": \"TCP 1-byte round trips (%d) and %d MiB one way, from an app domain through a firewall domain and a network domain (two routed, NATed, nftables-filtered hops) vs. from a namespace with a direct veth, to the same server\",\n",
               n, mib);
        printf("  \"direct_veth\": %s,\n  \"netvm_chain\": %s,\n", line[0], line[1]);
        {
                double d50 = 0, c50 = 0, dt = 0, ct = 0;
                const char *k;

                /* The client printed these keys itself, in this order. */
                if ((k = strstr(line[0], "\"p50\": ")))
                        d50 = strtod(k + 7, NULL);
                if ((k = strstr(line[1], "\"p50\": ")))
                        c50 = strtod(k + 7, NULL);
                if ((k = strstr(line[0], "\"throughput_mb_s\": ")))
                        dt = strtod(k + 19, NULL);
                if ((k = strstr(line[1], "\"throughput_mb_s\": ")))
                        ct = strtod(k + 19, NULL);
                printf("  \"ratios\": {\"rtt_p50_chain_over_direct\": %.2f, \"throughput_chain_over_direct\": %.2f}\n}\n",
                       d50 > 0 ? c50 / d50 : 0, dt > 0 ? ct / dt : 0);
        }
        return 0;
}
