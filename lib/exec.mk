# lib/exec.mk: the exec protocol (docs/exec-protocol.md), a pure module in
# the shared library, with its unit tests and libFuzzer target.
lib_libbulkhead_a_SOURCES += lib/exec_proto.h lib/exec_proto.c

check_PROGRAMS += tests/exec/test_exec_proto
TESTS += tests/exec/test_exec_proto
tests_exec_test_exec_proto_SOURCES = tests/exec/test_exec_proto.c
tests_exec_test_exec_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_exec_test_exec_proto_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

# The fuzz target, replayed by `make check` through the shared standalone
# driver (tests/fuzz/replay.sh, TAP) and run for real by tests/fuzz/run
# when configured with --enable-fuzz.
FUZZ_TARGETS += fuzz_exec_proto
check_PROGRAMS += tests/fuzz/replay_exec_proto
tests_fuzz_replay_exec_proto_SOURCES = tests/fuzz/fuzz_exec_proto.c tests/fuzz/standalone.c
tests_fuzz_replay_exec_proto_LDADD = $(BH_LIBS)
EXTRA_DIST += tests/fuzz/corpus/exec_proto docs/exec-protocol.md

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_exec_proto
tests_fuzz_fuzz_exec_proto_SOURCES = tests/fuzz/fuzz_exec_proto.c
tests_fuzz_fuzz_exec_proto_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_exec_proto_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_exec_proto_LDADD = $(BH_LIBS)
endif
