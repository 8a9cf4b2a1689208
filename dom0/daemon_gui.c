/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkheadd starts one bulkhead-guid per running domain when it shows
 * windows (docs/gui-daemon.md): one process per domain, so a domain that
 * attacks its GUI daemon reaches no other domain's windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "daemon.h"
#include "util.h"

void gui_start(struct daemon *dm, struct dom_rt *r)
{
        _cleanup_free_ char *vchan = NULL;
        char domid[16];
        struct stat st;

        if (!dm->gui || r->guid_pid > 0 || r->d.klass == BH_CLASS_TEMPLATE)
                return;
        if (stat(dm->guid_path, &st) < 0) {
                bh_log_error("domain %s: no %s: its windows are not shown", r->d.name, dm->guid_path);
                return;
        }
        vchan = path_vchan(dm, r->d.name);
        if (!vchan)
                return;
        snprintf(domid, sizeof(domid), "%d", r->inst.domid > 0 ? r->inst.domid : 0);
        char *argv[] = { dm->guid_path, "--domain", r->d.name,
                         "--label", (char *)bh_label_to_string(r->d.label),
                         "--transport", (char *)bh_vchan_transport_to_string(dm->backend->transport),
                         "--vchan-dir", vchan, "--domid", domid,
                         r->d.allow_fullscreen ? "--allow-fullscreen" : NULL, NULL };
        r->guid_pid = daemon_spawn(argv);
}

void gui_stop(struct daemon *dm, struct dom_rt *r)
{
        (void)dm;
        daemon_stop_child(&r->guid_pid);
}
