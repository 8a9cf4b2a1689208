# agent/gui.mk: bulkhead-gui-agent, the GUI agent in a domain
# (docs/gui-agent.md): its own Xvfb, top-level windows shared with dom0's
# bulkhead-guid over the GUI protocol (docs/gui-protocol.md), input through
# XTest.  Tests: the pure text helpers (cmocka) and an integration test with
# real X servers and a fake dom0 daemon (tests/gui-agent/agent.sh).
if HAVE_GUI
agent_PROGRAMS += agent/bulkhead-gui-agent
agent_bulkhead_gui_agent_SOURCES = agent/gui_agent.c agent/gui_agent.h \
	agent/gui_xvfb.c agent/gui_xvfb.h agent/gui_windows.c agent/gui_windows.h \
	agent/gui_pixels.c agent/gui_pixels.h agent/gui_input.c agent/gui_input.h \
	agent/gui_clipboard.c agent/gui_clipboard.h agent/gui_text.c agent/gui_text.h
agent_bulkhead_gui_agent_CFLAGS = $(AM_CFLAGS) $(X11AGENT_CFLAGS)
agent_bulkhead_gui_agent_LDADD = $(BH_LIBS) $(X11AGENT_LIBS)

check_PROGRAMS += tests/gui-agent/test_gui_text
TESTS += tests/gui-agent/test_gui_text
tests_gui_agent_test_gui_text_SOURCES = tests/gui-agent/test_gui_text.c agent/gui_text.c
tests_gui_agent_test_gui_text_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
tests_gui_agent_test_gui_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_gui_agent_test_gui_text_LDADD = $(BH_LIBS) $(CMOCKA_LIBS)

# dom0's side for the integration test, and a window that test needs.
check_PROGRAMS += tests/gui-agent/fake-guid tests/gui-agent/popup
tests_gui_agent_fake_guid_SOURCES = tests/gui-agent/fake-guid.c
tests_gui_agent_fake_guid_CFLAGS = $(AM_CFLAGS) $(X11AGENT_CFLAGS)
tests_gui_agent_fake_guid_LDADD = $(BH_LIBS) $(X11AGENT_LIBS)
tests_gui_agent_popup_SOURCES = tests/gui-agent/popup.c
tests_gui_agent_popup_CFLAGS = $(AM_CFLAGS) $(X11AGENT_CFLAGS)
tests_gui_agent_popup_LDADD = $(X11AGENT_LIBS)

TESTS += tests/gui-agent/agent.sh
endif
EXTRA_DIST += tests/gui-agent/agent.sh docs/gui-agent.md
