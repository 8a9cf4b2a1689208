/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What bulkheadd asks of a backend.  One file per backend
 * (backend_container.c, backend_xen.c); bulkheadd resolves templates,
 * volumes and directories into a bh_start_spec, so a backend never reads the
 * registry itself.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain.h"
#include "net_addr.h"
#include "vchan.h"

/*
 * A domain's network as bulkheadd decided it (docs/networking.md).  The
 * container backend ignores it: bulkheadd plumbs a container's links from
 * dom0 once it runs (netns()).  The Xen backend makes the domain's vifs
 * from it and hands the rest to the domain's init through xenstore.
 */
struct bh_start_net {
        uint32_t ip;               /* the domain's own address; 0: none */
        /* A client: its netvm, which serves its vif (a driver domain). */
        uint32_t gateway;          /* the netvm's address; 0: no netvm */
        char netvm[BH_NAME_MAX + 1];
        int netvm_domid;           /* -1 when it is not running */
        char vif[BH_IFNAME_MAX];   /* the vif's name in the netvm */
        /* A network domain: what it provides, and its uplink's vif, served
         * by dom0 (uplink_if is dom0's side; "" when it has none). */
        enum bh_netmode provides;
        char uplink_if[BH_IFNAME_MAX];
        uint32_t uplink_addr, uplink_gw;
        unsigned uplink_prefix;
        char vif_script[PATH_MAX]; /* xen: dom0/bulkhead-vif */
};

struct bh_start_spec {
        const struct bh_domain *d;
        /* The template's root filesystem: container: a directory used as the
         * read-only lower layer; xen: the version's root/, beside its xen/. */
        const char *root;
        /* xen: the template version's root image (xen/root.img), shared
         * read-only by its domains; NULL when the version's Xen form is an
         * initramfs holding the whole root. */
        const char *root_image;
        /* xen, app domains: the private volume as an image file, made
         * sparse at the first start and kept; NULL for disposables. */
        const char *private_image;
        /* xen, disposables: the dispvm-template's private image, given
         * read-only as the lower layer of a throw-away /home; NULL when it
         * has none yet (an empty /home). */
        const char *private_lower_image;
        /* xen: the hotplug script libxl runs in dom0 to attach a file as a
         * domain's disk (dom0/bulkhead-vbd). */
        const char *vbd_script;
        /* app domains: the persistent private volume, mounted at /home
         * read-write; NULL for disposables. */
        const char *private_dir;
        /* disposables: the dispvm-template's private volume, the read-only
         * lower layer of a throw-away /home; NULL for an empty /home. */
        const char *private_lower;
        /* Exists, empty, owned by this run; removed by destroy(): overlay
         * upper and work directories, xen's volatile disk. */
        const char *volatile_dir;
        /* dom0's side of the domain's vchan directory (socket transport). */
        const char *vchan_dir;
        /* Directory of the agent programs, visible read-only in the domain
         * at BH_AGENT_DIR (container backend). */
        const char *agent_dir;
        /* Where the console (the domain's init's stdout and stderr) goes. */
        const char *console_log;
        /* container: host directories bound read-only at the same path over
         * the root (the `host` template's /usr), NULL-terminated; NULL for
         * none.  A template's own files cannot ask for this: bulkheadd
         * decides it from the registry.  xen ignores it. */
        const char *const *host_ro_binds;
        /* dom0 shows the domain's windows: its init starts the GUI agent. */
        bool gui;
        /* The domain's hostname; NULL: its name.  An anonymous workstation
         * gets a generic one, so nothing it sends names it. */
        const char *hostname;
        /* NULL: no network. */
        const struct bh_start_net *net;
        /* xen: the machine runs HVM guests, so a domain may run PVH. */
        bool hvm;
};

/* Inside a container domain. */
#define BH_AGENT_DIR "/run/bulkhead/agent"
#define BH_DOMAIN_VCHAN_DIR "/run/bulkhead/vchan"

struct bh_instance {
        pid_t pid;             /* container: init's pid in dom0 */
        uint64_t pid_starttime;
        int domid;             /* xen; -1 for containers */
        /* Readable once the domain may be dead: container: its init's
         * pidfd; xen: the backend's one xenstore watch on @releaseDomain,
         * which any domain's death fires, so bulkheadd asks dead() before
         * reaping. */
        int death_fd;
};

/*
 * A start or destroy the backend runs in the background (start_begin,
 * destroy_begin): bulkheadd goes on serving, polls fd, and calls the
 * matching finish once fd is readable or deadline_ms (CLOCK_MONOTONIC) has
 * passed, whichever comes first; the finish closes fd and frees state.
 */
struct bh_op {
        int fd;
        int64_t deadline_ms;
        void *state;           /* the backend's */
};

struct bh_backend {
        const char *name;
        enum bh_vchan_transport transport;
        /* How long a started domain may take until its agent serves: the
         * disposable pool gives up on one after this. */
        unsigned boot_timeout_s;
        /* After a preloaded disposable is taken, how long the pool waits
         * before booting its replacement: the taken one is starting its
         * command then, and a boot beside it would slow exactly the request
         * the pool is there to speed up. */
        unsigned pool_settle_ms;
        /* A disposable reads its dispvm-template's private volume as a
         * disk: the two never run at once, so that neither sees the
         * volume change under its filesystem (docs/xen-backend.md). */
        bool dvm_private_exclusive;
        /* 0 if this machine can run the backend, else why not. */
        int (*available)(void);
        /* Boots the domain; returns once its init runs. */
        int (*start)(const struct bh_start_spec *spec, struct bh_instance *ret);
        /* Optional, where a start takes seconds (xen): start() in two
         * halves, so that a start nobody waits for (the disposable pool's)
         * does not hold up bulkheadd.  start_begin returns 0 with op in
         * flight, or -errno having cleaned up as a failed start() does;
         * start_finish returns what start() would have.  spec need not
         * outlive start_begin. */
        int (*start_begin)(const struct bh_start_spec *spec, struct bh_instance *ret, struct bh_op *op);
        int (*start_finish)(struct bh_instance *ret, struct bh_op *op);
        int (*pause)(struct bh_instance *inst);
        int (*unpause)(struct bh_instance *inst);
        /* Asks the domain's init to stop everything and exit. */
        int (*shutdown)(struct bh_instance *inst);
        /* Kills the domain at once and waits for it to be gone; then removes
         * what start() mounted or made.  Safe to call on a dead domain. */
        int (*destroy)(const struct bh_start_spec *spec, struct bh_instance *inst);
        /* Optional: destroy() in two halves, as start_begin/start_finish.
         * destroy_begin's -errno means nothing was begun: destroy() is
         * still to be called. */
        int (*destroy_begin)(struct bh_instance *inst, struct bh_op *op);
        int (*destroy_finish)(const struct bh_start_spec *spec, struct bh_instance *inst, struct bh_op *op);
        /* After a bulkheadd restart: finds the domain a registry entry says
         * is running; -ESRCH when it is gone. */
        int (*attach)(const struct bh_domain *d, struct bh_instance *ret);
        /* death_fd turned readable: 1 if the domain is dead (or shut down
         * and waiting for destroy()), 0 if the wake-up was another's; takes
         * in what made the fd readable.  NULL: readable means dead. */
        int (*dead)(struct bh_instance *inst);
        /* Whether the domain's agent serves vchan port yet (the disposable
         * pool pauses a domain only then).  vchan_dir: dom0's side of the
         * domain's channel directory (socket transport). */
        bool (*serving)(const struct bh_instance *inst, const char *vchan_dir, int port);
        /* An fd of the domain's network namespace, for dom0 to plumb its
         * links (docs/networking.md); NULL: the backend has no netvm
         * networking yet. */
        int (*netns)(const struct bh_instance *inst);
        /* A backend without netns(): hands a network domain its ruleset
         * (text for `nft -f`), which the domain loads itself; the vifs
         * came with start_spec.net.  NULL: no netvm networking. */
        int (*net_rules)(const struct bh_instance *inst, const char *ruleset);
        /* Whether this machine runs HVM guests (Xen: PVH possible); NULL:
         * no. */
        bool (*hvm)(void);
        /* Where dom0 keeps what the domain's console said, into buf; NULL:
         * the start spec's console_log. */
        int (*console_path)(const char *name, char *buf, size_t len);
        /* Such a backend: gives a running domain the network net says (a
         * new netvm, or its netvm restarted) in place of the one it has,
         * whose netvm may be gone; NULL net: none. */
        int (*net_replug)(struct bh_instance *inst, const char *name, const struct bh_start_net *net);
};

extern const struct bh_backend bh_backend_container;
#if HAVE_XEN
extern const struct bh_backend bh_backend_xen;
#endif
