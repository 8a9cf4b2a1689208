# agent/init.mk: bulkhead-init, PID 1 of a container domain (issue 3).
# Installed with the other agent programs in $(agentdir), the directory
# bulkheadd binds read-only at /run/bulkhead/agent in every domain; in the
# build tree the same programs are in $(top_builddir)/agent.  Other agent
# fragments add theirs with `agent_PROGRAMS += ...`.
agentdir = $(pkglibexecdir)/agent
agent_PROGRAMS = agent/bulkhead-init
agent_bulkhead_init_SOURCES = agent/init.c agent/init_start.h agent/init_start.c
agent_bulkhead_init_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
agent_bulkhead_init_LDADD = lib/libbulkhead.a
# The /init of a Xen domain's initramfs: mounts, Xen modules, then
# bulkhead-init on the xen transport (docs/xen-backend.md).  Template
# recipes copy it into the image; it is never run in dom0.
dist_agent_SCRIPTS = agent/bulkhead-xen-init agent/bulkhead-xen-net

# Boot services (/etc/bulkhead/start.d) through bulkheadd, the CLI and a
# customized host template.
TESTS += tests/domains/boot-services.sh
EXTRA_DIST += tests/domains/boot-services.sh
