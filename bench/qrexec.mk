# bench/qrexec.mk: qrexec calls between real domains against a raw AF_UNIX
# socket in the same run (docs/bench.md).  The caller runs inside a domain;
# it lives in a subdirectory so tests/run-all does not take it for a
# benchmark of its own.  It links agent/qrexec_call.c, to time calls
# without a process start beside the spawned qrexec-client-vm.
noinst_PROGRAMS += bench/qrexec bench/peers/qrexec-caller
bench_qrexec_SOURCES = bench/qrexec.c bench/common.h bench/common.c
bench_qrexec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0
bench_qrexec_LDADD = dom0/libexecclient.a $(BH_LIBS)
bench_peers_qrexec_caller_SOURCES = bench/qrexec-caller.c agent/qrexec_call.c agent/qrexec_call.h
bench_peers_qrexec_caller_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/dom0 -I$(top_srcdir)/agent
bench_peers_qrexec_caller_LDADD = dom0/libexecclient.a $(BH_LIBS)
