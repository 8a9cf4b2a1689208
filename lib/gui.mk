# lib/gui.mk: the GUI protocol (docs/gui-protocol.md) between gui-agent and
# bulkhead-guid, a pure module in the shared library, with the placement
# policy for override-redirect windows, their unit tests and libFuzzer target.
lib_libbulkhead_a_SOURCES += lib/gui_limits.h lib/gui_proto.h lib/gui_proto.c \
	lib/gui_policy.h lib/gui_policy.c

check_PROGRAMS += tests/gui/test_gui_proto tests/gui/test_gui_title tests/gui/test_gui_policy
TESTS += tests/gui/test_gui_proto tests/gui/test_gui_title tests/gui/test_gui_policy
tests_gui_test_gui_proto_SOURCES = tests/gui/test_gui_proto.c
tests_gui_test_gui_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_test_gui_proto_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)
tests_gui_test_gui_title_SOURCES = tests/gui/test_gui_title.c
tests_gui_test_gui_title_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_test_gui_title_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)
tests_gui_test_gui_policy_SOURCES = tests/gui/test_gui_policy.c
tests_gui_test_gui_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_test_gui_policy_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

# The fuzz target, replayed by `make check` through the shared standalone
# driver (tests/fuzz/replay.sh) and run for real by tests/fuzz/run when
# configured with --enable-fuzz.
FUZZ_TARGETS += fuzz_gui_proto
check_PROGRAMS += tests/fuzz/replay_gui_proto
tests_fuzz_replay_gui_proto_SOURCES = tests/fuzz/fuzz_gui_proto.c tests/fuzz/standalone.c
tests_fuzz_replay_gui_proto_LDADD = $(BH_LIBS)
EXTRA_DIST += tests/fuzz/corpus/gui_proto docs/gui-protocol.md

# The module's sources are compiled into the fuzzer itself rather than
# taken from lib/libbulkhead.a, so that they carry libFuzzer's coverage
# instrumentation and the fuzzer sees its way through the checks.
if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_gui_proto
tests_fuzz_fuzz_gui_proto_SOURCES = tests/fuzz/fuzz_gui_proto.c lib/gui_proto.c lib/gui_policy.c lib/utf8.c
tests_fuzz_fuzz_gui_proto_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_gui_proto_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
