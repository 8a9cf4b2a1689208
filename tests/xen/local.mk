# tests/xen: real Xen under QEMU (see tests/xen/run --help).
# Not part of "make check": it downloads Debian's Xen packages on first use
# and boots a machine in software emulation.
EXTRA_DIST += \
	tests/xen/fetch \
	tests/xen/build-images \
	tests/xen/run \
	tests/xen/common.sh \
	tests/xen/guest-lib.sh \
	tests/xen/init-dom0 \
	tests/xen/init-domu \
	tests/xen/bh-domu \
	tests/xen/backend-test \
	tests/xen/README.md \
	tests/xen/binaries \
	tests/xen/tests.list

.PHONY: check-xen
check-xen: all
	$(top_srcdir)/tests/xen/run --build-dir $(abs_top_builddir)
