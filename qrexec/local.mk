# qrexec/local.mk: qrexec's control protocol (docs/qrexec-protocol.md), the
# agent's control side, the per-domain daemon in dom0 and the client tools.
lib_libbulkhead_a_SOURCES += lib/qrexec_proto.h lib/qrexec_proto.c
EXTRA_DIST += docs/qrexec-protocol.md

# In the domain, beside bulkhead-agent.
agent_PROGRAMS += agent/qrexec-client-vm
agent_qrexec_client_vm_SOURCES = agent/qrexec_client_vm.c agent/qrexec_call.c agent/qrexec_call.h \
	agent/control.h
agent_qrexec_client_vm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
agent_qrexec_client_vm_LDADD = dom0/libexecclient.a $(BH_LIBS)

# dom0: one daemon per domain, started by bulkheadd.
qrexecdir = $(pkglibexecdir)
qrexec_PROGRAMS = qrexec/qrexec-daemon
qrexec_qrexec_daemon_SOURCES = qrexec/daemon.c qrexec/daemon.h qrexec/daemon_call.c qrexec/audit.c
qrexec_qrexec_daemon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
qrexec_qrexec_daemon_LDADD = dom0/libapi.a $(BH_LIBS)

# dom0 → domain service calls.
bin_PROGRAMS += qrexec/qrexec-client
qrexec_qrexec_client_SOURCES = qrexec/qrexec_client.c
qrexec_qrexec_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
qrexec_qrexec_client_LDADD = dom0/libexecclient.a dom0/libapi.a $(BH_LIBS)

# End-to-end calls on the container backend (needs root).
TESTS += tests/qrexec-calls/calls.sh
EXTRA_DIST += tests/qrexec-calls/calls.sh

dist_man_MANS += man/qrexec-client.1 man/qrexec-client-vm.1 man/qrexec-policy-lint.1 \
	man/qrexec-policy-eval.1 man/bulkhead-copy-to-vm.1
