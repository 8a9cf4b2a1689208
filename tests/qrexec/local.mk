# tests/qrexec/local.mk: tests of qrexec's control protocol
# (lib/qrexec_proto.c), of the exec protocol's SERVICE message and caller
# role, and of qrexec-daemon facing a hostile agent.
QREXEC_PROTO_TESTS = tests/qrexec/test_qrexec_proto tests/qrexec/test_exec_service
check_PROGRAMS += $(QREXEC_PROTO_TESTS)
TESTS += $(QREXEC_PROTO_TESTS)
tests_qrexec_test_qrexec_proto_SOURCES = tests/qrexec/test_qrexec_proto.c
tests_qrexec_test_qrexec_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_qrexec_test_qrexec_proto_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)
tests_qrexec_test_exec_service_SOURCES = tests/qrexec/test_exec_service.c
tests_qrexec_test_exec_service_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_qrexec_test_exec_service_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

# The hostile agent and a fake policy daemon; the driver runs real
# qrexec-daemons (two attacked, one serving a well-behaved domain) from
# outside, as bulkheadd would.
check_PROGRAMS += tests/qrexec/hostile-agent tests/qrexec/fake-policy
tests_qrexec_hostile_agent_SOURCES = tests/qrexec/hostile-agent.c
tests_qrexec_hostile_agent_LDADD = $(BH_LIBS)
tests_qrexec_fake_policy_SOURCES = tests/qrexec/fake-policy.c
TESTS += tests/qrexec/hostile.sh
EXTRA_DIST += tests/qrexec/hostile.sh

# The fuzz target, replayed by `make check` through the shared standalone
# driver (tests/fuzz/replay.sh) and run for real by tests/fuzz/run when
# configured with --enable-fuzz.
FUZZ_TARGETS += fuzz_qrexec_proto
check_PROGRAMS += tests/fuzz/replay_qrexec_proto
tests_fuzz_replay_qrexec_proto_SOURCES = tests/fuzz/fuzz_qrexec_proto.c tests/fuzz/standalone.c
tests_fuzz_replay_qrexec_proto_LDADD = $(BH_LIBS)
EXTRA_DIST += tests/fuzz/corpus/qrexec_proto

# The module is compiled into the fuzzer itself rather than taken from
# lib/libbulkhead.a, so that it carries libFuzzer's coverage instrumentation.
if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_qrexec_proto
tests_fuzz_fuzz_qrexec_proto_SOURCES = tests/fuzz/fuzz_qrexec_proto.c lib/qrexec_proto.c lib/wire.c
tests_fuzz_fuzz_qrexec_proto_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_qrexec_proto_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
