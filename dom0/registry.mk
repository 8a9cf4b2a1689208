# dom0/registry.mk: the domain registry and the templates (issue 3).
#   dom0/libregistry.a   registry (pure record code + atomic files) and the
#                        host template; bulkheadd and the CLI link it.
noinst_LIBRARIES += dom0/libregistry.a
dom0_libregistry_a_SOURCES = \
	dom0/kvfile.h \
	dom0/kvfile.c \
	dom0/net_addr.h \
	dom0/net_addr.c \
	dom0/firewall.h \
	dom0/firewall.c \
	dom0/registry.h \
	dom0/domain_names.c \
	dom0/registry_record.c \
	dom0/registry.c \
	dom0/template_host.h \
	dom0/template_conf.c \
	dom0/template_store.c \
	dom0/template_host.c \
	dom0/template_customize.c
dom0_libregistry_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0

# Link line for programs that use the registry.
BH_REGISTRY_LIBS = dom0/libregistry.a lib/libbulkhead.a

REGISTRY_TESTS = \
	tests/registry/test_registry_record \
	tests/registry/test_registry_files \
	tests/registry/test_template_host
check_PROGRAMS += $(REGISTRY_TESTS)
TESTS += $(REGISTRY_TESTS)

tests_registry_test_registry_record_SOURCES = tests/registry/test_registry_record.c
tests_registry_test_registry_record_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_registry_test_registry_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_registry_test_registry_record_LDADD = $(BH_REGISTRY_LIBS) $(CMOCKA_LIBS)

tests_registry_test_registry_files_SOURCES = tests/registry/test_registry_files.c
tests_registry_test_registry_files_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_registry_test_registry_files_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_registry_test_registry_files_LDADD = $(BH_REGISTRY_LIBS) $(CMOCKA_LIBS)

tests_registry_test_template_host_SOURCES = tests/registry/test_template_host.c
tests_registry_test_template_host_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_registry_test_template_host_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_registry_test_template_host_LDADD = $(BH_REGISTRY_LIBS) $(CMOCKA_LIBS)

# The parser's libFuzzer target, replayed by make check through the shared
# standalone driver (tests/fuzz/standalone.c) on its seed corpus plus
# fixed-seed random inputs.
check_PROGRAMS += tests/fuzz/replay_registry
tests_fuzz_replay_registry_SOURCES = tests/fuzz/fuzz_registry.c tests/fuzz/standalone.c
tests_fuzz_replay_registry_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_fuzz_replay_registry_LDADD = $(BH_REGISTRY_LIBS)
EXTRA_DIST += tests/fuzz/corpus/registry

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_registry
tests_fuzz_fuzz_registry_SOURCES = tests/fuzz/fuzz_registry.c
tests_fuzz_fuzz_registry_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_fuzz_fuzz_registry_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_registry_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_registry_LDADD = $(BH_REGISTRY_LIBS)
endif

# The debian template: built for real only with BH_TEST_DEBIAN_TEMPLATE=1
# (downloads a few hundred MB); otherwise the test reports a skip.
TESTS += templates/debian/test-build
EXTRA_DIST += templates/debian/build templates/debian/packages templates/debian/test-build
# The Xen form's assembly (stage 1, root image) on a small root made by the
# test: every make check.
TESTS += templates/debian/test-xen-form
EXTRA_DIST += templates/debian/xen-form templates/debian/test-xen-form
