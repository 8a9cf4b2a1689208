/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: recon's parsers on hostile input (a fixture tree or a
 * container's /proc can hold anything).  The first byte picks the parser;
 * the rest is its input.  Every parser must return without reading out of
 * bounds, and what reaches the report must be printable.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon.h"
#include "recon_cpuid.h"
#include "recon_json.h"
#include "recon_parse.h"
#include "recon_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
                        abort();
}

static void fuzz_findings(const uint8_t *d, size_t n, char *text)
{
        struct recon_evidence *ev = calloc(1, sizeof(*ev));
        struct recon_verdict v;

        if (!ev)
                return;
        /* Each 10 bytes: source, topic, strength, 7 bytes of suggestion bits. */
        for (size_t i = 0; i + 10 <= n; i += 10) {
                uint64_t s = 0;

                memcpy(&s, d + i + 3, 7);
                recon_add(ev, (enum recon_source)(d[i] % RECON_SRC_COUNT),
                          (enum recon_topic)(d[i + 1] % RECON_TOPIC_COUNT),
                          (enum recon_strength)(d[i + 2] % 4), s, text, text, "%s", text);
        }
        recon_verdict_compute(ev, &v);
        for (unsigned i = 0; i < ev->n; i++) {
                check_printable(ev->f[i].value);
                (void)recon_finding_contradicts(&ev->f[i], &v);
        }
        free(ev);
}

static void fuzz_json(const char *d, size_t n)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        struct json_writer w;

        if (!f)
                return;
        json_init(&w, f);
        json_begin_object(&w, NULL);
        json_string_len(&w, "k", d, n);
        json_end_object(&w);
        if (json_end(&w) != 0)
                abort();
        fclose(f);
        /* No raw control byte may be left in the output. */
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
                        abort();
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text;
        const uint8_t *d = data + 1;
        size_t n;

        if (size < 1)
                return 0;
        n = size - 1;
        text = malloc(n + 1);
        if (!text)
                return 0;
        memcpy(text, d, n);
        text[n] = 0;

        switch (data[0] % 10) {
        case 0: {
                struct recon_cpuid *c = malloc(sizeof(*c));
                struct recon_cpuid_hv hv[8];
                unsigned bad;

                if (c && recon_cpuid_parse((const char *)d, n, c, &bad) == 0) {
                        unsigned k = recon_cpuid_hypervisors(c, hv, 8);
                        struct recon_match m;

                        if (c->n > RECON_CPUID_MAX_LEAVES || k > 8)
                                abort();
                        for (unsigned i = 0; i < k; i++)
                                recon_match_cpuid_sig(hv[i].sig, &m);
                }
                free(c);
                break;
        }
        case 1: {
                struct recon_cpuinfo ci;

                if (recon_parse_cpuinfo(text, &ci) == 0) {
                        check_printable(ci.vendor);
                        check_printable(ci.model_name);
                }
                break;
        }
        case 2: {
                struct recon_klog k;

                recon_klog_scan((const char *)d, n, &k);
                check_printable(k.hypervisor);
                check_printable(k.pv_on);
                check_printable(k.dmi);
                check_printable(k.vext_line);
                break;
        }
        case 3: {
                struct recon_idmap m;

                recon_parse_uid_map(text, &m);
                break;
        }
        case 4: {
                enum recon_env ct;
                char path[64];
                bool all_root;

                path[0] = 0;
                recon_cgroup_hint(text, &ct, path, sizeof(path), &all_root);
                check_printable(path);
                break;
        }
        case 5: {
                char v[32];

                if (recon_environ_get((const char *)d, n, "container", v, sizeof(v)))
                        check_printable(v);
                break;
        }
        case 6: {
                uint64_t v;
                uint8_t mac[6];
                char out[24];
                struct recon_match m;

                recon_parse_hex(text, &v);
                recon_parse_u64(text, &v);
                if (recon_parse_mac(text, mac) == 0)
                        recon_match_oui(mac, &m);
                recon_parse_ns_link(text, "pid", &v);
                if (recon_field(text, "Seccomp", out, sizeof(out)))
                        check_printable(out);
                recon_match_dmi("sys_vendor", text, text, &m);
                recon_match_dmi("product_name", text, "Microsoft Corporation", &m);
                recon_match_acpi_oem(text, &m);
                recon_match_clocksource(text, &m);
                recon_match_klog_hypervisor(text, &m);
                recon_match_klog_pv(text, &m);
                break;
        }
        case 7:
                fuzz_json((const char *)d, n);
                break;
        case 8:
                fuzz_findings(d, n, text);
                break;
        default: {
                char oem[7], tid[9];

                recon_smbios_vm_bit(d, n);
                if (recon_acpi_oem(d, n, oem, tid)) {
                        check_printable(oem);
                        check_printable(tid);
                }
                break;
        }
        }
        free(text);
        return 0;
}
