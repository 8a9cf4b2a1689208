/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for a domain's firewall file (dom0/firewall.c) and its
 * single-rule parser: no input may crash them, and a file that parses
 * formats and parses back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firewall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct bh_firewall fw, back;
        static char text[BH_FW_FILE_MAX], again[BH_FW_FILE_MAX];
        char err[320], rule[BH_FW_RULE_TEXT_MAX + 2];
        struct bh_fw_rule r;
        size_t len, len2;

        if (bh_firewall_parse((const char *)data, size, "fuzz.conf", &fw, err, sizeof(err)) == 0) {
                if (bh_firewall_format(&fw, "fuzz", text, sizeof(text), &len) != 0)
                        abort();
                if (bh_firewall_parse(text, len, "fuzz.conf", &back, err, sizeof(err)) != 0)
                        abort();
                if (bh_firewall_format(&back, "fuzz", again, sizeof(again), &len2) != 0 ||
                    len != len2 || memcmp(text, again, len) != 0)
                        abort();
        }
        len = size < sizeof(rule) - 1 ? size : sizeof(rule) - 1;
        memcpy(rule, data, len);
        rule[len] = '\0';
        if (bh_fw_rule_parse(rule, &r, err, sizeof(err)) == 0 &&
            bh_fw_rule_format(&r, text, BH_FW_RULE_TEXT_MAX + 1) != 0)
                abort();
        return 0;
}
