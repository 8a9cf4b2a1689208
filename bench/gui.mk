# bench/gui.mk: frames per second and damage-to-screen latency of a
# 1920x1080 window through the GUI agent and bulkhead-guid, beside Xpra in
# the same run (docs/bench.md).  The painter runs in the domain's X server;
# it lives in bench/peers/ so tests/run-all does not take it for a
# benchmark of its own.
if HAVE_GUI
noinst_PROGRAMS += bench/gui bench/peers/gui-painter
bench_gui_SOURCES = bench/gui.c bench/common.h bench/common.c
bench_gui_CFLAGS = $(AM_CFLAGS) $(X11AGENT_CFLAGS)
bench_gui_LDADD = $(BH_LIBS) $(X11AGENT_LIBS)
bench_peers_gui_painter_SOURCES = bench/peers/gui-painter.c
bench_peers_gui_painter_CFLAGS = $(AM_CFLAGS) $(X11AGENT_CFLAGS)
bench_peers_gui_painter_LDADD = $(X11AGENT_LIBS)
endif
