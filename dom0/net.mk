# dom0/net.mk: networking's pure parts, tested alone (docs/networking.md).
# net_addr.c and firewall.c live in libregistry (records and the CLI need
# them); net_rules.c is bulkheadd's.
check_PROGRAMS += tests/net/test_net_rules
TESTS += tests/net/test_net_rules
tests_net_test_net_rules_SOURCES = tests/net/test_net_rules.c dom0/net_rules.c
tests_net_test_net_rules_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_net_test_net_rules_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_net_test_net_rules_LDADD = $(BH_REGISTRY_LIBS) $(CMOCKA_LIBS)

# The firewall file parser's libFuzzer target (a user's file, but bulkheadd
# reads it as root), replayed by make check like the others.
check_PROGRAMS += tests/fuzz/replay_firewall
tests_fuzz_replay_firewall_SOURCES = tests/fuzz/fuzz_firewall.c tests/fuzz/standalone.c
tests_fuzz_replay_firewall_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_fuzz_replay_firewall_LDADD = $(BH_REGISTRY_LIBS)
EXTRA_DIST += tests/fuzz/corpus/firewall

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_firewall
tests_fuzz_fuzz_firewall_SOURCES = tests/fuzz/fuzz_firewall.c
tests_fuzz_fuzz_firewall_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_fuzz_fuzz_firewall_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_firewall_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_firewall_LDADD = $(BH_REGISTRY_LIBS)
endif

# End to end (root; they skip otherwise): the chain net -> firewall -> app
# domains; the private Tor network alone; an anonymous workstation behind a
# Tor gateway over that network, with the leak checks.
TESTS += tests/net/chain.sh tests/net/tornet-selftest tests/net/anon.sh
EXTRA_DIST += tests/lib/daemon.sh tests/net/chain.sh tests/net/tornet-selftest tests/net/anon.sh \
	tests/net/tornet tests/net/test-web.py tests/net/test-dns.py \
	docs/networking.md docs/tor-test-network.md
