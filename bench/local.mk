# bench: measurements printing JSON on stdout.  tests/run-all runs every
# program here with --quick and checks that its output parses.
noinst_PROGRAMS += bench/vchan
bench_vchan_SOURCES = bench/vchan.c
bench_vchan_LDADD = $(BH_LIBS)
EXTRA_DIST += docs/bench.md

noinst_PROGRAMS += bench/net
bench_net_SOURCES = bench/net.c bench/common.h bench/common.c
