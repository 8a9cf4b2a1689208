/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the registry's parsers: every input goes through the
 * domain record parser, the template.conf parser and the name check.  A
 * record that parses must format and parse back to the same text: what
 * bulkheadd writes is what it reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "template_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char text[BH_REGISTRY_MAX_FILE], again[BH_REGISTRY_MAX_FILE];
        char err[BH_REGISTRY_ERR_MAX], name[64];
        struct bh_domain d, d2;
        struct bh_template_conf c;
        size_t len, len2;

        if (bh_domain_parse((const char *)data, size, "fuzz.conf", &d, err, sizeof(err)) == 0) {
                if (bh_domain_format(&d, text, sizeof(text), &len, err, sizeof(err)) != 0)
                        abort();
                if (bh_domain_parse(text, len, "fuzz.conf", &d2, err, sizeof(err)) != 0)
                        abort();
                if (bh_domain_format(&d2, again, sizeof(again), &len2, err, sizeof(err)) != 0 ||
                    len != len2 || memcmp(text, again, len) != 0)
                        abort();
        }
        if (bh_template_conf_parse((const char *)data, size, "template.conf", &c, err,
                                   sizeof(err)) == 0) {
                if (bh_template_conf_format(&c, text, sizeof(text), &len, err, sizeof(err)) != 0)
                        abort();
        }
        len = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
        memcpy(name, data, len);
        name[len] = '\0';
        if (bh_name_check(name, err, sizeof(err)) == 0 && strlen(name) > BH_NAME_MAX)
                abort();
        return 0;
}
