# bulkhead recon (issue: audit a machine's virtualization): targets added here

# The logic, as a library the program, the unit tests and the fuzz target share.
noinst_LIBRARIES += dom0/librecon.a
dom0_librecon_a_SOURCES = \
	dom0/recon.h \
	dom0/recon_limits.h \
	dom0/recon_tables.h \
	dom0/recon_tables.c \
	dom0/recon_evidence.c \
	dom0/recon_parse.h \
	dom0/recon_parse.c \
	dom0/recon_cpuid.h \
	dom0/recon_cpuid.c \
	dom0/recon_json.h \
	dom0/recon_json.c \
	dom0/recon_verdict.c \
	dom0/recon_source.h \
	dom0/recon_source.c \
	dom0/recon_probe.h \
	dom0/recon_probe.c \
	dom0/recon_probe_vm.c \
	dom0/recon_probe_ct.c \
	dom0/recon_probe_hw.c \
	dom0/recon_xen.c \
	dom0/recon_report.c
dom0_librecon_a_CFLAGS = $(AM_CFLAGS)
if HAVE_XEN
dom0_librecon_a_CFLAGS += $(XEN_CFLAGS)
endif
# libxl and its logger, for the dom0 readiness check.
RECON_LIBS = dom0/librecon.a lib/libbulkhead.a
if HAVE_XEN
RECON_LIBS += $(XEN_LIBS)
endif

bin_PROGRAMS += dom0/bulkhead-recon
dom0_bulkhead_recon_SOURCES = dom0/recon_main.c
dom0_bulkhead_recon_LDADD = $(RECON_LIBS)

dist_man_MANS += man/bulkhead-recon.1

# Unit tests of the pure modules.
RECON_UNIT_TESTS = \
	tests/recon/test_recon_parse \
	tests/recon/test_recon_cpuid \
	tests/recon/test_recon_json \
	tests/recon/test_recon_verdict
check_PROGRAMS += $(RECON_UNIT_TESTS)
TESTS += $(RECON_UNIT_TESTS)

tests_recon_test_recon_parse_SOURCES = tests/recon/test_recon_parse.c
tests_recon_test_recon_parse_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/dom0
tests_recon_test_recon_parse_LDADD = $(RECON_LIBS) $(CMOCKA_LIBS)

tests_recon_test_recon_cpuid_SOURCES = tests/recon/test_recon_cpuid.c
tests_recon_test_recon_cpuid_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/dom0
tests_recon_test_recon_cpuid_LDADD = $(RECON_LIBS) $(CMOCKA_LIBS)

tests_recon_test_recon_json_SOURCES = tests/recon/test_recon_json.c
tests_recon_test_recon_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/dom0
tests_recon_test_recon_json_LDADD = $(RECON_LIBS) $(CMOCKA_LIBS)

tests_recon_test_recon_verdict_SOURCES = tests/recon/test_recon_verdict.c
tests_recon_test_recon_verdict_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/dom0
tests_recon_test_recon_verdict_LDADD = $(RECON_LIBS) $(CMOCKA_LIBS)

# The program against the fixture trees (one per platform), and on this
# machine beside systemd-detect-virt and virt-what.  Both speak TAP.
TESTS += tests/recon/fixtures.sh tests/recon/live.sh
EXTRA_DIST += tests/recon/fixtures.sh tests/recon/live.sh tests/recon/check.py \
	tests/recon/fixtures

# The parsers under libFuzzer (--enable-fuzz), and replayed by make check
# through tests/fuzz/standalone.c on the seed corpus plus random inputs.
check_PROGRAMS += tests/recon/replay_recon_parse
tests_recon_replay_recon_parse_SOURCES = tests/recon/fuzz_recon_parse.c tests/fuzz/standalone.c
tests_recon_replay_recon_parse_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/dom0
tests_recon_replay_recon_parse_LDADD = $(RECON_LIBS)
EXTRA_DIST += tests/fuzz/corpus/recon_parse

# The pure modules are compiled into the fuzzer itself so libFuzzer's
# coverage instrumentation sees them.  tests/fuzz/run finds it by its name.
if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_recon_parse
tests_fuzz_fuzz_recon_parse_SOURCES = tests/recon/fuzz_recon_parse.c \
	dom0/recon_parse.c dom0/recon_cpuid.c dom0/recon_json.c dom0/recon_tables.c \
	dom0/recon_verdict.c dom0/recon_evidence.c
tests_fuzz_fuzz_recon_parse_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/dom0 -fsanitize=fuzzer
tests_fuzz_fuzz_recon_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_recon_parse_LDADD = lib/libbulkhead.a
endif
