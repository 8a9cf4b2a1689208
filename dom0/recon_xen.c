/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Asking Xen through libxl (dom0, root): is the toolstack usable, can Xen
 * pass devices through, how much memory has the machine. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recon_probe.h"

#if HAVE_XEN
#include <libxl.h>
#include <xentoollog.h>

/* Keeps libxl's last error for the report instead of printing it. */
struct quiet_logger {
        xentoollog_logger l;
        char last[RECON_NOTE_MAX];
};

static void quiet_vmessage(struct xentoollog_logger *l, xentoollog_level level, int errnoval,
                           const char *context, const char *fmt, va_list ap)
{
        struct quiet_logger *q = (struct quiet_logger *)l;

        (void)context;
        if (level < XTL_ERROR)
                return;
        vsnprintf(q->last, sizeof(q->last), fmt, ap);
        if (errnoval > 0) {
                size_t n = strlen(q->last);

                snprintf(q->last + n, sizeof(q->last) - n, ": %s", strerror(errnoval));
        }
}

static void quiet_destroy(struct xentoollog_logger *l)
{
        (void)l;
}

int recon_xen_physinfo(struct recon_result *r)
{
        struct recon_ready *rd = &r->ready;
        struct quiet_logger q = { .l = { .vmessage = quiet_vmessage, .destroy = quiet_destroy } };
        libxl_ctx *ctx = NULL;
        libxl_physinfo info;
        const libxl_version_info *ver;
        int rc;

        if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &q.l) != 0) {
                rd->libxl = 0;
                snprintf(rd->libxl_detail, sizeof(rd->libxl_detail), "libxl_ctx_alloc failed%s%.150s",
                         q.last[0] ? ": " : "", q.last);
                return -EIO;
        }
        libxl_physinfo_init(&info);
        rc = libxl_get_physinfo(ctx, &info);
        if (rc != 0) {
                rd->libxl = 0;
                snprintf(rd->libxl_detail, sizeof(rd->libxl_detail), "libxl_get_physinfo failed%s%.150s",
                         q.last[0] ? ": " : "", q.last);
        } else {
                rd->libxl = 1;
                rd->xen_hvm_directio = info.cap_hvm_directio;
                r->hw.xen_hvm_cap = info.cap_hvm;
                r->hw.xen_hap = info.cap_hap;
                /* Pages are 4 KiB on x86. */
                r->hw.xen_total_kib = info.total_pages * 4;
                ver = libxl_get_version_info(ctx);
                if (ver)
                        snprintf(rd->xen_version, sizeof(rd->xen_version), "%d.%d%s", ver->xen_version_major,
                                 ver->xen_version_minor, ver->xen_version_extra ? ver->xen_version_extra : "");
                snprintf(rd->libxl_detail, sizeof(rd->libxl_detail),
                         "physinfo: %u CPUs, %s%s%s%s", info.nr_cpus, info.cap_pv ? "pv " : "",
                         info.cap_hvm ? "hvm " : "", info.cap_hap ? "hap " : "",
                         info.cap_hvm_directio ? "directio" : "no-directio");
        }
        libxl_physinfo_dispose(&info);
        libxl_ctx_free(ctx);
        return rc == 0 ? 0 : -EIO;
}
#else
int recon_xen_physinfo(struct recon_result *r)
{
        r->ready.libxl = RECON_UNKNOWN;
        snprintf(r->ready.libxl_detail, sizeof(r->ready.libxl_detail),
                 "not tried (built with --disable-xen)");
        return -ENOTSUP;
}
#endif
