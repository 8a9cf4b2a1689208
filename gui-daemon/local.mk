# gui-daemon/local.mk: bulkhead-guid, dom0's GUI daemon (one process per
# domain, GTK3; docs/gui-daemon.md), its unit tests and the hostile-agent
# integration test.
if HAVE_GUI

# The pure part, alone so the unit tests link it without GTK.
noinst_LIBRARIES += gui-daemon/libguidstate.a
gui_daemon_libguidstate_a_SOURCES = gui-daemon/guid_state.h gui-daemon/guid_state.c \
	gui-daemon/guid_clipboard.h gui-daemon/guid_clipboard.c
gui_daemon_libguidstate_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0

bin_PROGRAMS += gui-daemon/bulkhead-guid
gui_daemon_bulkhead_guid_SOURCES = gui-daemon/guid.h gui-daemon/guid_main.c \
	gui-daemon/guid_gtk.c gui-daemon/guid_draw.c
gui_daemon_bulkhead_guid_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
gui_daemon_bulkhead_guid_CFLAGS = $(AM_CFLAGS) $(GTK_CFLAGS)
gui_daemon_bulkhead_guid_LDADD = gui-daemon/libguidstate.a dom0/libapi.a $(BH_LIBS) \
	$(GTK_LIBS) -lm

check_PROGRAMS += tests/gui-daemon/test_guid_state tests/gui-daemon/test_guid_clipboard
# Built with everything: the Xen test bed takes them (tests/xen/binaries).
noinst_PROGRAMS += tests/gui-daemon/hostile-agent tests/gui-daemon/png-probe
tests_gui_daemon_png_probe_SOURCES = tests/gui-daemon/png-probe.c
tests_gui_daemon_png_probe_CFLAGS = $(AM_CFLAGS) $(GTK_CFLAGS)
tests_gui_daemon_png_probe_LDADD = $(GTK_LIBS)
TESTS += tests/gui-daemon/test_guid_state tests/gui-daemon/test_guid_clipboard \
	tests/gui-daemon/hostile.sh
tests_gui_daemon_test_guid_state_SOURCES = tests/gui-daemon/test_guid_state.c
tests_gui_daemon_test_guid_state_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/gui-daemon
tests_gui_daemon_test_guid_state_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_daemon_test_guid_state_LDADD = gui-daemon/libguidstate.a $(BH_LIBS) $(CMOCKA_LIBS) -lm
tests_gui_daemon_test_guid_clipboard_SOURCES = tests/gui-daemon/test_guid_clipboard.c
tests_gui_daemon_test_guid_clipboard_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/gui-daemon \
	-I$(top_srcdir)/dom0
tests_gui_daemon_test_guid_clipboard_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_daemon_test_guid_clipboard_LDADD = gui-daemon/libguidstate.a dom0/libapi.a \
	$(BH_LIBS) $(CMOCKA_LIBS) -lm
tests_gui_daemon_hostile_agent_SOURCES = tests/gui-daemon/hostile-agent.c
tests_gui_daemon_hostile_agent_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
tests_gui_daemon_hostile_agent_LDADD = dom0/libapi.a $(BH_LIBS)

endif
EXTRA_DIST += docs/gui-daemon.md tests/gui-daemon/hostile.sh tests/gui-daemon/png.py
