/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink, sysctls and nft in other network namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net_link.h"
#include "util.h"

/* nft loads a netvm's ruleset in milliseconds; a stuck one must not hang
 * bulkheadd. */
#define NFT_TIMEOUT_MS 10000

/* Runs with the calling thread in nsfd's network namespace, then back. */
static int in_netns(int nsfd, int (*fn)(void *), void *arg)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0)
                return -errno;
        if (setns(nsfd, CLONE_NEWNET) < 0)
                return -errno;
        r = fn(arg);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* Staying in a domain's namespace would put every later
                 * socket of bulkheadd there: nothing can go on. */
                bh_log_errno(-errno, "returning to dom0's network namespace");
                abort();
        }
        return r;
}

static int open_nl(void *arg)
{
        int *fd = arg;

        *fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        return *fd < 0 ? -errno : 0;
}

int bh_nl_open(int nsfd)
{
        int fd = -1;
        int r = in_netns(nsfd, open_nl, &fd);

        return r < 0 ? r : fd;
}

/* A request being built: header, fixed part, attributes. */
struct req {
        union {
                struct nlmsghdr h;
                char buf[1024];
        };
        struct rtattr *nest[4];
        int depth;
        int err;
};

static void *put(struct req *q, size_t len)
{
        size_t at = NLMSG_ALIGN(q->h.nlmsg_len);
        void *p;

        if (at + RTA_ALIGN(len) > sizeof(q->buf)) {
                q->err = -EMSGSIZE;
                return NULL;
        }
        p = q->buf + at;
        memset(p, 0, RTA_ALIGN(len));
        q->h.nlmsg_len = (uint32_t)(at + len);
        return p;
}

static void attr(struct req *q, unsigned short type, const void *data, size_t len)
{
        struct rtattr *a = put(q, RTA_LENGTH(len));

        if (!a)
                return;
        a->rta_type = type;
        a->rta_len = (unsigned short)RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
}

static void attr_str(struct req *q, unsigned short type, const char *s)
{
        attr(q, type, s, strlen(s) + 1);
}

static void nest_begin(struct req *q, unsigned short type)
{
        struct rtattr *a = put(q, RTA_LENGTH(0));

        if (!a || q->depth >= 4) {
                q->err = -EMSGSIZE;
                return;
        }
        a->rta_type = type;
        q->nest[q->depth++] = a;
}

static void nest_end(struct req *q)
{
        struct rtattr *a;

        if (q->err || q->depth == 0)
                return;
        a = q->nest[--q->depth];
        a->rta_len = (unsigned short)(q->buf + q->h.nlmsg_len - (char *)a);
}

static void req_init(struct req *q, uint16_t type, uint16_t flags)
{
        memset(q, 0, sizeof(*q));
        q->h.nlmsg_len = NLMSG_LENGTH(0);
        q->h.nlmsg_type = type;
        q->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

/* Sends the request and reads until its acknowledgement: 0 or the
 * kernel's -errno.  Other answers to it (a GETLINK's link) go to on_msg. */
static int talk_with(int nl, struct req *q, void (*on_msg)(const struct nlmsghdr *, void *),
                     void *userdata)
{
        static uint32_t seq;
        union {
                struct nlmsghdr h;
                char buf[8192];
        } ans;
        ssize_t n;

        if (q->err)
                return q->err;
        q->h.nlmsg_seq = ++seq;
        if (send(nl, q->buf, q->h.nlmsg_len, 0) < 0)
                return -errno;
        for (;;) {
                n = recv(nl, ans.buf, sizeof(ans.buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = &ans.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != q->h.nlmsg_seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EPROTO;
                                return e->error;
                        }
                        if (on_msg)
                                on_msg(h, userdata);
                }
        }
}

static int talk(int nl, struct req *q)
{
        return talk_with(nl, q, NULL, NULL);
}

static void link_index(const struct nlmsghdr *h, void *userdata)
{
        if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
                *(int *)userdata = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
}

static int ifindex(int nl, const char *name, int *ret)
{
        struct req q;
        struct ifinfomsg *ifi;
        int idx = -1, r;

        req_init(&q, RTM_GETLINK, 0);
        if ((ifi = put(&q, sizeof(*ifi))))
                ifi->ifi_family = AF_UNSPEC;
        attr_str(&q, IFLA_IFNAME, name);
        r = talk_with(nl, &q, link_index, &idx);
        if (r < 0)
                return r;
        if (idx < 0)
                return -ENODEV;
        *ret = idx;
        return 0;
}

int bh_nl_veth(int nl, const char *name, const char *peer, int peer_nsfd)
{
        struct req q;
        struct ifinfomsg *ifi;

        req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        if ((ifi = put(&q, sizeof(*ifi))))
                ifi->ifi_family = AF_UNSPEC;
        attr_str(&q, IFLA_IFNAME, name);
        nest_begin(&q, IFLA_LINKINFO);
        attr_str(&q, IFLA_INFO_KIND, "veth");
        nest_begin(&q, IFLA_INFO_DATA);
        nest_begin(&q, VETH_INFO_PEER);
        if ((ifi = put(&q, sizeof(*ifi))))
                ifi->ifi_family = AF_UNSPEC;
        attr_str(&q, IFLA_IFNAME, peer);
        attr(&q, IFLA_NET_NS_FD, &(uint32_t){ (uint32_t)peer_nsfd }, sizeof(uint32_t));
        nest_end(&q);
        nest_end(&q);
        nest_end(&q);
        return talk(nl, &q);
}

int bh_nl_link_del(int nl, const char *name)
{
        struct req q;
        struct ifinfomsg *ifi;
        int r;

        req_init(&q, RTM_DELLINK, 0);
        if ((ifi = put(&q, sizeof(*ifi))))
                ifi->ifi_family = AF_UNSPEC;
        attr_str(&q, IFLA_IFNAME, name);
        r = talk(nl, &q);
        return r == -ENODEV ? 0 : r;
}

int bh_nl_link_move(int nl, const char *name, int nsfd)
{
        struct req q;
        struct ifinfomsg *ifi;
        int idx, r;

        if ((r = ifindex(nl, name, &idx)) < 0)
                return r;
        req_init(&q, RTM_NEWLINK, 0);
        if ((ifi = put(&q, sizeof(*ifi)))) {
                ifi->ifi_family = AF_UNSPEC;
                ifi->ifi_index = idx;
        }
        attr(&q, IFLA_NET_NS_FD, &(uint32_t){ (uint32_t)nsfd }, sizeof(uint32_t));
        return talk(nl, &q);
}

int bh_nl_link_up(int nl, const char *name, uint32_t addr, unsigned prefix)
{
        struct req q;
        struct ifinfomsg *ifi;
        struct ifaddrmsg *ifa;
        int idx, r;

        if ((r = ifindex(nl, name, &idx)) < 0)
                return r;
        if (addr) {
                uint32_t be = htonl(addr);

                req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
                if ((ifa = put(&q, sizeof(*ifa)))) {
                        ifa->ifa_family = AF_INET;
                        ifa->ifa_prefixlen = (unsigned char)prefix;
                        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
                        ifa->ifa_index = (unsigned)idx;
                }
                attr(&q, IFA_LOCAL, &be, sizeof(be));
                attr(&q, IFA_ADDRESS, &be, sizeof(be));
                if ((r = talk(nl, &q)) < 0)
                        return r;
        }
        req_init(&q, RTM_NEWLINK, 0);
        if ((ifi = put(&q, sizeof(*ifi)))) {
                ifi->ifi_family = AF_UNSPEC;
                ifi->ifi_index = idx;
                ifi->ifi_flags = IFF_UP;
                ifi->ifi_change = IFF_UP;
        }
        return talk(nl, &q);
}

int bh_nl_route(int nl, const char *name, uint32_t dst, unsigned prefix, uint32_t gw)
{
        struct req q;
        struct rtmsg *rt;
        uint32_t oif, be;
        int idx, r;

        if ((r = ifindex(nl, name, &idx)) < 0)
                return r;
        req_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
        if ((rt = put(&q, sizeof(*rt)))) {
                rt->rtm_family = AF_INET;
                rt->rtm_dst_len = (unsigned char)prefix;
                rt->rtm_table = RT_TABLE_MAIN;
                rt->rtm_protocol = RTPROT_STATIC;
                rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
                rt->rtm_type = RTN_UNICAST;
                /* The gateway is reached through a /32 host route, not a
                 * subnet of the link: onlink says it is there anyway. */
                rt->rtm_flags = gw ? RTNH_F_ONLINK : 0;
        }
        if (prefix) {
                be = htonl(dst);
                attr(&q, RTA_DST, &be, sizeof(be));
        }
        if (gw) {
                be = htonl(gw);
                attr(&q, RTA_GATEWAY, &be, sizeof(be));
        }
        oif = (uint32_t)idx;
        attr(&q, RTA_OIF, &oif, sizeof(oif));
        return talk(nl, &q);
}

struct sysctl_write {
        const char *key, *value;
};

static int do_sysctl(void *arg)
{
        const struct sysctl_write *w = arg;
        char path[256];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(w->value);

        snprintf(path, sizeof(path), "/proc/sys/%s", w->key);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, w->value, len) != (ssize_t)len)
                return -errno;
        return 0;
}

int bh_net_sysctl(int nsfd, const char *key, const char *value)
{
        struct sysctl_write w = { key, value };

        return in_netns(nsfd, do_sysctl, &w);
}

int bh_nft_load(int nsfd, const char *ruleset)
{
        int in[2], out[2];
        pid_t pid;
        char msg[1024];
        size_t got = 0, len = strlen(ruleset), sent = 0;
        int status, r = 0;
        int64_t deadline = bh_now_ms() + NFT_TIMEOUT_MS;

        if (pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(out, O_CLOEXEC) < 0) {
                r = -errno;
                close(in[0]);
                close(in[1]);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(in[0]);
                close(in[1]);
                close(out[0]);
                close(out[1]);
                return r;
        }
        if (pid == 0) {
                if (setns(nsfd, CLONE_NEWNET) < 0 || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
                    dup2(out[1], 2) < 0)
                        _exit(126);
                execlp("nft", "nft", "-f", "-", (char *)NULL);
                dprintf(2, "nft: %s", strerror(errno));
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        /* Feed the ruleset and read what nft says, together, so neither
         * pipe can fill up and stall the other. */
        while (r == 0) {
                struct pollfd p[2] = { { .fd = sent < len ? in[1] : -1, .events = POLLOUT },
                                       { .fd = out[0], .events = POLLIN } };
                int64_t left = deadline - bh_now_ms();
                int n;

                if (left <= 0) {
                        r = -ETIMEDOUT;
                        break;
                }
                n = poll(p, 2, (int)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (p[0].revents) {
                        ssize_t w = write(in[1], ruleset + sent, len - sent);
                        if (w > 0)
                                sent += (size_t)w;
                        if (w < 0 || sent == len) {
                                close(in[1]);
                                in[1] = -1;
                                sent = len;
                        }
                }
                if (p[1].revents) {
                        char buf[512];
                        ssize_t k = read(out[0], buf, sizeof(buf));
                        if (k <= 0)
                                break;
                        size_t keep = (size_t)k < sizeof(msg) - 1 - got ? (size_t)k : sizeof(msg) - 1 - got;
                        memcpy(msg + got, buf, keep);
                        got += keep;
                }
        }
        if (in[1] >= 0)
                close(in[1]);
        close(out[0]);
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        msg[got] = '\0';
        if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                r = -EIO;
        if (r < 0) {
                /* One log line: nft's first complaint. */
                for (char *p = msg; *p; p++)
                        if (*p == '\n')
                                *p = ' ';
                bh_log_error("nft -f: %s%s", r == -ETIMEDOUT ? "timed out " : "",
                             got ? msg : "(no message)");
        }
        return r;
}
