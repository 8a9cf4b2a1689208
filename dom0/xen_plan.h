/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a Xen domain is made of, derived from a bh_start_spec alone.  One
 * plan feeds both backend_xen.c (which turns it into a libxl configuration)
 * and `bulkhead xl-config` (which prints it as xl would read it), so what a
 * user debugs with Xen's own tools is what bulkheadd started.  Pure: no
 * libxl, no I/O beyond the FILE it prints to.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "backend.h"

/* A template's Xen form, beside its root/ in the version directory
 * (docs/templates.md): the kernel and the initramfs the domain boots, and
 * optionally the root filesystem image every domain of the template shares
 * read-only (then the initramfs only mounts the disks). */
#define BH_XEN_KERNEL_FILE "xen/vmlinuz"
#define BH_XEN_RAMDISK_FILE "xen/initrd.img"
#define BH_XEN_ROOT_IMAGE_FILE "xen/root.img"
/* In the domain's volatile directory, made afresh at each start. */
#define BH_XEN_VOLATILE_FILE "volatile.img"
/* The domain's console and its kernel's first words; the init reads
 * bulkhead.gui=1 to start the GUI agent, bulkhead.disks=1 to mount its
 * disks and bulkhead.private=1 to mount a private one at /home, or
 * bulkhead.private=ro to lay a throw-away /home over a read-only one
 * (docs/xen-backend.md). */
#define BH_XEN_CMDLINE_BASE "console=hvc0 loglevel=4"
/* Sizes of the sparse files: they cost only what the domain writes.  The
 * private volume's is the domain's private_mib (it grows, never shrinks);
 * the volatile one takes the writes to / of one run. */
#define BH_XEN_VOLATILE_BYTES (1ULL << 30)
/* root, private, volatile */
#define BH_XEN_DISKS_MAX 3
/* A domain has one way out: a vif to its netvm, or a network domain's
 * uplink vif, served by dom0. */
#define BH_XEN_NICS_MAX 1
/* What the domain's init reads of its network (agent/bulkhead-xen-net),
 * under its xenstore home's BH_XEN_NET_DIR: ip, gateway, dns, mode,
 * uplink-ip, uplink-prefix, uplink-gateway.  dom0 writes them before the
 * domain runs; the domain can read, not write them. */
#define BH_XEN_NET_DIR "bulkhead/net"
#define BH_XEN_NET_KEYS_MAX 8

enum bh_xen_disk_kind {
        BH_XEN_DISK_SHARED_RO, /* the template's root image, or a disposable's
                                * dispvm-template's private one: exists, read-only */
        BH_XEN_DISK_KEEP,      /* the private volume: made sparse once, then kept */
        BH_XEN_DISK_FRESH,     /* the volatile volume: made sparse at each start */
};

struct bh_xen_disk {
        char vdev[8];          /* xvda, xvdb, xvdc */
        char target[PATH_MAX]; /* a regular file in dom0 */
        enum bh_xen_disk_kind kind;
        unsigned long long bytes; /* KEEP and FRESH: the size to make it */
};

struct bh_xen_nic {
        char backend[BH_NAME_MAX + 1]; /* the domain serving it; "" for dom0 */
        int backend_domid;             /* -1 when it is not running */
        char ifname[BH_IFNAME_MAX];    /* its name where it is served */
        char ip[BH_IP_STR_MAX];        /* a client's address; "" for an uplink */
        char script[PATH_MAX];         /* served by dom0: its hotplug script */
};

struct bh_xen_net_key {
        char key[16];
        char value[BH_IP_STR_MAX];
};

struct bh_xen_plan {
        char name[BH_NAME_MAX + 1];
        /* PVH: the domain's virt-mode says so and the machine runs HVM
         * guests; else PV. */
        bool pvh;
        char kernel[PATH_MAX];
        char ramdisk[PATH_MAX];
        char cmdline[128];
        unsigned memory_mib;
        unsigned vcpus;
        /* The hotplug script libxl runs to attach each disk (a file) in
         * dom0; empty when there are no disks. */
        char vbd_script[PATH_MAX];
        struct bh_xen_disk disks[BH_XEN_DISKS_MAX];
        unsigned ndisks;
        struct bh_xen_nic nics[BH_XEN_NICS_MAX];
        unsigned nnics;
        struct bh_xen_net_key net_keys[BH_XEN_NET_KEYS_MAX];
        unsigned nnet_keys;
};

/* -EINVAL when the spec's root does not end in "/root" (bulkheadd always
 * gives a template version's root directory), or it has a root image but no
 * volatile directory or vbd script, or both a private image and a lower
 * one; -ENAMETOOLONG.  Disks only when the spec has a root image: xvda the
 * root (read-only), xvdb the private image (app domains) or a disposable's
 * lower one (read-only), xvdc the volatile one.  A vif and network keys
 * when the spec has a network. */
int bh_xen_plan_make(const struct bh_start_spec *spec, struct bh_xen_plan *ret);

/* The vif and network keys of n added to p (bh_xen_plan_make's part, and
 * what a running domain's new network is made of). */
int bh_xen_plan_net(const struct bh_start_net *n, struct bh_xen_plan *p);

/* The plan as an xl configuration file (xl.cfg(5)). */
int bh_xen_plan_print_xl(const struct bh_xen_plan *p, FILE *out);

/* One disk as a line "vdev kind bytes target" (the API's form, for
 * `bulkhead xl-config`), and back; parse refuses anything else with
 * -EINVAL. */
int bh_xen_disk_format(const struct bh_xen_disk *d, char *buf, size_t len);
int bh_xen_disk_parse(const char *s, struct bh_xen_disk *ret);

/* Likewise a vif, "BACKEND IFNAME IP SCRIPT" ('-' for an empty field),
 * and a network key, "KEY VALUE". */
int bh_xen_nic_format(const struct bh_xen_nic *n, char *buf, size_t len);
int bh_xen_nic_parse(const char *s, struct bh_xen_nic *ret);
int bh_xen_net_key_format(const struct bh_xen_net_key *k, char *buf, size_t len);
int bh_xen_net_key_parse(const char *s, struct bh_xen_net_key *ret);
