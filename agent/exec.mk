# agent/exec.mk: running commands in a domain with stdio streamed to dom0
# (docs/exec-protocol.md): the agent, dom0's client library, a test program
# that drives the library, hostile peers and the integration tests.
# Installed beside bulkhead-init: bulkheadd binds that directory into domains.
agent_PROGRAMS += agent/bulkhead-agent
agent_bulkhead_agent_SOURCES = agent/agent.c agent/session.h agent/session.c agent/control.c agent/control.h
agent_bulkhead_agent_LDADD = $(BH_LIBS)

# For the CLI: link dom0/libexecclient.a before $(BH_LIBS), include
# "exec_client.h" with -I$(top_srcdir)/dom0.
noinst_LIBRARIES += dom0/libexecclient.a
dom0_libexecclient_a_SOURCES = dom0/exec_client.h dom0/exec_client.c \
	dom0/run_client.h dom0/run_client.c

noinst_PROGRAMS += tests/exec-run
tests_exec_run_SOURCES = tests/exec-run.c
tests_exec_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_exec_run_LDADD = dom0/libexecclient.a $(BH_LIBS)

check_PROGRAMS += tests/exec/exec-hostile
tests_exec_exec_hostile_SOURCES = tests/exec/exec-hostile.c
tests_exec_exec_hostile_LDADD = $(BH_LIBS)

TESTS += tests/exec/agent.sh
EXTRA_DIST += tests/exec/agent.sh
