# bulkheadd and the bulkhead CLI.
BH_DOM0_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0 \
	-DBH_PKGLIBEXECDIR=\"$(pkglibexecdir)/agent\" \
	-DBH_QREXEC_LIBEXECDIR=\"$(pkglibexecdir)\" \
	-DBH_BINDIR=\"$(bindir)\" \
	-DBH_TEMPLATES_DIR=\"$(pkgdatadir)/templates\"

# libxl's hotplug script for the Xen backend's file-backed disks, beside
# the qrexec daemons where bulkheadd looks for its helpers (--qrexec-dir).
xenscriptdir = $(pkglibexecdir)
dist_xenscript_SCRIPTS = dom0/bulkhead-vbd dom0/bulkhead-vif

# Template recipes, run by `bulkhead template build`.
debiantemplatedir = $(pkgdatadir)/templates/debian
dist_debiantemplate_SCRIPTS = templates/debian/build templates/debian/xen-form
dist_debiantemplate_DATA = templates/debian/packages

noinst_LIBRARIES += dom0/libapi.a
dom0_libapi_a_SOURCES = dom0/api_proto.h dom0/api_proto.c dom0/api_client.h dom0/api_client.c

sbin_PROGRAMS += dom0/bulkheadd
dom0_bulkheadd_SOURCES = \
	dom0/bulkheadd.c \
	dom0/daemon.h \
	dom0/daemon_api.c \
	dom0/daemon_domains.c \
	dom0/daemon_paths.c \
	dom0/daemon_qrexec.c \
	dom0/daemon_gui.c \
	dom0/daemon_net.c \
	dom0/net_link.h \
	dom0/net_link.c \
	dom0/net_rules.h \
	dom0/net_rules.c \
	dom0/xen_plan.h \
	dom0/xen_plan.c \
	dom0/xen_disks.h \
	dom0/xen_disks.c
if HAVE_XEN
dom0_bulkheadd_SOURCES += dom0/backend_xen.c
endif
dom0_bulkheadd_CPPFLAGS = $(BH_DOM0_CPPFLAGS)
dom0_bulkheadd_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
dom0_bulkheadd_LDADD = dom0/libapi.a dom0/libcontainer.a dom0/libregistry.a \
	$(BH_LIBS) $(BH_CONTAINER_SECCOMP_LIBS)

bin_PROGRAMS += dom0/bulkhead
dom0_bulkhead_SOURCES = \
	dom0/cli.c \
	dom0/cli.h \
	dom0/cli_firewall.c \
	dom0/cli_console.c \
	dom0/cli_network.c \
	dom0/cli_help.c \
	dom0/recon_json.h \
	dom0/recon_json.c \
	dom0/xen_plan.h \
	dom0/xen_plan.c
dom0_bulkhead_CPPFLAGS = $(BH_DOM0_CPPFLAGS)
dom0_bulkhead_LDADD = dom0/libexecclient.a dom0/libapi.a dom0/libregistry.a $(BH_LIBS)

# Man pages come from the CLI's own help table (cli_help.c), so the two
# cannot disagree.
BH_MAN_COMMANDS = create clone remove ls start shutdown kill pause unpause prefs run template firewall network xl-config
# A static pattern: only these pages come from the CLI; the pages of the
# other programs (man/*.1 in the source) are written by hand.
$(BH_MAN_COMMANDS:%=man/bulkhead-%.1): man/bulkhead-%.1: dom0/bulkhead$(EXEEXT)
	@$(MKDIR_P) man
	$(AM_V_GEN)dom0/bulkhead$(EXEEXT) --man $* > $@
man_MANS = $(BH_MAN_COMMANDS:%=man/bulkhead-%.1)
CLEANFILES += $(man_MANS)
all-local: $(man_MANS)

check_PROGRAMS += tests/dom0/test_api_proto
TESTS += tests/dom0/test_api_proto
tests_dom0_test_api_proto_SOURCES = tests/dom0/test_api_proto.c
tests_dom0_test_api_proto_CPPFLAGS = $(BH_DOM0_CPPFLAGS)
tests_dom0_test_api_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_dom0_test_api_proto_LDADD = dom0/libapi.a $(CMOCKA_LIBS)

check_PROGRAMS += tests/dom0/test_xen_plan
TESTS += tests/dom0/test_xen_plan
tests_dom0_test_xen_plan_SOURCES = tests/dom0/test_xen_plan.c dom0/xen_plan.c dom0/xen_disks.c
tests_dom0_test_xen_plan_CPPFLAGS = $(BH_DOM0_CPPFLAGS)
tests_dom0_test_xen_plan_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_dom0_test_xen_plan_LDADD = dom0/libregistry.a lib/libbulkhead.a $(CMOCKA_LIBS)

TESTS += tests/domains/lifecycle.sh
EXTRA_DIST += tests/domains/lifecycle.sh docs/api.md

noinst_PROGRAMS += bench/disposable
bench_disposable_SOURCES = bench/disposable.c bench/common.h bench/common.c
bench_disposable_LDADD = $(BH_LIBS)
