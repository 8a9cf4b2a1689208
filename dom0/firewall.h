/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's firewall: what its netvm lets it reach (docs/networking.md).
 * Pure: rule text and the rules file, parsed and formatted.
 *
 * Rule text, as the CLI takes it and the file stores it:
 *   accept|drop [dst=A.B.C.D[/N]] [dsthost=NAME] [proto=tcp|udp|icmp] [port=N[-M]]
 * dst and dsthost exclude each other; port needs tcp or udp.  A rule with
 * no condition matches everything.  Rules apply in order, the first match
 * decides, then the default action.
 *
 * The file (STATE/firewall/NAME.conf, key=value as the registry):
 *   version=1
 *   default=accept|drop
 *   rule=<rule text>      0 .. BH_FW_RULES_MAX times, in order
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Far more than a hand-written list needs; keeps a netvm's ruleset and a
 * record file small. */
#define BH_FW_RULES_MAX 128
/* A DNS name: 253 characters (RFC 1035 with dots). */
#define BH_FW_HOST_MAX 253
#define BH_FW_RULE_TEXT_MAX 320
#define BH_FW_FILE_MAX (64 + BH_FW_RULES_MAX * (BH_FW_RULE_TEXT_MAX + 8))

enum bh_fw_action { BH_FW_ACCEPT, BH_FW_DROP };
enum bh_fw_proto { BH_FW_ANY, BH_FW_TCP, BH_FW_UDP, BH_FW_ICMP };

struct bh_fw_rule {
        enum bh_fw_action action;
        bool has_dst;
        uint32_t dst;          /* host order, host bits cleared */
        unsigned dst_prefix;
        char dsthost[BH_FW_HOST_MAX + 1]; /* "" for none */
        enum bh_fw_proto proto;
        uint16_t port_lo, port_hi; /* 0, 0: any port */
};

struct bh_firewall {
        enum bh_fw_action default_action;
        size_t n;
        struct bh_fw_rule rules[BH_FW_RULES_MAX];
};

/* What a domain without a file has: everything allowed (as Qubes). */
void bh_firewall_init(struct bh_firewall *fw);

/* One rule from text; -EINVAL and the reason in why. */
int bh_fw_rule_parse(const char *untrusted_text, struct bh_fw_rule *ret, char *why, size_t whylen);
/* Canonical text (the form the file stores). */
int bh_fw_rule_format(const struct bh_fw_rule *r, char *buf, size_t size);

/* The file; errors read "FILE:LINE: reason".  ret is overwritten even
 * when the file is refused. */
int bh_firewall_parse(const char *untrusted_text, size_t len, const char *filename,
                      struct bh_firewall *ret, char *err, size_t errlen);
int bh_firewall_format(const struct bh_firewall *fw, const char *domain, char *buf, size_t size,
                       size_t *ret_len);

const char *bh_fw_action_to_string(enum bh_fw_action a);
int bh_fw_action_from_string(const char *s, enum bh_fw_action *ret);
