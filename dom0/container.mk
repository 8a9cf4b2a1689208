# dom0/container.mk: the container backend (issue 3).
#   dom0/libcontainer.a   bh_backend_container (dom0/backend.h); bulkheadd
#                         links $(BH_CONTAINER_LIBS)
#   tests/container/      its tests, on real namespaces (root; skipped otherwise)
noinst_LIBRARIES += dom0/libcontainer.a
dom0_libcontainer_a_SOURCES = \
	dom0/container.h \
	dom0/backend_container.c \
	dom0/container_setup.h \
	dom0/container_setup.c \
	dom0/container_confine.h \
	dom0/container_confine.c \
	dom0/container_cgroup.h \
	dom0/container_cgroup.c \
	dom0/container_idmap.h \
	dom0/container_idmap.c
dom0_libcontainer_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0 $(SECCOMP_CFLAGS)

# libseccomp, found by configure.
BH_CONTAINER_SECCOMP_LIBS = $(SECCOMP_LIBS)
BH_CONTAINER_LIBS = dom0/libcontainer.a lib/libbulkhead.a $(BH_CONTAINER_SECCOMP_LIBS)

# Test programs: a driver that runs one domain, and a probe of the syscalls
# the seccomp filter denies (copied into the domain's agent dir by the tests).
check_PROGRAMS += \
	tests/container/domain-run \
	tests/container/syscall-probe \
	tests/container/test_container_lifecycle
tests_container_domain_run_SOURCES = \
	tests/container/domain-run.c \
	tests/container/fixture.h \
	tests/container/fixture.c
tests_container_domain_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_container_domain_run_LDADD = $(BH_CONTAINER_LIBS)

tests_container_syscall_probe_SOURCES = tests/container/syscall-probe.c

tests_container_test_container_lifecycle_SOURCES = \
	tests/container/test_container_lifecycle.c \
	tests/container/fixture.h \
	tests/container/fixture.c
tests_container_test_container_lifecycle_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_container_test_container_lifecycle_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_container_test_container_lifecycle_LDADD = $(BH_CONTAINER_LIBS) $(CMOCKA_LIBS)

TESTS += \
	tests/container/test_container_lifecycle \
	tests/container/isolation.sh
EXTRA_DIST += tests/container/isolation.sh docs/container-backend.md

# Start latency next to bwrap, and an idle domain's memory (not run by make
# check; docs/container-backend.md has the figures).
noinst_PROGRAMS += tests/container/bench-start
tests_container_bench_start_SOURCES = \
	tests/container/bench-start.c \
	tests/container/fixture.h \
	tests/container/fixture.c
tests_container_bench_start_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_container_bench_start_LDADD = $(BH_CONTAINER_LIBS)
