/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Networking in bulkheadd (docs/networking.md): addresses, netvm chains,
 * the links between domains' namespaces, each network domain's ruleset,
 * and the per-domain firewall files.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "fsutil.h"
#include "net_link.h"
#include "net_rules.h"
#include "tor_gateway.h"
#include "util.h"

/* netvm chains longer than this are refused (and cannot loop). */
#define NETVM_CHAIN_MAX 8

/* A host uplink's addresses unless the domain's prefs say otherwise:
 * 10.136.0.2/30 in the netvm, 10.136.0.1 on dom0's side. */
#define HOST_UPLINK_ADDR 0x0a880002u
#define HOST_UPLINK_GW 0x0a880001u
#define HOST_UPLINK_PREFIX 30

int net_assign_ip(struct daemon *dm, struct bh_domain *d)
{
        _cleanup_free_ uint32_t *used = NULL;
        size_t n = 0;
        int e;

        if (d->ip || d->klass == BH_CLASS_TEMPLATE)
                return 0;
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                n++;
        used = calloc(n + 1, sizeof(*used));
        if (!used)
                return -ENOMEM;
        n = 0;
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->d.ip)
                        used[n++] = r->d.ip;
        e = bh_net_pool_pick(used, n, &d->ip);
        if (e < 0)
                return bh_log_errno(e, "domain %s: no free address in 10.137.0.0/16", d->name);
        return 0;
}

int net_check_netvm(struct daemon *dm, const char *self, const char *netvm, char *err,
                    size_t errlen)
{
        const char *at = netvm;

        if (!netvm[0])
                return 0;
        for (int depth = 0; at[0]; depth++) {
                struct dom_rt *n = dom_find(dm, at);

                if (!n) {
                        snprintf(err, errlen, "no domain named '%s'", at);
                        return -ENOENT;
                }
                if (n->d.provides_network == BH_NETMODE_NONE) {
                        snprintf(err, errlen, "'%s' does not provide network (prefs %s provides-network yes)",
                                 at, at);
                        return -EINVAL;
                }
                if (strcmp(at, self) == 0) {
                        snprintf(err, errlen, "netvm %s: the chain leads back to %s", netvm, self);
                        return -ELOOP;
                }
                if (depth >= NETVM_CHAIN_MAX) {
                        snprintf(err, errlen, "netvm %s: a chain longer than %d hops", netvm,
                                 NETVM_CHAIN_MAX);
                        return -ELOOP;
                }
                at = n->d.netvm;
        }
        return 0;
}

int net_check_anon(struct daemon *dm, bool anon, const char *netvm, char *err, size_t errlen)
{
        struct dom_rt *nv = netvm[0] ? dom_find(dm, netvm) : NULL;

        /* No netvm is allowed: an anonymous workstation is then offline. */
        if (!anon || !netvm[0] || (nv && nv->d.provides_network == BH_NETMODE_TOR))
                return 0;
        snprintf(err, errlen, "an anonymous workstation's netvm must be a Tor gateway (provides-network tor), and %s is not",
                 netvm);
        return -EPERM;
}

/* A disposable follows its dispvm-template's firewall, as in Qubes. */
static const char *firewall_owner(const struct bh_domain *d)
{
        return d->klass == BH_CLASS_DISPOSABLE ? d->template_name : d->name;
}

int net_firewall_load(struct daemon *dm, const char *name, struct bh_firewall *fw, char *err,
                      size_t errlen)
{
        _cleanup_free_ char *path = path_firewall(dm, name);
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        ssize_t n;

        bh_firewall_init(fw);
        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size > BH_FW_FILE_MAX) {
                snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, BH_FW_FILE_MAX);
                return -EINVAL;
        }
        text = malloc((size_t)st.st_size + 1);
        if (!text)
                return -ENOMEM;
        n = read(fd, text, (size_t)st.st_size);
        if (n != st.st_size)
                return n < 0 ? -errno : -EIO;
        return bh_firewall_parse(text, (size_t)n, path, fw, err, errlen);
}

int net_firewall_save(struct daemon *dm, const char *name, const struct bh_firewall *fw)
{
        _cleanup_free_ char *dir = NULL, *text = NULL;
        _cleanup_close_ int dfd = -1;
        char file[BH_NAME_MAX + 8];
        size_t len;
        int e;

        if (asprintf(&dir, "%s/firewall", dm->state_dir) < 0)
                return -ENOMEM;
        if ((e = mkdir_p(dir, 0700)) < 0)
                return e;
        text = malloc(BH_FW_FILE_MAX);
        if (!text)
                return -ENOMEM;
        if ((e = bh_firewall_format(fw, name, text, BH_FW_FILE_MAX, &len)) < 0)
                return e;
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        snprintf(file, sizeof(file), "%s.conf", name);
        return bh_write_file_atomic_at(dfd, file, text, len, 0600);
}

void net_firewall_remove(struct daemon *dm, const char *name)
{
        _cleanup_free_ char *path = path_firewall(dm, name);

        if (path && unlink(path) < 0 && errno != ENOENT)
                bh_log_errno(-errno, "domain %s: removing %s", name, path);
}

/* dsthost= names resolve in dom0, when the rules load. */
static int resolve(const char *host, uint32_t *addrs, size_t max, void *userdata)
{
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res = NULL;
        size_t n = 0;

        (void)userdata;
        if (getaddrinfo(host, NULL, &hints, &res) != 0)
                return -ENOENT;
        for (struct addrinfo *a = res; a && n < max; a = a->ai_next) {
                uint32_t ip = ntohl(((const struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr);
                bool dup = false;

                for (size_t k = 0; k < n; k++)
                        dup |= addrs[k] == ip;
                if (!dup)
                        addrs[n++] = ip;
        }
        freeaddrinfo(res);
        return (int)n;
}

static void unresolved(const char *host, void *userdata)
{
        bh_log_error("netvm %s: firewall: dsthost=%s does not resolve (accept rules for it match nothing, drop rules drop regardless of address)",
                     (const char *)userdata, host);
}

static int netns_of(struct daemon *dm, struct dom_rt *r)
{
        if (!dm->backend->netns)
                return -EOPNOTSUPP;
        if (!r->live)
                return -ENOTCONN;
        return dm->backend->netns(&r->inst);
}

/* A host uplink's DNS server: the host's first resolver a namespace can
 * reach (not a loopback one). */
static uint32_t host_dns(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
        char line[256], word[64];
        uint32_t ip;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "nameserver %63s", word) == 1 && bh_ip_parse(word, &ip) == 0 &&
                    ip >> 24 != 127)
                        return ip;
        return 0;
}

/* The ruleset of network domain nv, from its live clients and their
 * firewalls; loaded whole. */
int net_reload_rules(struct daemon *dm, struct dom_rt *nv)
{
        _cleanup_free_ struct bh_net_client *clients = NULL;
        _cleanup_free_ struct bh_firewall *fws = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int ns = -1;
        struct bh_net_node node = {
                .mode = nv->d.provides_network,
                .self_ip = nv->d.ip,
                .has_uplink = nv->d.uplink[0] != '\0',
                .uplink_dns = nv->d.uplink_dns ? nv->d.uplink_dns
                              : strcmp(nv->d.uplink, "host") == 0 ? host_dns() : 0,
                .tor_uid = BH_TOR_UID,
        };
        size_t n = 0, k = 0;
        int e;

        if (nv->d.provides_network == BH_NETMODE_NONE || !nv->live)
                return 0;
        for (struct dom_rt *c = dm->doms; c; c = c->next)
                if (c->live && c->d.ip && strcmp(c->d.netvm, nv->d.name) == 0)
                        n++;
        clients = calloc(n + 1, sizeof(*clients));
        fws = calloc(n + 1, sizeof(*fws));
        if (!clients || !fws)
                return -ENOMEM;
        for (struct dom_rt *c = dm->doms; c && k < n; c = c->next) {
                char err[256];

                if (!(c->live && c->d.ip && strcmp(c->d.netvm, nv->d.name) == 0))
                        continue;
                e = net_firewall_load(dm, firewall_owner(&c->d), &fws[k], err, sizeof(err));
                if (e < 0) {
                        /* A firewall that cannot be read lets nothing through. */
                        bh_log_error("domain %s: firewall: %s; dropping all its traffic", c->d.name,
                                     e == -EINVAL ? err : strerror(-e));
                        bh_firewall_init(&fws[k]);
                        fws[k].default_action = BH_FW_DROP;
                }
                clients[k].ip = c->d.ip;
                clients[k].fw = &fws[k];
                k++;
        }
        node.clients = clients;
        node.n_clients = k;
        e = bh_net_rules(&node, resolve, nv->d.name, unresolved, &text);
        if (e < 0)
                return bh_log_errno(e, "netvm %s: making its ruleset", nv->d.name);
        if (!dm->backend->netns && dm->backend->net_rules) {
                e = dm->backend->net_rules(&nv->inst, text);
                if (e < 0)
                        return bh_log_errno(e, "netvm %s: handing it its ruleset", nv->d.name);
                return 0;
        }
        ns = netns_of(dm, nv);
        if (ns < 0)
                return bh_log_errno(ns, "netvm %s: its network namespace", nv->d.name);
        e = bh_nft_load(ns, text);
        if (e < 0)
                return bh_log_errno(e, "netvm %s: loading its ruleset", nv->d.name);
        return 0;
}

static int no_ipv6(int ns)
{
        int e = bh_net_sysctl(ns, "net/ipv6/conf/all/disable_ipv6", "1");

        if (e == -ENOENT) /* a kernel without IPv6 */
                return 0;
        if (e == 0)
                e = bh_net_sysctl(ns, "net/ipv6/conf/default/disable_ipv6", "1");
        return e;
}

/* Links client c to its (running) netvm nv: eth0 in c, vifN in nv.
 * reload: load nv's ruleset first (a caller plumbing many clients at once
 * loads it once, before all of them). */
static int plumb_client(struct daemon *dm, struct dom_rt *c, struct dom_rt *nv, bool reload)
{
        _cleanup_close_ int cns = -1, nns = -1, cnl = -1, nnl = -1;
        char vif[BH_IFNAME_MAX];
        const char *step;
        int e;

        if ((e = bh_net_vif_name(c->d.ip, vif)) < 0) {
                step = "its address";
                goto fail;
        }
        step = "network namespaces";
        if ((cns = netns_of(dm, c)) < 0 || (nns = netns_of(dm, nv)) < 0) {
                e = cns < 0 ? cns : nns;
                goto fail;
        }
        step = "netlink";
        if ((cnl = bh_nl_open(cns)) < 0 || (nnl = bh_nl_open(nns)) < 0) {
                e = cnl < 0 ? cnl : nnl;
                goto fail;
        }
        step = "no IPv6";
        if ((e = no_ipv6(cns)) < 0)
                goto fail;
        /* Re-plumbing (a new netvm, a restarted one): the old pair goes. */
        step = "removing the old link";
        if ((e = bh_nl_link_del(cnl, "eth0")) < 0 || (e = bh_nl_link_del(nnl, vif)) < 0)
                goto fail;
        /* The netvm's rules know the client before its link exists: until
         * then, its forward chain drops whatever comes from a vif it does
         * not know. */
        step = "the netvm's ruleset";
        if (reload && (e = net_reload_rules(dm, nv)) < 0)
                goto fail;
        step = "veth pair";
        if ((e = bh_nl_veth(cnl, "eth0", vif, nns)) < 0)
                goto fail;
        step = "the client's side";
        if ((e = bh_nl_link_up(cnl, "eth0", c->d.ip, 32)) < 0 ||
            (e = bh_nl_route(cnl, "eth0", nv->d.ip, 32, 0)) < 0 ||
            (e = bh_nl_route(cnl, "eth0", 0, 0, nv->d.ip)) < 0)
                goto fail;
        step = "the netvm's side";
        if ((e = bh_nl_link_up(nnl, vif, nv->d.ip, 32)) < 0 ||
            (e = bh_nl_route(nnl, vif, c->d.ip, 32, 0)) < 0)
                goto fail;
        return 0;
fail:
        return bh_log_errno(e, "domain %s: network through %s: %s", c->d.name, nv->d.name, step);
}

/* A network domain's uplink addresses: its prefs', or a host uplink's
 * defaults; the name of the uplink's outer side (bhuN). */
static int uplink_addrs(const struct dom_rt *nv, uint32_t *addr, unsigned *prefix, uint32_t *gw,
                        char outer[BH_IFNAME_MAX])
{
        *addr = nv->d.uplink_addr;
        *prefix = nv->d.uplink_prefix;
        *gw = nv->d.uplink_gw;
        if (!*addr) {
                if (strcmp(nv->d.uplink, "host") != 0)
                        return -EINVAL;
                *addr = HOST_UPLINK_ADDR;
                *prefix = HOST_UPLINK_PREFIX;
                *gw = *gw ? *gw : HOST_UPLINK_GW;
        }
        snprintf(outer, BH_IFNAME_MAX, "bhu%u", nv->d.ip - BH_NET_POOL_BASE);
        return 0;
}

/* The namespace an uplink leads into: dom0's own, or /run/netns/NAME. */
static int uplink_target(const struct dom_rt *nv)
{
        char path[PATH_MAX];
        int fd;

        if (strcmp(nv->d.uplink, "host") == 0)
                snprintf(path, sizeof(path), "/proc/self/ns/net");
        else
                snprintf(path, sizeof(path), "/run/netns/%s", nv->d.uplink + strlen("netns:"));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* What both kinds of uplink start from: its addresses, its outer side's
 * name, and the namespace it leads into (an fd in *tns); *step says what
 * failed. */
static int uplink_prepare(const struct dom_rt *nv, uint32_t *addr, unsigned *prefix, uint32_t *gw,
                          char outer[BH_IFNAME_MAX], int *tns, const char **step)
{
        int e;

        *step = "no uplink-address set";
        if ((e = uplink_addrs(nv, addr, prefix, gw, outer)) < 0)
                return e;
        *step = nv->d.uplink;
        if ((*tns = uplink_target(nv)) < 0)
                return *tns;
        return 0;
}

/* The outer side of an uplink, once it is in its namespace: the gateway's
 * address on it; for a host uplink, dom0 forwards and NATs for it. */
static int uplink_outer(int tns, int tnl, const char *outer, bool host, uint32_t addr,
                        unsigned prefix, uint32_t gw, const char **step)
{
        int e;

        *step = "the outer side";
        if ((e = bh_nl_link_up(tnl, outer, gw, gw ? prefix : 0)) < 0)
                return e;
        if (host) {
                char sub[BH_IP_STR_MAX], rules[512];
                uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

                *step = "dom0's forwarding and NAT";
                snprintf(rules, sizeof(rules),
                         "table ip bulkhead_uplink_%s\ndelete table ip bulkhead_uplink_%s\n"
                         "table ip bulkhead_uplink_%s {\n"
                         "\tchain post_nat {\n"
                         "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                         "\t\tip saddr %s/%u oifname != \"%s\" masquerade\n"
                         "\t}\n}\n",
                         outer, outer, outer, bh_ip_format(addr & mask, sub), prefix, outer);
                if ((e = bh_net_sysctl(tns, "net/ipv4/ip_forward", "1")) < 0 ||
                    (e = bh_nft_load(tns, rules)) < 0)
                        return e;
        }
        return 0;
}

/* The first hop's way out: eth0 in nv, bhuN in dom0's or a named namespace. */
static int plumb_uplink(struct daemon *dm, struct dom_rt *nv)
{
        _cleanup_close_ int nns = -1, tns = -1, nnl = -1, tnl = -1;
        bool host = strcmp(nv->d.uplink, "host") == 0;
        uint32_t addr, gw;
        unsigned prefix;
        char outer[BH_IFNAME_MAX];
        const char *step;
        int e;

        if ((e = uplink_prepare(nv, &addr, &prefix, &gw, outer, &tns, &step)) < 0)
                goto fail;
        step = "network namespace";
        if ((nns = netns_of(dm, nv)) < 0) {
                e = nns;
                goto fail;
        }
        step = "netlink";
        if ((nnl = bh_nl_open(nns)) < 0 || (tnl = bh_nl_open(tns)) < 0) {
                e = nnl < 0 ? nnl : tnl;
                goto fail;
        }
        step = "removing the old link";
        if ((e = bh_nl_link_del(nnl, "eth0")) < 0 || (e = bh_nl_link_del(tnl, outer)) < 0)
                goto fail;
        step = "veth pair";
        if ((e = bh_nl_veth(nnl, "eth0", outer, tns)) < 0)
                goto fail;
        step = "the netvm's side";
        if ((e = bh_nl_link_up(nnl, "eth0", addr, prefix)) < 0 ||
            (gw && (e = bh_nl_route(nnl, "eth0", 0, 0, gw)) < 0))
                goto fail;
        if ((e = uplink_outer(tns, tnl, outer, host, addr, prefix, gw, &step)) < 0)
                goto fail;
        return 0;
fail:
        return bh_log_errno(e, "netvm %s: uplink %s: %s", nv->d.name, nv->d.uplink, step);
}

/* A Xen network domain's uplink: the vif dom0 serves was named bhuN by
 * dom0/bulkhead-vif; it moves to where the uplink leads.  The domain sets
 * up its own side from what net_spec() gave it. */
static int plumb_uplink_vif(struct dom_rt *nv)
{
        _cleanup_close_ int self = -1, tns = -1, dnl = -1, tnl = -1;
        bool host = strcmp(nv->d.uplink, "host") == 0;
        uint32_t addr, gw;
        unsigned prefix;
        char outer[BH_IFNAME_MAX];
        const char *step;
        int e;

        if ((e = uplink_prepare(nv, &addr, &prefix, &gw, outer, &tns, &step)) < 0)
                goto fail;
        step = "netlink";
        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0) {
                e = -errno;
                goto fail;
        }
        if ((dnl = bh_nl_open(self)) < 0) {
                e = dnl;
                goto fail;
        }
        if (!host) {
                step = "moving dom0's side of the vif";
                if ((e = bh_nl_link_move(dnl, outer, tns)) < 0)
                        goto fail;
        }
        if ((tnl = bh_nl_open(tns)) < 0) {
                e = tnl;
                goto fail;
        }
        if ((e = uplink_outer(tns, tnl, outer, host, addr, prefix, gw, &step)) < 0)
                goto fail;
        return 0;
fail:
        return bh_log_errno(e, "netvm %s: uplink %s: %s", nv->d.name, nv->d.uplink, step);
}

int net_spec(struct daemon *dm, struct dom_rt *r, struct bh_start_net *ret)
{
        int e;

        memset(ret, 0, sizeof(*ret));
        ret->netvm_domid = -1;
        if (r->d.klass == BH_CLASS_TEMPLATE ||
            (!r->d.netvm[0] && r->d.provides_network == BH_NETMODE_NONE))
                return 0;
        if (!r->d.ip) {
                if ((e = net_assign_ip(dm, &r->d)) < 0)
                        return e;
                dom_save(dm, r);
        }
        ret->ip = r->d.ip;
        ret->provides = r->d.provides_network;
        if (r->d.netvm[0]) {
                struct dom_rt *nv = dom_find(dm, r->d.netvm);

                /* xl-config asks with the netvm down; a start never. */
                if (!nv)
                        return bh_log_errno(-ENOENT, "domain %s: its netvm %s does not exist",
                                            r->d.name, r->d.netvm);
                if (!nv->d.ip && (e = net_assign_ip(dm, &nv->d)) == 0)
                        dom_save(dm, nv);
                snprintf(ret->netvm, sizeof(ret->netvm), "%s", nv->d.name);
                ret->gateway = nv->d.ip;
                ret->netvm_domid = nv->live ? nv->inst.domid : -1;
                if ((e = bh_net_vif_name(r->d.ip, ret->vif)) < 0)
                        return bh_log_errno(e, "domain %s: its vif's name", r->d.name);
        }
        if (r->d.provides_network != BH_NETMODE_NONE && r->d.uplink[0]) {
                if (uplink_addrs(r, &ret->uplink_addr, &ret->uplink_prefix, &ret->uplink_gw,
                                 ret->uplink_if) < 0)
                        return bh_log_errno(-EINVAL, "netvm %s: uplink %s: no uplink-address set",
                                            r->d.name, r->d.uplink);
        }
        snprintf(ret->vif_script, sizeof(ret->vif_script), "%s/bulkhead-vif", dm->qrexec_dir);
        return 1;
}

int net_before_start(struct daemon *dm, struct dom_rt *r, int depth)
{
        struct dom_rt *nv;
        char err[256];
        int e;

        if (!r->d.netvm[0])
                return 0;
        if ((e = net_check_netvm(dm, r->d.name, r->d.netvm, err, sizeof(err))) < 0)
                return bh_log_errno(e, "domain %s: %s", r->d.name, err);
        /* Checked again at each start: the gateway may have been made a
         * plain router since the pref was set. */
        if ((e = net_check_anon(dm, r->d.anon, r->d.netvm, err, sizeof(err))) < 0)
                return bh_log_errno(e, "domain %s: %s", r->d.name, err);
        nv = dom_find(dm, r->d.netvm);
        if (!dm->backend->netns && !dm->backend->net_rules)
                return bh_log_errno(-EOPNOTSUPP, "domain %s: netvm %s: the %s backend has no netvm networking yet",
                                    r->d.name, nv->d.name, dm->backend->name);
        if (nv->live)
                return 0;
        if (depth >= NETVM_CHAIN_MAX)
                return -ELOOP;
        return dom_start_depth(dm, nv, depth + 1);
}

/* A running domain of a backend without netns(): its vif replaced by the
 * one its registry entry says now (none without a netvm). */
static int replug(struct daemon *dm, struct dom_rt *r)
{
        struct bh_start_net net;
        int e = net_spec(dm, r, &net);

        if (e < 0)
                return e;
        if (!dm->backend->net_replug)
                return -EOPNOTSUPP;
        /* Only the client's side changes here; a network domain keeps its
         * own uplink and clients. */
        if (e > 0 && !net.gateway)
                e = 0;
        return dm->backend->net_replug(&r->inst, r->d.name, e > 0 ? &net : NULL);
}

/* A backend whose domains set up their own links (Xen): the vifs came with
 * the start; dom0 hands out rulesets and moves uplinks. */
static int started_vifs(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (r->d.provides_network != BH_NETMODE_NONE) {
                if ((e = net_reload_rules(dm, r)) < 0)
                        return e;
                if (r->d.uplink[0] && (e = plumb_uplink_vif(r)) < 0)
                        return e;
                /* A restarted netvm takes its running clients back: their
                 * vifs died with it. */
                bool any = false;
                for (struct dom_rt *c = dm->doms; c; c = c->next)
                        if (c->live && c != r && strcmp(c->d.netvm, r->d.name) == 0 &&
                            net_check_anon(dm, c->d.anon, c->d.netvm, NULL, 0) == 0 &&
                            replug(dm, c) == 0)
                                any = true;
                if (any && (e = net_reload_rules(dm, r)) < 0)
                        return e;
        }
        if (r->d.netvm[0]) {
                struct dom_rt *nv = dom_find(dm, r->d.netvm);

                if (!nv || !nv->live)
                        return bh_log_errno(-ENETDOWN, "domain %s: its netvm %s is not running",
                                            r->d.name, r->d.netvm);
                /* Until now its vif matched no rule: dropped. */
                if ((e = net_reload_rules(dm, nv)) < 0)
                        return e;
        }
        return 0;
}

int net_started(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (r->d.klass == BH_CLASS_TEMPLATE)
                return 0;
        if (!dm->backend->netns)
                return started_vifs(dm, r);
        if (!r->d.ip && (r->d.netvm[0] || r->d.provides_network != BH_NETMODE_NONE)) {
                if ((e = net_assign_ip(dm, &r->d)) < 0)
                        return e;
                dom_save(dm, r);
        }
        if (r->d.provides_network != BH_NETMODE_NONE) {
                _cleanup_close_ int ns = netns_of(dm, r);

                if (ns < 0)
                        return bh_log_errno(ns, "netvm %s: its network namespace", r->d.name);
                if ((e = no_ipv6(ns)) < 0 ||
                    (e = bh_net_sysctl(ns, "net/ipv4/ip_forward",
                                       r->d.provides_network == BH_NETMODE_ROUTER ? "1" : "0")) < 0)
                        return bh_log_errno(e, "netvm %s: sysctls", r->d.name);
                if ((e = net_reload_rules(dm, r)) < 0)
                        return e;
                if (r->d.uplink[0] && (e = plumb_uplink(dm, r)) < 0)
                        return e;
        }
        if (r->d.netvm[0]) {
                struct dom_rt *nv = dom_find(dm, r->d.netvm);

                if (!nv || !nv->live)
                        return bh_log_errno(-ENETDOWN, "domain %s: its netvm %s is not running",
                                            r->d.name, r->d.netvm);
                if ((e = plumb_client(dm, r, nv, true)) < 0)
                        return e;
        }
        /* A netvm that (re)starts takes its running clients back; the
         * ruleset it loaded above already lists them all. */
        if (r->d.provides_network != BH_NETMODE_NONE)
                for (struct dom_rt *c = dm->doms; c; c = c->next)
                        if (c->live && c != r && strcmp(c->d.netvm, r->d.name) == 0 &&
                            net_check_anon(dm, c->d.anon, c->d.netvm, NULL, 0) == 0)
                                plumb_client(dm, c, r, false);
        return 0;
}

void net_stopped(struct daemon *dm, const char *netvm)
{
        struct dom_rt *nv = netvm[0] ? dom_find(dm, netvm) : NULL;

        /* The client's veth pair went with its namespace; its rules go now. */
        if (nv && nv->live)
                net_reload_rules(dm, nv);
}

int net_replumb(struct daemon *dm, struct dom_rt *r, const char *old_netvm)
{
        _cleanup_close_ int ns = -1, nl = -1;
        int e;

        if (!r->live)
                return 0;
        if (!dm->backend->netns) {
                struct dom_rt *nv = r->d.netvm[0] ? dom_find(dm, r->d.netvm) : NULL;
                /* A netvm that starts now takes r with its other clients. */
                bool taken = nv && !nv->live;

                if (r->d.netvm[0] && (e = net_before_start(dm, r, 0)) < 0)
                        return e;
                if (!taken && (e = replug(dm, r)) < 0)
                        return e;
                if (r->d.netvm[0] && (nv = dom_find(dm, r->d.netvm)) && (e = net_reload_rules(dm, nv)) < 0)
                        return e;
                if (old_netvm[0] && strcmp(old_netvm, r->d.netvm) != 0)
                        net_stopped(dm, old_netvm);
                return 0;
        }
        if (r->d.netvm[0]) {
                if ((e = net_before_start(dm, r, 0)) < 0)
                        return e;
                if ((e = net_started(dm, r)) < 0)
                        return e;
        } else {
                /* No netvm any more: the link goes, nothing else. */
                ns = netns_of(dm, r);
                if (ns >= 0 && (nl = bh_nl_open(ns)) >= 0)
                        bh_nl_link_del(nl, "eth0");
        }
        if (old_netvm[0] && strcmp(old_netvm, r->d.netvm) != 0)
                net_stopped(dm, old_netvm);
        return 0;
}

/* API: firewall NAME [add RULE | del N | default accept|drop]; the reply
 * lists the rules in force (docs/api.md). */
void api_firewall(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        _cleanup_free_ struct bh_firewall *fw = malloc(sizeof(*fw));
        struct dom_rt *r = req->n > 2 ? dom_find(dm, req->f[2]) : NULL;
        struct bh_api_buf b;
        char err[320];
        int e;

        if (!fw)
                return (void)api_error(c, -ENOMEM, "firewall: out of memory");
        if (!r)
                return (void)api_error(c, -ENOENT, "firewall: no domain named '%s'",
                                       req->n > 2 ? req->f[2] : "");
        if (r->d.klass == BH_CLASS_DISPOSABLE)
                return (void)api_error(c, -EINVAL, "firewall %s: a disposable follows its dispvm-template's (%s)",
                                       r->d.name, r->d.template_name);
        e = net_firewall_load(dm, r->d.name, fw, err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "firewall %s: %s", r->d.name, e == -EINVAL ? err : strerror(-e));
        if (req->n > 3) {
                const char *op = req->f[3];

                if (strcmp(op, "add") == 0 && req->n == 5) {
                        if (fw->n >= BH_FW_RULES_MAX)
                                return (void)api_error(c, -ENOSPC, "firewall %s: at most %d rules",
                                                       r->d.name, BH_FW_RULES_MAX);
                        if (bh_fw_rule_parse(req->f[4], &fw->rules[fw->n], err, sizeof(err)) < 0)
                                return (void)api_error(c, -EINVAL, "firewall %s: %s", r->d.name, err);
                        fw->n++;
                } else if (strcmp(op, "del") == 0 && req->n == 5) {
                        char *end;
                        unsigned long i = strtoul(req->f[4], &end, 10);

                        if (*end || end == req->f[4] || i < 1 || i > fw->n)
                                return (void)api_error(c, -EINVAL, "firewall %s: del takes a rule number 1..%zu",
                                                       r->d.name, fw->n);
                        memmove(&fw->rules[i - 1], &fw->rules[i], (fw->n - i) * sizeof(fw->rules[0]));
                        fw->n--;
                } else if (strcmp(op, "default") == 0 && req->n == 5) {
                        if (bh_fw_action_from_string(req->f[4], &fw->default_action) < 0)
                                return (void)api_error(c, -EINVAL, "firewall %s: default is accept or drop",
                                                       r->d.name);
                } else {
                        return (void)api_error(c, -EINVAL, "firewall %s: expected add RULE, del N or default accept|drop",
                                               r->d.name);
                }
                e = net_firewall_save(dm, r->d.name, fw);
                if (e < 0)
                        return (void)api_error(c, e, "firewall %s: saving: %s", r->d.name, strerror(-e));
                /* In force at once: the netvm of it and of its disposables. */
                for (struct dom_rt *o = dm->doms; o; o = o->next)
                        if (o->live && o->d.netvm[0] &&
                            (o == r || (o->d.klass == BH_CLASS_DISPOSABLE &&
                                        strcmp(o->d.template_name, r->d.name) == 0))) {
                                struct dom_rt *nv = dom_find(dm, o->d.netvm);
                                if (nv && net_reload_rules(dm, nv) < 0)
                                        return (void)api_error(c, -EIO, "firewall %s: saved, but netvm %s did not take it (see bulkheadd's log)",
                                                               r->d.name, nv->d.name);
                        }
        }
        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "default=%s", bh_fw_action_to_string(fw->default_action));
        for (size_t i = 0; i < fw->n; i++) {
                char rule[BH_FW_RULE_TEXT_MAX + 1];

                if (bh_fw_rule_format(&fw->rules[i], rule, sizeof(rule)) == 0)
                        bh_api_addf(&b, "rule=%s", rule);
        }
        if (api_reply(c, &b) < 0)
                api_error(c, -EMSGSIZE, "firewall %s: reply too large", r->d.name);
        bh_api_buf_free(&b);
}
