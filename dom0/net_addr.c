/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain addresses: parsing, formatting, the pool.  No I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"

/* One decimal 0..max, no sign, no leading zero; *s advanced past it. */
static int parse_dec(const char **s, unsigned max, unsigned *ret)
{
        const char *p = *s;
        unsigned v = 0;

        if (*p < '0' || *p > '9')
                return -EINVAL;
        if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                v = v * 10 + (unsigned)(*p - '0');
                if (v > max)
                        return -EINVAL;
        }
        *s = p;
        *ret = v;
        return 0;
}

static int parse_ip_prefix(const char **s, uint32_t *ret)
{
        uint32_t ip = 0;

        for (int i = 0; i < 4; i++) {
                unsigned octet;

                if (i > 0 && *(*s)++ != '.')
                        return -EINVAL;
                if (parse_dec(s, 255, &octet) < 0)
                        return -EINVAL;
                ip = ip << 8 | octet;
        }
        *ret = ip;
        return 0;
}

int bh_ip_parse(const char *s, uint32_t *ret)
{
        uint32_t ip;

        if (!s || parse_ip_prefix(&s, &ip) < 0 || *s)
                return -EINVAL;
        *ret = ip;
        return 0;
}

int bh_cidr_parse(const char *s, uint32_t *ret_addr, unsigned *ret_prefix)
{
        uint32_t ip;
        unsigned prefix = 32;

        if (!s || parse_ip_prefix(&s, &ip) < 0)
                return -EINVAL;
        if (*s == '/') {
                s++;
                if (parse_dec(&s, 32, &prefix) < 0)
                        return -EINVAL;
        }
        if (*s)
                return -EINVAL;
        *ret_addr = ip;
        *ret_prefix = prefix;
        return 0;
}

const char *bh_ip_format(uint32_t ip, char buf[BH_IP_STR_MAX])
{
        snprintf(buf, BH_IP_STR_MAX, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff,
                 ip & 0xff);
        return buf;
}

bool bh_net_pool_contains(uint32_t ip)
{
        uint32_t idx = ip - BH_NET_POOL_BASE;

        return (ip & 0xffff0000u) == BH_NET_POOL_BASE && idx >= BH_NET_POOL_FIRST &&
               idx <= BH_NET_POOL_LAST;
}

int bh_net_pool_pick(const uint32_t *used, size_t n_used, uint32_t *ret)
{
        /* One bit per pool index: 8 KiB, whatever the number of domains. */
        _Static_assert(BH_NET_POOL_LAST < 65536, "pool index fits 16 bits");
        unsigned char *taken = calloc(65536 / 8, 1);

        if (!taken)
                return -ENOMEM;
        for (size_t i = 0; i < n_used; i++)
                if (bh_net_pool_contains(used[i])) {
                        uint32_t idx = used[i] - BH_NET_POOL_BASE;
                        taken[idx / 8] |= (unsigned char)(1u << idx % 8);
                }
        for (uint32_t idx = BH_NET_POOL_FIRST; idx <= BH_NET_POOL_LAST; idx++) {
                /* .255 and .0 of every /24 stay free: some stacks still
                 * treat them as broadcast or network addresses. */
                if ((idx & 0xff) == 0 || (idx & 0xff) == 0xff)
                        continue;
                if (!(taken[idx / 8] & (1u << idx % 8))) {
                        free(taken);
                        *ret = BH_NET_POOL_BASE + idx;
                        return 0;
                }
        }
        free(taken);
        return -ENOSPC;
}

int bh_net_vif_name(uint32_t client_ip, char buf[BH_IFNAME_MAX])
{
        if (!bh_net_pool_contains(client_ip))
                return -EINVAL;
        snprintf(buf, BH_IFNAME_MAX, "vif%u", client_ip - BH_NET_POOL_BASE);
        return 0;
}
