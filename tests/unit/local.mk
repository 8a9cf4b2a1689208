# Test programs the integration tests and the Xen test bed run.
noinst_PROGRAMS += tests/vchan-peer
tests_vchan_peer_SOURCES = tests/vchan-peer.c
tests_vchan_peer_LDADD = $(BH_LIBS)
