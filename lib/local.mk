noinst_LIBRARIES += lib/libbulkhead.a

lib_libbulkhead_a_SOURCES = \
	lib/util.h \
	lib/log.c \
	lib/fsutil.h \
	lib/fsutil.c \
	lib/utf8.h \
	lib/utf8.c \
	lib/console_text.h \
	lib/console_text.c \
	lib/wire.h \
	lib/wire.c \
	lib/vchan.h \
	lib/vchan_transport.h \
	lib/vchan.c \
	lib/vchan_ring.h \
	lib/vchan_ring.c \
	lib/vchan_socket.c \
	lib/vchan_wire.h \
	lib/vchan_wire.c

if HAVE_XEN
lib_libbulkhead_a_SOURCES += lib/vchan_xen.c
lib_libbulkhead_a_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
endif

# Link line for programs that use lib/.
BH_LIBS = lib/libbulkhead.a $(XEN_LIBS)
