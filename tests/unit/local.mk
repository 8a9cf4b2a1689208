# Test programs the integration tests and the Xen test bed run.
noinst_PROGRAMS += tests/vchan-peer
tests_vchan_peer_SOURCES = tests/vchan-peer.c
tests_vchan_peer_LDADD = $(BH_LIBS)

# Unit tests (cmocka), run by `make check`.
UNIT_TESTS = \
	tests/unit/test_vchan_ring \
	tests/unit/test_vchan_wire \
	tests/unit/test_vchan_socket \
	tests/unit/test_console_text
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_vchan_ring_SOURCES = tests/unit/test_vchan_ring.c
tests_unit_test_vchan_ring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vchan_ring_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_vchan_wire_SOURCES = tests/unit/test_vchan_wire.c
tests_unit_test_vchan_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vchan_wire_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_vchan_socket_SOURCES = tests/unit/test_vchan_socket.c
tests_unit_test_vchan_socket_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vchan_socket_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_console_text_SOURCES = tests/unit/test_console_text.c
tests_unit_test_console_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_console_text_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)
