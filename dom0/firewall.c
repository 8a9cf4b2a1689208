/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Firewall rules as text and as a file.  No I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "firewall.h"
#include "kvfile.h"
#include "net_addr.h"

#define FW_VERSION 1

void bh_firewall_init(struct bh_firewall *fw)
{
        fw->default_action = BH_FW_ACCEPT;
        fw->n = 0;
}

const char *bh_fw_action_to_string(enum bh_fw_action a)
{
        return a == BH_FW_DROP ? "drop" : "accept";
}

int bh_fw_action_from_string(const char *s, enum bh_fw_action *ret)
{
        if (strcmp(s, "accept") == 0)
                *ret = BH_FW_ACCEPT;
        else if (strcmp(s, "drop") == 0)
                *ret = BH_FW_DROP;
        else
                return -EINVAL;
        return 0;
}

static const char *const protos[] = { [BH_FW_TCP] = "tcp", [BH_FW_UDP] = "udp", [BH_FW_ICMP] = "icmp" };

/* RFC 1123 host name: labels of [A-Za-z0-9-], 1..63 each, not starting or
 * ending with '-'; dots between; a trailing dot allowed. */
static bool host_ok(const char *s)
{
        size_t len = strlen(s), label = 0;

        if (len == 0 || len > BH_FW_HOST_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-'))
                        return false;
                if (c == '-' && label == 0)
                        return false;
                if (++label > 63)
                        return false;
        }
        return s[len - 1] != '-';
}

static int parse_port(const char *s, uint16_t *ret)
{
        unsigned v = 0;

        if (*s < '1' || *s > '9')
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(*s - '0');
                if (v > 65535)
                        return -EINVAL;
        }
        *ret = (uint16_t)v;
        return 0;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)

static int apply_token(struct bh_fw_rule *r, const char *tok, unsigned *seen, char *why,
                       size_t whylen)
{
        const char *eq = strchr(tok, '=');
        static const char *const keys[] = { "dst", "dsthost", "proto", "port" };
        size_t klen;
        int k = -1;

        if (!eq)
                return WHY("'%s': expected key=value (dst= dsthost= proto= port=)", tok);
        klen = (size_t)(eq - tok);
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strlen(keys[i]) == klen && memcmp(tok, keys[i], klen) == 0)
                        k = (int)i;
        if (k < 0)
                return WHY("unknown key '%.*s' (dst dsthost proto port)", (int)klen, tok);
        if (*seen & (1u << k))
                return WHY("%s= given twice", keys[k]);
        *seen |= 1u << k;
        const char *v = eq + 1;
        switch (k) {
        case 0: {
                unsigned prefix;
                if (bh_cidr_parse(v, &r->dst, &prefix) < 0)
                        return WHY("dst=%s: expected A.B.C.D or A.B.C.D/N", v);
                r->dst_prefix = prefix;
                if (prefix < 32)
                        r->dst &= prefix ? ~0u << (32 - prefix) : 0;
                r->has_dst = true;
                break;
        }
        case 1:
                if (!host_ok(v))
                        return WHY("dsthost=%s: not a DNS name", v);
                snprintf(r->dsthost, sizeof(r->dsthost), "%s", v);
                break;
        case 2:
                if (strcmp(v, "tcp") == 0)
                        r->proto = BH_FW_TCP;
                else if (strcmp(v, "udp") == 0)
                        r->proto = BH_FW_UDP;
                else if (strcmp(v, "icmp") == 0)
                        r->proto = BH_FW_ICMP;
                else
                        return WHY("proto=%s: expected tcp, udp or icmp", v);
                break;
        case 3: {
                char lo[8], hi[8];
                const char *dash = strchr(v, '-');
                size_t n = dash ? (size_t)(dash - v) : strlen(v);

                if (n == 0 || n >= sizeof(lo) || (dash && strlen(dash + 1) >= sizeof(hi)))
                        return WHY("port=%s: expected N or N-M (1..65535)", v);
                memcpy(lo, v, n);
                lo[n] = '\0';
                snprintf(hi, sizeof(hi), "%s", dash ? dash + 1 : lo);
                if (parse_port(lo, &r->port_lo) < 0 || parse_port(hi, &r->port_hi) < 0)
                        return WHY("port=%s: expected N or N-M (1..65535)", v);
                if (r->port_hi < r->port_lo)
                        return WHY("port=%s: the range ends before it starts", v);
                break;
        }
        }
        return 0;
}

int bh_fw_rule_parse(const char *untrusted_text, struct bh_fw_rule *ret, char *why, size_t whylen)
{
        char text[BH_FW_RULE_TEXT_MAX + 1];
        struct bh_fw_rule r = { 0 };
        unsigned seen = 0;
        char *save = NULL, *tok;
        int e;

        if (strlen(untrusted_text) > BH_FW_RULE_TEXT_MAX)
                return WHY("a rule is at most %d characters", BH_FW_RULE_TEXT_MAX);
        for (const char *p = untrusted_text; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                        return WHY("a rule is printable ASCII");
        snprintf(text, sizeof(text), "%s", untrusted_text);
        tok = strtok_r(text, " \t", &save);
        if (!tok || bh_fw_action_from_string(tok, &r.action) < 0)
                return WHY("a rule starts with accept or drop");
        while ((tok = strtok_r(NULL, " \t", &save)))
                if ((e = apply_token(&r, tok, &seen, why, whylen)) < 0)
                        return e;
        if (r.has_dst && r.dsthost[0])
                return WHY("dst= and dsthost= exclude each other");
        if (r.port_lo && r.proto != BH_FW_TCP && r.proto != BH_FW_UDP)
                return WHY("port= needs proto=tcp or proto=udp");
        *ret = r;
        return 0;
}

int bh_fw_rule_format(const struct bh_fw_rule *r, char *buf, size_t size)
{
        char ip[BH_IP_STR_MAX];
        size_t off;
        int n;

        n = snprintf(buf, size, "%s", bh_fw_action_to_string(r->action));
#define ADD(...)                                                             \
        do {                                                                 \
                off = (size_t)n;                                             \
                if (off >= size)                                             \
                        return -ENOSPC;                                      \
                int m_ = snprintf(buf + off, size - off, __VA_ARGS__);       \
                if (m_ < 0)                                                  \
                        return -EINVAL;                                      \
                n += m_;                                                     \
        } while (0)
        if (r->has_dst)
                ADD(" dst=%s/%u", bh_ip_format(r->dst, ip), r->dst_prefix);
        if (r->dsthost[0])
                ADD(" dsthost=%s", r->dsthost);
        if (r->proto != BH_FW_ANY)
                ADD(" proto=%s", protos[r->proto]);
        if (r->port_lo == r->port_hi && r->port_lo)
                ADD(" port=%u", r->port_lo);
        else if (r->port_lo)
                ADD(" port=%u-%u", r->port_lo, r->port_hi);
#undef ADD
        return (size_t)n < size ? 0 : -ENOSPC;
}

int bh_firewall_parse(const char *untrusted_text, size_t len, const char *filename,
                      struct bh_firewall *ret, char *err, size_t errlen)
{
        struct bh_kv_reader kv;
        char key[BH_KV_KEY_MAX + 1], value[BH_FW_RULE_TEXT_MAX + 1];
        bool have_version = false, have_default = false;
        struct bh_firewall *fw = ret;
        int r;

        if (!filename)
                filename = "(firewall)";
        r = bh_kv_init(&kv, untrusted_text, len, filename, BH_FW_FILE_MAX, BH_FW_RULE_TEXT_MAX + 8,
                       err, errlen);
        if (r < 0)
                return r;
        bh_firewall_init(fw);
        while ((r = bh_kv_next(&kv, key, value, sizeof(value), err, errlen)) > 0) {
                char why[160];

                if (!have_version && strcmp(key, "version") != 0)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "expected version=%d first", FW_VERSION);
                if (strcmp(key, "version") == 0) {
                        if (have_version)
                                return bh_kv_error(err, errlen, filename, kv.line, "duplicate version=");
                        if (strcmp(value, "1") != 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "version %s unknown; this bulkhead reads version %d",
                                                   value, FW_VERSION);
                        have_version = true;
                } else if (strcmp(key, "default") == 0) {
                        if (have_default)
                                return bh_kv_error(err, errlen, filename, kv.line, "duplicate default=");
                        if (bh_fw_action_from_string(value, &fw->default_action) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "default=%s: expected accept or drop", value);
                        have_default = true;
                } else if (strcmp(key, "rule") == 0) {
                        if (fw->n >= BH_FW_RULES_MAX)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "more than %d rules", BH_FW_RULES_MAX);
                        if (bh_fw_rule_parse(value, &fw->rules[fw->n], why, sizeof(why)) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line, "%s", why);
                        fw->n++;
                } else {
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "unknown key '%s' (version default rule)", key);
                }
        }
        if (r < 0)
                return r;
        if (!have_version || !have_default)
                return bh_kv_error(err, errlen, filename, kv.line, "missing %s= (truncated file?)",
                                   have_version ? "default" : "version");
        return 0;
}

int bh_firewall_format(const struct bh_firewall *fw, const char *domain, char *buf, size_t size,
                       size_t *ret_len)
{
        size_t off;
        int n;

        n = snprintf(buf, size,
                     "# bulkhead firewall of %s (docs/networking.md); `bulkhead firewall` rewrites it\n"
                     "version=%d\ndefault=%s\n",
                     domain, FW_VERSION, bh_fw_action_to_string(fw->default_action));
        if (n < 0 || (size_t)n >= size)
                return -ENOSPC;
        off = (size_t)n;
        for (size_t i = 0; i < fw->n && i < BH_FW_RULES_MAX; i++) {
                char rule[BH_FW_RULE_TEXT_MAX + 1];
                int e = bh_fw_rule_format(&fw->rules[i], rule, sizeof(rule));

                if (e < 0)
                        return e;
                n = snprintf(buf + off, size - off, "rule=%s\n", rule);
                if (n < 0 || (size_t)n >= size - off)
                        return -ENOSPC;
                off += (size_t)n;
        }
        *ret_len = off;
        return 0;
}
