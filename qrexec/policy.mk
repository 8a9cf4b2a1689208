# qrexec/policy.mk: the qrexec policy (docs/qrexec-policy.md).
#   qrexec/libpolicy.a        the pure library: parse, domains, evaluation
#   qrexec-policy-lint        checks policy files (bin)
#   qrexec-policy-eval        prints a decision, runs nothing (bin)
#   qrexec-policy             the policy daemon, started by bulkheadd
#   qrexec-policy-ask         the GTK dialog of `ask` (GUI builds)
# The daemon and the dialog go to $(pkglibexecdir), where bulkheadd looks
# for qrexec-policy beside qrexec-daemon.
noinst_LIBRARIES += qrexec/libpolicy.a
qrexec_libpolicy_a_SOURCES = \
	qrexec/policy.h \
	qrexec/policy_internal.h \
	qrexec/policy_parse.c \
	qrexec/policy_eval.c \
	qrexec/policy_domains.c

# Link line for programs that use the policy library.
BH_POLICY_LIBS = qrexec/libpolicy.a lib/libbulkhead.a
BH_POLICY_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/qrexec -I$(top_srcdir)/dom0

bin_PROGRAMS += qrexec/qrexec-policy-lint qrexec/qrexec-policy-eval
qrexec_qrexec_policy_lint_SOURCES = qrexec/qrexec-policy-lint.c qrexec/policy_io.h qrexec/policy_io.c
qrexec_qrexec_policy_lint_CPPFLAGS = $(BH_POLICY_CPPFLAGS)
qrexec_qrexec_policy_lint_LDADD = $(BH_POLICY_LIBS) dom0/libapi.a

qrexec_qrexec_policy_eval_SOURCES = qrexec/qrexec-policy-eval.c qrexec/policy_io.h qrexec/policy_io.c
qrexec_qrexec_policy_eval_CPPFLAGS = $(BH_POLICY_CPPFLAGS)
qrexec_qrexec_policy_eval_LDADD = $(BH_POLICY_LIBS) dom0/libapi.a

qrexecpolicydir = $(pkglibexecdir)
qrexecpolicy_PROGRAMS = qrexec/qrexec-policy
qrexec_qrexec_policy_SOURCES = qrexec/qrexec-policy.c qrexec/policy_io.h qrexec/policy_io.c
qrexec_qrexec_policy_CPPFLAGS = $(BH_POLICY_CPPFLAGS) \
	-DBH_POLICY_ASK_PROGRAM=\"$(pkglibexecdir)/qrexec-policy-ask\"
qrexec_qrexec_policy_LDADD = $(BH_POLICY_LIBS) dom0/libapi.a

if HAVE_GUI
qrexecpolicy_PROGRAMS += qrexec/qrexec-policy-ask
qrexec_qrexec_policy_ask_SOURCES = qrexec/qrexec-policy-ask.c
qrexec_qrexec_policy_ask_CFLAGS = $(AM_CFLAGS) $(GTK_CFLAGS)
qrexec_qrexec_policy_ask_LDADD = lib/libbulkhead.a $(GTK_LIBS)
endif

# Tests: the conformance table (cases.table, one cmocka case per entry), the
# daemon over its real socket, the dialog (no display; Xvfb + xdotool).
QREXEC_POLICY_TESTS = \
	tests/qrexec-policy/test_policy_table \
	tests/qrexec-policy/test_policy_daemon
check_PROGRAMS += $(QREXEC_POLICY_TESTS)
TESTS += $(QREXEC_POLICY_TESTS) tests/qrexec-policy/ask-dialog.sh
EXTRA_DIST += tests/qrexec-policy/cases.table tests/qrexec-policy/ask-dialog.sh \
	docs/qrexec-policy.md

tests_qrexec_policy_test_policy_table_SOURCES = tests/qrexec-policy/test_policy_table.c
tests_qrexec_policy_test_policy_table_CPPFLAGS = $(BH_POLICY_CPPFLAGS) \
	-DBH_POLICY_TABLE=\"$(abs_top_srcdir)/tests/qrexec-policy/cases.table\"
tests_qrexec_policy_test_policy_table_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_qrexec_policy_test_policy_table_LDADD = $(BH_POLICY_LIBS) $(CMOCKA_LIBS)

tests_qrexec_policy_test_policy_daemon_SOURCES = tests/qrexec-policy/test_policy_daemon.c
tests_qrexec_policy_test_policy_daemon_CPPFLAGS = $(BH_POLICY_CPPFLAGS)
tests_qrexec_policy_test_policy_daemon_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_qrexec_policy_test_policy_daemon_LDADD = dom0/libapi.a lib/libbulkhead.a $(CMOCKA_LIBS)

# The parser's libFuzzer target, replayed by make check (tests/fuzz/replay.sh).
FUZZ_TARGETS += fuzz_policy_parse
check_PROGRAMS += tests/fuzz/replay_policy_parse
tests_fuzz_replay_policy_parse_SOURCES = tests/fuzz/fuzz_policy_parse.c tests/fuzz/standalone.c
tests_fuzz_replay_policy_parse_CPPFLAGS = $(BH_POLICY_CPPFLAGS)
tests_fuzz_replay_policy_parse_LDADD = $(BH_POLICY_LIBS)
EXTRA_DIST += tests/fuzz/corpus/policy_parse

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_policy_parse
tests_fuzz_fuzz_policy_parse_SOURCES = tests/fuzz/fuzz_policy_parse.c
tests_fuzz_fuzz_policy_parse_CPPFLAGS = $(BH_POLICY_CPPFLAGS)
tests_fuzz_fuzz_policy_parse_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_parse_LDADD = $(BH_POLICY_LIBS)
endif
