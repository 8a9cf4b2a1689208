/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain as the registry records it.  One file per domain under
 * <state>/domains/<name>.conf, written atomically (registry.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Names: [A-Za-z0-9_.-], first character a letter, at most 31 bytes, so
 * they fit Xen's and the kernel's name fields (hostname, cgroup). */
#define BH_NAME_MAX 31
/* Tags per domain, as a comma-separated list: 16 names of up to 31 bytes,
 * more than any policy needs, small enough for one record line. */
#define BH_TAGS_COUNT_MAX 16
#define BH_TAGS_MAX (BH_TAGS_COUNT_MAX * (BH_NAME_MAX + 1))

enum bh_class {
        BH_CLASS_TEMPLATE,        /* owns a root filesystem */
        BH_CLASS_APP,             /* root from its template, private /home kept */
        BH_CLASS_DISPVM_TEMPLATE, /* an app domain disposables are made from */
        BH_CLASS_DISPOSABLE,      /* everything thrown away when it stops */
};

enum bh_label {
        BH_LABEL_RED,
        BH_LABEL_ORANGE,
        BH_LABEL_YELLOW,
        BH_LABEL_GREEN,
        BH_LABEL_GRAY,
        BH_LABEL_BLUE,
        BH_LABEL_PURPLE,
        BH_LABEL_BLACK,
};

/* What a domain does for the domains whose netvm it is
 * (docs/networking.md). */
/* PVH (the default) where the machine runs HVM guests, else PV. */
enum bh_virt_mode {
        BH_VIRT_PVH,
        BH_VIRT_PV,
};

enum bh_netmode {
        BH_NETMODE_NONE,   /* provides no network */
        BH_NETMODE_ROUTER, /* routes and NATs its clients, per-client firewall */
        BH_NETMODE_TOR,    /* a Tor gateway: clients' TCP and DNS go to Tor, nothing else */
};

/* A network domain's uplink: "" (none), "host" (a veth to dom0's own
 * network, NATed there), "netns:NAME" (a veth into /run/netns/NAME). */
#define BH_UPLINK_MAX 48

enum bh_state {
        BH_STATE_HALTED,
        BH_STATE_RUNNING,
        BH_STATE_PAUSED,
};

struct bh_domain {
        char name[BH_NAME_MAX + 1];
        enum bh_class klass;
        enum bh_label label;
        /* app, dispvm-template: its template; disposable: its dispvm-template */
        char template_name[BH_NAME_MAX + 1];
        char netvm[BH_NAME_MAX + 1]; /* empty: no network (loopback only) */
        /* qrexec policy: tags (comma-separated names, for @tag:T) and the
         * disposable template @dispvm means for calls from this domain. */
        char tags[BH_TAGS_MAX + 1];
        char default_dispvm[BH_NAME_MAX + 1];
        /* GUI: whether the domain's windows may go fullscreen (dom0 refuses
         * it otherwise, so a domain cannot hide the frames). */
        bool allow_fullscreen;
        /* Network (docs/networking.md): the address dom0 gave it (host
         * order, 0: none yet), what it provides, its uplink if it is the
         * first hop, and anon: a workstation whose only way out is a Tor
         * gateway (generic hostname; refuses any other netvm). */
        uint32_t ip;
        enum bh_netmode provides_network;
        char uplink[BH_UPLINK_MAX + 1];
        uint32_t uplink_addr, uplink_gw, uplink_dns;
        unsigned uplink_prefix;
        bool anon;
        unsigned memory_mib;
        /* xen: the size of the private volume's sparse image, which grows
         * to it and never shrinks; the container backend's private volume
         * is a directory and has no size. */
        unsigned private_mib;
        /* xen: how the domain runs (docs/xen-backend.md). */
        enum bh_virt_mode virt_mode;
        unsigned vcpus;
        char backend[16];  /* "container" or "xen" */
        unsigned preload;  /* dispvm-template: disposables kept started and paused */
        int64_t created;   /* unix seconds */
        /* Runtime, recorded so a restarted bulkheadd can find it again. */
        enum bh_state state;
        int64_t started;   /* unix seconds, 0 when halted */
        pid_t pid;         /* container: the domain's init as dom0 sees it */
        uint64_t pid_starttime; /* /proc/PID/stat field 22, tells a reused pid apart */
        int domid;         /* xen: the domain id, -1 otherwise */
};
