/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xen_plan.h"

static int path_into(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int path_into(char *buf, size_t len, const char *fmt, ...)
{
        va_list ap;
        int w;

        va_start(ap, fmt);
        w = vsnprintf(buf, len, fmt, ap);
        va_end(ap);
        return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* The disk's file: PATH, or DIR/FILE. */
static int add_disk(struct bh_xen_plan *p, const char *vdev, enum bh_xen_disk_kind kind,
                    unsigned long long bytes, const char *path, const char *file)
{
        struct bh_xen_disk *d;

        if (p->ndisks >= BH_XEN_DISKS_MAX)
                return -E2BIG;
        d = &p->disks[p->ndisks];
        snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
        d->kind = kind;
        d->bytes = bytes;
        if (path_into(d->target, sizeof(d->target), "%s%s%s", path, file ? "/" : "", file ? file : "") < 0)
                return -ENAMETOOLONG;
        p->ndisks++;
        return 0;
}

/* xvda the template's root, read-only and shared; xvdb the private volume
 * (app domains), or for a disposable its dispvm-template's, read-only;
 * xvdc the volatile one, the upper layer of the domain's overlay root.
 * The domain's init finds them by these names. */
static int plan_disks(const struct bh_start_spec *spec, struct bh_xen_plan *p)
{
        int r;

        if (!spec->volatile_dir || !spec->vbd_script || (spec->private_image && spec->private_lower_image))
                return -EINVAL;
        if (path_into(p->vbd_script, sizeof(p->vbd_script), "%s", spec->vbd_script) < 0)
                return -ENAMETOOLONG;
        if ((r = add_disk(p, "xvda", BH_XEN_DISK_SHARED_RO, 0, spec->root_image, NULL)) < 0)
                return r;
        if (spec->private_image &&
            (r = add_disk(p, "xvdb", BH_XEN_DISK_KEEP, (unsigned long long)spec->d->private_mib << 20,
                          spec->private_image, NULL)) < 0)
                return r;
        if (spec->private_lower_image &&
            (r = add_disk(p, "xvdb", BH_XEN_DISK_SHARED_RO, 0, spec->private_lower_image, NULL)) < 0)
                return r;
        return add_disk(p, "xvdc", BH_XEN_DISK_FRESH, BH_XEN_VOLATILE_BYTES, spec->volatile_dir,
                        BH_XEN_VOLATILE_FILE);
}

static void add_net_key(struct bh_xen_plan *p, const char *key, const char *value)
{
        struct bh_xen_net_key *k;

        if (p->nnet_keys >= BH_XEN_NET_KEYS_MAX)
                return;
        k = &p->net_keys[p->nnet_keys++];
        snprintf(k->key, sizeof(k->key), "%s", key);
        snprintf(k->value, sizeof(k->value), "%s", value);
}

static void add_net_ip(struct bh_xen_plan *p, const char *key, uint32_t ip)
{
        char buf[BH_IP_STR_MAX];

        add_net_key(p, key, bh_ip_format(ip, buf));
}

/* A client's vif is served by its netvm (a driver domain: dom0 carries
 * none of its packets) and named after its address there, which the
 * netvm's ruleset knows; a network domain's uplink vif is served by dom0,
 * named bhuN there by the vif script. */
int bh_xen_plan_net(const struct bh_start_net *n, struct bh_xen_plan *p)
{
        struct bh_xen_nic *nic = &p->nics[0];
        char buf[16];

        if (!n->ip)
                return -EINVAL;
        add_net_ip(p, "ip", n->ip);
        if (n->gateway) {
                if (!n->netvm[0] || !n->vif[0])
                        return -EINVAL;
                snprintf(nic->backend, sizeof(nic->backend), "%s", n->netvm);
                nic->backend_domid = n->netvm_domid;
                snprintf(nic->ifname, sizeof(nic->ifname), "%s", n->vif);
                bh_ip_format(n->ip, nic->ip);
                p->nnics = 1;
                add_net_ip(p, "gateway", n->gateway);
                add_net_ip(p, "dns", BH_NET_DNS_VIRTUAL);
        }
        if (n->provides != BH_NETMODE_NONE)
                add_net_key(p, "mode", n->provides == BH_NETMODE_TOR ? "tor" : "router");
        if (n->uplink_if[0]) {
                if (p->nnics || !n->uplink_addr || !n->vif_script[0])
                        return -EINVAL;
                nic->backend_domid = 0;
                snprintf(nic->ifname, sizeof(nic->ifname), "%s", n->uplink_if);
                if (path_into(nic->script, sizeof(nic->script), "%s", n->vif_script) < 0)
                        return -ENAMETOOLONG;
                p->nnics = 1;
                add_net_ip(p, "uplink-ip", n->uplink_addr);
                snprintf(buf, sizeof(buf), "%u", n->uplink_prefix);
                add_net_key(p, "uplink-prefix", buf);
                if (n->uplink_gw)
                        add_net_ip(p, "uplink-gateway", n->uplink_gw);
        }
        return 0;
}

static const char *private_flag(const struct bh_start_spec *spec, const struct bh_xen_plan *p)
{
        if (!p->ndisks)
                return "";
        return spec->private_image ? " bulkhead.private=1" : spec->private_lower_image ? " bulkhead.private=ro" : "";
}

int bh_xen_plan_make(const struct bh_start_spec *spec, struct bh_xen_plan *ret)
{
        const char *root = spec->root;
        size_t n, dir;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (!root || !spec->d)
                return -EINVAL;
        n = strlen(root);
        /* The version directory holds root/ and xen/ side by side. */
        if (n < 6 || strcmp(root + n - 5, "/root") != 0)
                return -EINVAL;
        dir = n - 5;
        if (path_into(ret->kernel, sizeof(ret->kernel), "%.*s/%s", (int)dir, root, BH_XEN_KERNEL_FILE) < 0 ||
            path_into(ret->ramdisk, sizeof(ret->ramdisk), "%.*s/%s", (int)dir, root, BH_XEN_RAMDISK_FILE) < 0)
                return -ENAMETOOLONG;
        if (spec->root_image && (r = plan_disks(spec, ret)) < 0)
                return r;
        if (spec->net && (r = bh_xen_plan_net(spec->net, ret)) < 0)
                return r;
        snprintf(ret->name, sizeof(ret->name), "%s", spec->d->name);
        snprintf(ret->cmdline, sizeof(ret->cmdline), "%s%s%s%s", BH_XEN_CMDLINE_BASE,
                 ret->ndisks ? " bulkhead.disks=1" : "", private_flag(spec, ret), spec->gui ? " bulkhead.gui=1" : "");
        ret->pvh = spec->d->virt_mode == BH_VIRT_PVH && spec->hvm;
        ret->memory_mib = spec->d->memory_mib;
        ret->vcpus = spec->d->vcpus ? spec->d->vcpus : 1;
        return 0;
}

static const char *const kind_names[] = {
        [BH_XEN_DISK_SHARED_RO] = "shared-ro",
        [BH_XEN_DISK_KEEP] = "keep",
        [BH_XEN_DISK_FRESH] = "fresh",
};

int bh_xen_disk_format(const struct bh_xen_disk *d, char *buf, size_t len)
{
        int w = snprintf(buf, len, "%s %s %llu %s", d->vdev, kind_names[d->kind], d->bytes, d->target);

        return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int bh_xen_disk_parse(const char *s, struct bh_xen_disk *ret)
{
        char vdev[8], kind[16];
        unsigned long long bytes;
        int off = 0;

        memset(ret, 0, sizeof(*ret));
        if (sscanf(s, "%7s %15s %llu %n", vdev, kind, &bytes, &off) != 3 || off == 0 || s[off] != '/')
                return -EINVAL;
        if (strncmp(vdev, "xvd", 3) != 0 || strlen(vdev) != 4 || vdev[3] < 'a' || vdev[3] > 'z')
                return -EINVAL;
        for (size_t k = 0;; k++) {
                if (k == sizeof(kind_names) / sizeof(kind_names[0]))
                        return -EINVAL;
                if (strcmp(kind, kind_names[k]) == 0) {
                        ret->kind = (enum bh_xen_disk_kind)k;
                        break;
                }
        }
        if (strlen(s + off) >= sizeof(ret->target) || strchr(s + off, '\n'))
                return -EINVAL;
        snprintf(ret->vdev, sizeof(ret->vdev), "%s", vdev);
        snprintf(ret->target, sizeof(ret->target), "%s", s + off);
        ret->bytes = bytes;
        return 0;
}

/* Fields of the API's lines: '-' stands for an empty one, and no field
 * may hold a space (names, interface names and addresses cannot; a
 * script's path is bulkheadd's own). */
static const char *field(const char *v)
{
        return v[0] ? v : "-";
}

static int unfield(const char *in, char *out, size_t len)
{
        if (strcmp(in, "-") == 0)
                in = "";
        if (strlen(in) >= len)
                return -EINVAL;
        snprintf(out, len, "%s", in);
        return 0;
}

int bh_xen_nic_format(const struct bh_xen_nic *n, char *buf, size_t len)
{
        int w;

        if (strchr(n->script, ' '))
                return -EINVAL;
        w = snprintf(buf, len, "%s %s %s %s", field(n->backend), field(n->ifname), field(n->ip),
                     field(n->script));
        return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int bh_xen_nic_parse(const char *s, struct bh_xen_nic *ret)
{
        char f[4][PATH_MAX];
        int off = 0;

        memset(ret, 0, sizeof(*ret));
        ret->backend_domid = -1;
        if (strlen(s) >= PATH_MAX ||
            sscanf(s, "%4095s %4095s %4095s %4095s%n", f[0], f[1], f[2], f[3], &off) != 4 || s[off])
                return -EINVAL;
        if (unfield(f[0], ret->backend, sizeof(ret->backend)) < 0 ||
            unfield(f[1], ret->ifname, sizeof(ret->ifname)) < 0 || !ret->ifname[0] ||
            unfield(f[2], ret->ip, sizeof(ret->ip)) < 0 ||
            unfield(f[3], ret->script, sizeof(ret->script)) < 0)
                return -EINVAL;
        return 0;
}

int bh_xen_net_key_format(const struct bh_xen_net_key *k, char *buf, size_t len)
{
        int w = snprintf(buf, len, "%s %s", k->key, k->value);

        return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int bh_xen_net_key_parse(const char *s, struct bh_xen_net_key *ret)
{
        char key[64], value[64];
        int off = 0;

        memset(ret, 0, sizeof(*ret));
        if (sscanf(s, "%63s %63s%n", key, value, &off) != 2 || s[off] ||
            strlen(key) >= sizeof(ret->key) || strlen(value) >= sizeof(ret->value))
                return -EINVAL;
        snprintf(ret->key, sizeof(ret->key), "%s", key);
        snprintf(ret->value, sizeof(ret->value), "%s", value);
        return 0;
}

/* xl.cfg strings are double-quoted; our names and paths have no quote or
 * backslash in them (names are checked, paths are bulkheadd's own), but a
 * state directory could, so escape them rather than print a broken file. */
static void print_escaped(FILE *out, const char *v)
{
        for (; *v; v++) {
                if (*v == '"' || *v == '\\')
                        fputc('\\', out);
                fputc(*v, out);
        }
}

static void print_string(FILE *out, const char *key, const char *v)
{
        fprintf(out, "%s = \"", key);
        print_escaped(out, v);
        fputs("\"\n", out);
}

/* xl-disk-configuration(5): target last, since it may hold commas. */
static void print_disks(const struct bh_xen_plan *p, FILE *out)
{
        if (!p->ndisks)
                return;
        fputs("# xvda: the template's root image, shared read-only by its domains;\n"
              "# xvdb: the private volume (app domains; a disposable's dispvm-template's,\n"
              "# read-only); xvdc: the volatile volume, made afresh at each start\n"
              "# (bulkheadd makes the files before xl would).\n"
              "disk = [\n",
              out);
        for (unsigned i = 0; i < p->ndisks; i++) {
                const struct bh_xen_disk *d = &p->disks[i];

                fprintf(out, "    \"format=raw, vdev=%s, access=%s, backendtype=phy, script=", d->vdev,
                        d->kind == BH_XEN_DISK_SHARED_RO ? "ro" : "rw");
                print_escaped(out, p->vbd_script);
                fputs(", target=", out);
                print_escaped(out, d->target);
                fputs("\",\n", out);
        }
        fputs("]\n", out);
}

/* xl-network-configuration(5); xl has no line for a domain's own
 * xenstore keys, so those are comments. */
static void print_nics(const struct bh_xen_plan *p, FILE *out)
{
        if (p->nnet_keys) {
                fputs("# bulkheadd writes the domain's network settings in its xenstore home:\n", out);
                for (unsigned i = 0; i < p->nnet_keys; i++)
                        fprintf(out, "#   %s/%s = %s\n", BH_XEN_NET_DIR, p->net_keys[i].key,
                                p->net_keys[i].value);
        }
        if (!p->nnics)
                return;
        fputs("vif = [\n", out);
        for (unsigned i = 0; i < p->nnics; i++) {
                const struct bh_xen_nic *n = &p->nics[i];

                fputs("    \"vifname=", out);
                print_escaped(out, n->ifname);
                if (n->backend[0]) {
                        fputs(", backend=", out);
                        print_escaped(out, n->backend);
                }
                if (n->ip[0])
                        fprintf(out, ", ip=%s", n->ip);
                if (n->script[0]) {
                        fputs(", script=", out);
                        print_escaped(out, n->script);
                }
                fputs("\",\n", out);
        }
        fputs("]\n", out);
}

int bh_xen_plan_print_xl(const struct bh_xen_plan *p, FILE *out)
{
        fputs("# What bulkheadd gives libxl for this domain, as an xl configuration.\n"
              "# bulkheadd itself destroys the domain when it powers off or crashes;\n"
              "# xl does the same with the on_* lines below.\n",
              out);
        print_string(out, "name", p->name);
        print_string(out, "type", p->pvh ? "pvh" : "pv");
        if (p->pvh)
                /* No RDTSC(P) interception: a desktop domain never
                 * migrates, and CPUs without NRIP save (or an emulator's)
                 * cannot emulate RDTSCP for an HVM guest. */
                print_string(out, "tsc_mode", "native");
        print_string(out, "kernel", p->kernel);
        print_string(out, "ramdisk", p->ramdisk);
        print_string(out, "extra", p->cmdline);
        fprintf(out, "memory = %u\n", p->memory_mib);
        fprintf(out, "maxmem = %u\n", p->memory_mib);
        fprintf(out, "vcpus = %u\n", p->vcpus);
        print_disks(p, out);
        print_nics(p, out);
        print_string(out, "on_poweroff", "destroy");
        print_string(out, "on_reboot", "destroy");
        print_string(out, "on_crash", "destroy");
        return ferror(out) ? -EIO : 0;
}
