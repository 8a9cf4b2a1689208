# qrexec/services.mk: the services that come with the agent, installed in
# $(agentdir)/rpc, the directory bulkhead-agent searches after the
# domain's own (/etc/bulkhead/rpc, /etc/qubes-rpc); the default policy for
# them; and open-in-disposable (docs/open-in-dvm.md).
agentrpcdir = $(agentdir)/rpc
dist_agentrpc_SCRIPTS = \
	qrexec/services/bulkhead.Filecopy \
	qrexec/services/bulkhead.OpenInVM \
	qrexec/services/bulkhead.VMShell

bhpolicydir = $(sysconfdir)/bulkhead/policy.d
dist_bhpolicy_DATA = qrexec/policy.d/50-bulkhead.policy

# Open a file in a disposable: the framing is a pure module; the caller's
# end and the service's helper are agent programs.
noinst_LIBRARIES += agent/libopenindvm.a
agent_libopenindvm_a_SOURCES = agent/open_in_dvm_proto.h agent/open_in_dvm_proto.c
agent_libopenindvm_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/qrexec
OPEN_IN_DVM_LIBS = agent/libopenindvm.a qrexec/libfilecopy.a lib/libbulkhead.a

agent_PROGRAMS += agent/bulkhead-open-in-dvm-send agent/bulkhead-open-in-dvm-io
agent_bulkhead_open_in_dvm_send_SOURCES = agent/open_in_dvm_send.c
agent_bulkhead_open_in_dvm_send_LDADD = $(OPEN_IN_DVM_LIBS)
agent_bulkhead_open_in_dvm_io_SOURCES = agent/open_in_dvm_io.c
agent_bulkhead_open_in_dvm_io_LDADD = $(OPEN_IN_DVM_LIBS)

openindvmagentdir = $(agentdir)
dist_openindvmagent_SCRIPTS = agent/bulkhead-open-in-dvm
EXTRA_DIST += docs/open-in-dvm.md

check_PROGRAMS += tests/open-in-dvm/test_open_in_dvm_proto
TESTS += tests/open-in-dvm/test_open_in_dvm_proto
tests_open_in_dvm_test_open_in_dvm_proto_SOURCES = tests/open-in-dvm/test_open_in_dvm_proto.c
tests_open_in_dvm_test_open_in_dvm_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
tests_open_in_dvm_test_open_in_dvm_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_open_in_dvm_test_open_in_dvm_proto_LDADD = $(OPEN_IN_DVM_LIBS) $(CMOCKA_LIBS)

# The default policy lints clean and decides as documented; then the whole
# path between real domains (needs root, skipped otherwise).
TESTS += tests/open-in-dvm/policy.sh tests/open-in-dvm/open.sh
EXTRA_DIST += tests/open-in-dvm/policy.sh tests/open-in-dvm/open.sh
