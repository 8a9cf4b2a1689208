# qrexec/filecopy.mk: copying files between domains (docs/filecopy.md).
# The stream format is a pure module; the sender, the receiver (the
# bulkhead.Filecopy service) and the bulkhead-copy-to-vm command are agent
# programs, installed beside bulkhead-agent and so present in every domain.
noinst_LIBRARIES += qrexec/libfilecopy.a
qrexec_libfilecopy_a_SOURCES = qrexec/filecopy_proto.h qrexec/filecopy_proto.c

FILECOPY_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/qrexec

agent_PROGRAMS += agent/bulkhead-filecopy-pack agent/bulkhead-filecopy-unpack
agent_bulkhead_filecopy_pack_SOURCES = agent/filecopy_pack.c
agent_bulkhead_filecopy_pack_CPPFLAGS = $(FILECOPY_CPPFLAGS)
agent_bulkhead_filecopy_pack_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a

agent_bulkhead_filecopy_unpack_SOURCES = agent/filecopy_unpack.c \
	agent/filecopy_confine.h agent/filecopy_confine.c
agent_bulkhead_filecopy_unpack_CPPFLAGS = $(FILECOPY_CPPFLAGS) $(SECCOMP_CFLAGS)
agent_bulkhead_filecopy_unpack_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a $(SECCOMP_LIBS)

# Its own directory variable (the same place as agentdir), so other
# fragments may define agent_SCRIPTS freely.
filecopyagentdir = $(agentdir)
dist_filecopyagent_SCRIPTS = agent/bulkhead-copy-to-vm

# The service definition; the qrexec fragment installs it with the others.
EXTRA_DIST += qrexec/services/bulkhead.Filecopy docs/filecopy.md

check_PROGRAMS += tests/filecopy/test_filecopy_proto tests/filecopy/filecopy-craft
TESTS += tests/filecopy/test_filecopy_proto
tests_filecopy_test_filecopy_proto_SOURCES = tests/filecopy/test_filecopy_proto.c
tests_filecopy_test_filecopy_proto_CPPFLAGS = $(FILECOPY_CPPFLAGS)
tests_filecopy_test_filecopy_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_filecopy_test_filecopy_proto_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a $(CMOCKA_LIBS)

# Writes hand-made (hostile) streams for the integration test.
tests_filecopy_filecopy_craft_SOURCES = tests/filecopy/filecopy-craft.c
tests_filecopy_filecopy_craft_CPPFLAGS = $(FILECOPY_CPPFLAGS)
tests_filecopy_filecopy_craft_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a

TESTS += tests/filecopy/filecopy.sh
EXTRA_DIST += tests/filecopy/filecopy.sh

FUZZ_TARGETS += fuzz_filecopy_proto
check_PROGRAMS += tests/fuzz/replay_filecopy_proto
tests_fuzz_replay_filecopy_proto_SOURCES = tests/fuzz/fuzz_filecopy_proto.c tests/fuzz/standalone.c
tests_fuzz_replay_filecopy_proto_CPPFLAGS = $(FILECOPY_CPPFLAGS)
tests_fuzz_replay_filecopy_proto_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a
EXTRA_DIST += tests/fuzz/corpus/filecopy_proto

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_filecopy_proto
tests_fuzz_fuzz_filecopy_proto_SOURCES = tests/fuzz/fuzz_filecopy_proto.c
tests_fuzz_fuzz_filecopy_proto_CPPFLAGS = $(FILECOPY_CPPFLAGS)
tests_fuzz_fuzz_filecopy_proto_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_filecopy_proto_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_filecopy_proto_LDADD = qrexec/libfilecopy.a lib/libbulkhead.a
endif
