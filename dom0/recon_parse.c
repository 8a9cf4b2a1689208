/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "recon_parse.h"
#include "util.h"

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void recon_sanitize(char *out, size_t out_size, const char *src, size_t src_len)
{
        size_t o = 0, i = 0;
        bool cut = false;

        if (out_size == 0)
                return;
        /* Leading whitespace. */
        while (i < src_len && src[i] && is_space(src[i]))
                i++;
        for (; i < src_len && src[i]; i++) {
                unsigned char c = (unsigned char)src[i];

                if (o + 1 >= out_size) {
                        cut = true;
                        break;
                }
                if (c == '\t' || c == '\n' || c == '\r')
                        c = ' ';
                else if (c < 0x20 || c > 0x7e)
                        c = '?';
                out[o++] = (char)c;
        }
        while (o > 0 && out[o - 1] == ' ')
                o--;
        if (cut && out_size >= 4) {
                o = out_size - 4;
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = 0;
}

void recon_first_line(const char *s, char *out, size_t out_size)
{
        const char *nl = strchr(s, '\n');

        recon_sanitize(out, out_size, s, nl ? (size_t)(nl - s) : strlen(s));
}

bool recon_word_in(const char *list, const char *word)
{
        size_t wl = strlen(word);
        const char *p = list;

        if (wl == 0)
                return false;
        while (*p) {
                const char *e;

                while (*p && is_space(*p))
                        p++;
                e = p;
                while (*e && !is_space(*e))
                        e++;
                if ((size_t)(e - p) == wl && memcmp(p, word, wl) == 0)
                        return true;
                p = e;
        }
        return false;
}

bool recon_field(const char *text, const char *key, char *out, size_t out_size)
{
        size_t kl = strlen(key);
        const char *line = text;

        while (line && *line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);

                if (len > kl && memcmp(line, key, kl) == 0) {
                        size_t i = kl;

                        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                                i++;
                        if (i < len && line[i] == ':') {
                                i++;
                                recon_sanitize(out, out_size, line + i, len - i);
                                return true;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int recon_parse_hex(const char *s, uint64_t *v)
{
        uint64_t r = 0;
        int digits = 0;

        while (is_space(*s))
                s++;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        for (; hexval(*s) >= 0; s++) {
                if (++digits > 16)
                        return -ERANGE;
                r = (r << 4) | (uint64_t)hexval(*s);
        }
        while (is_space(*s))
                s++;
        if (digits == 0 || *s)
                return -EINVAL;
        *v = r;
        return 0;
}

int recon_parse_u64(const char *s, uint64_t *v)
{
        uint64_t r = 0;
        int digits = 0;

        while (is_space(*s))
                s++;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (__builtin_mul_overflow(r, 10, &r) ||
                    __builtin_add_overflow(r, (uint64_t)(*s - '0'), &r))
                        return -ERANGE;
                digits++;
        }
        while (is_space(*s))
                s++;
        if (digits == 0 || *s)
                return -EINVAL;
        *v = r;
        return 0;
}

int recon_parse_mac(const char *s, uint8_t mac[6])
{
        while (is_space(*s))
                s++;
        for (int i = 0; i < 6; i++) {
                int hi = hexval(s[0]), lo = hi >= 0 ? hexval(s[1]) : -1;

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                mac[i] = (uint8_t)(hi << 4 | lo);
                s += 2;
                if (i < 5) {
                        if (*s != ':')
                                return -EINVAL;
                        s++;
                }
        }
        while (is_space(*s))
                s++;
        return *s ? -EINVAL : 0;
}

int recon_parse_ns_link(const char *link, const char *type, uint64_t *ino)
{
        size_t tl = strlen(type);
        const char *p, *close;
        char num[24];

        if (strncmp(link, type, tl) != 0 || link[tl] != ':' || link[tl + 1] != '[')
                return -EINVAL;
        p = link + tl + 2;
        close = strchr(p, ']');
        if (!close || close[1] != 0 || close == p || (size_t)(close - p) >= sizeof(num))
                return -EINVAL;
        memcpy(num, p, (size_t)(close - p));
        num[close - p] = 0;
        return recon_parse_u64(num, ino);
}

bool recon_environ_get(const char *buf, size_t len, const char *name, char *out, size_t out_size)
{
        size_t nl = strlen(name), i = 0;

        while (i < len) {
                const char *e = memchr(buf + i, 0, len - i);
                size_t l = e ? (size_t)(e - (buf + i)) : len - i;

                if (l > nl && memcmp(buf + i, name, nl) == 0 && buf[i + nl] == '=') {
                        recon_sanitize(out, out_size, buf + i + nl + 1, l - nl - 1);
                        return true;
                }
                i += l + 1;
        }
        return false;
}

/* --- /proc/cpuinfo ------------------------------------------------------ */

static int field_int(const char *block, const char *key)
{
        char v[32];
        uint64_t n;

        if (!recon_field(block, key, v, sizeof(v)) || recon_parse_u64(v, &n) < 0 || n > 0xffff)
                return -1;
        return (int)n;
}

int recon_parse_cpuinfo(const char *text, struct recon_cpuinfo *ci)
{
        /* The first block ends at the first empty line; copy it so the
         * field lookups cannot wander into the second processor. */
        const char *end = strstr(text, "\n\n");
        size_t len = end ? (size_t)(end - text) + 1 : strlen(text);
        _cleanup_free_ char *block = malloc(len + 1);
        /* A flags line holds a few hundred names; the longest is well under 4 KiB. */
        _cleanup_free_ char *flags = malloc(RECON_SMALL_FILE_MAX);
        const char *fl;

        memset(ci, 0, sizeof(*ci));
        ci->family = ci->model = ci->stepping = -1;
        if (!block || !flags)
                return -ENOMEM;
        memcpy(block, text, len);
        block[len] = 0;

        recon_field(block, "vendor_id", ci->vendor, sizeof(ci->vendor));
        recon_field(block, "model name", ci->model_name, sizeof(ci->model_name));
        ci->family = field_int(block, "cpu family");
        ci->model = field_int(block, "model");
        ci->stepping = field_int(block, "stepping");

        /* recon_sanitize would cut a long flags line; find it directly. */
        for (const char *line = block; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t l = nl ? (size_t)(nl - line) : strlen(line);
                bool is_flags = l > 5 && strncmp(line, "flags", 5) == 0 &&
                                (line[5] == '\t' || line[5] == ' ' || line[5] == ':');
                bool is_vmx = l > 9 && strncmp(line, "vmx flags", 9) == 0;

                if (is_flags || is_vmx) {
                        const char *colon = memchr(line, ':', l);

                        if (colon) {
                                size_t vl = l - (size_t)(colon + 1 - line);

                                if (vl >= RECON_SMALL_FILE_MAX)
                                        vl = RECON_SMALL_FILE_MAX - 1;
                                memcpy(flags, colon + 1, vl);
                                flags[vl] = 0;
                                fl = flags;
                                if (is_flags) {
                                        ci->have_flags = true;
                                        ci->hypervisor = recon_word_in(fl, "hypervisor");
                                        ci->vmx = recon_word_in(fl, "vmx");
                                        ci->svm = recon_word_in(fl, "svm");
                                        ci->npt = recon_word_in(fl, "npt");
                                }
                                /* Before Linux 5.8, ept and vpid were plain flags. */
                                ci->ept |= recon_word_in(fl, "ept");
                                ci->vpid |= recon_word_in(fl, "vpid");
                                ci->unrestricted_guest |= recon_word_in(fl, "unrestricted_guest");
                                if (is_vmx)
                                        ci->have_vmx_flags = true;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        if (!ci->vendor[0] && !ci->have_flags)
                return -EINVAL;
        return 0;
}

/* --- /proc/self/uid_map ------------------------------------------------- */

int recon_parse_uid_map(const char *text, struct recon_idmap *m)
{
        const char *line = text;

        memset(m, 0, sizeof(*m));
        while (line && *line) {
                const char *nl = strchr(line, '\n');
                char buf[96], *a, *b, *c, *save = NULL;
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                uint64_t x, y, z;

                if (len >= sizeof(buf))
                        return -EINVAL;
                memcpy(buf, line, len);
                buf[len] = 0;
                line = nl ? nl + 1 : NULL;
                a = strtok_r(buf, " \t", &save);
                if (!a)
                        continue;
                b = strtok_r(NULL, " \t", &save);
                c = strtok_r(NULL, " \t", &save);
                if (!b || !c || strtok_r(NULL, " \t", &save) || recon_parse_u64(a, &x) < 0 ||
                    recon_parse_u64(b, &y) < 0 || recon_parse_u64(c, &z) < 0)
                        return -EINVAL;
                if (m->lines == 0) {
                        m->inside = x;
                        m->outside = y;
                        m->count = z;
                }
                m->lines++;
        }
        m->identity = m->lines == 1 && m->inside == 0 && m->outside == 0 && m->count == 4294967295u;
        return 0;
}

/* --- /proc/self/cgroup -------------------------------------------------- */

bool recon_cgroup_hint(const char *text, enum recon_env *ct, char *path, size_t path_size,
                       bool *all_root)
{
        static const struct {
                const char *marker;
                enum recon_env ct;
        } markers[] = {
                { "/docker/", RECON_CT_DOCKER },       { "/docker-", RECON_CT_DOCKER },
                { "/actions_job/", RECON_CT_DOCKER },  { "/libpod-", RECON_CT_PODMAN },
                { "/libpod_parent", RECON_CT_PODMAN }, { "/lxc.payload", RECON_CT_LXC },
                { "/lxc/", RECON_CT_LXC },             { "/machine-lxc", RECON_CT_LXC_LIBVIRT },
                { "/kubepods", RECON_CT_OTHER },       { "/ecs/", RECON_CT_OTHER },
                { "/garden/", RECON_CT_OTHER },
        };
        const char *line = text;
        bool found = false;

        *all_root = true;
        while (line && *line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                /* "ID:controllers:path": the path is after the second colon. */
                const char *c1 = memchr(line, ':', len);
                const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;

                if (c2) {
                        const char *p = c2 + 1;
                        size_t pl = len - (size_t)(p - line);
                        char buf[512];

                        if (!(pl == 1 && p[0] == '/')) {
                                /* Without a runtime's marker, the first group
                                 * that is not the root is the one to show. */
                                if (*all_root && !found)
                                        recon_sanitize(path, path_size, line, len);
                                *all_root = false;
                        }
                        if (pl >= sizeof(buf))
                                pl = sizeof(buf) - 1;
                        memcpy(buf, p, pl);
                        buf[pl] = 0;
                        for (size_t i = 0; !found && i < ELEMENTSOF(markers); i++)
                                if (strstr(buf, markers[i].marker)) {
                                        *ct = markers[i].ct;
                                        recon_sanitize(path, path_size, buf, pl);
                                        found = true;
                                }
                        /* systemd-nspawn puts its payload in machine.slice. */
                        if (!found && strstr(buf, "/machine.slice/machine-") && strstr(buf, ".scope")) {
                                *ct = RECON_CT_NSPAWN;
                                recon_sanitize(path, path_size, buf, pl);
                                found = true;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        return found;
}

/* --- kernel log --------------------------------------------------------- */

static const char *after(const char *line, const char *prefix)
{
        size_t n = strlen(prefix);

        return strncmp(line, prefix, n) == 0 ? line + n : NULL;
}

static bool contains_ci(const char *s, const char *needle)
{
        size_t n = strlen(needle);

        for (; *s; s++)
                if (strncasecmp(s, needle, n) == 0)
                        return true;
        return false;
}

static void scan_line(struct recon_klog *k, const char *l, bool first)
{
        const char *v;
        double t = -1;

        /* "<6>" syslog level from the kernel's buffer. */
        if (l[0] == '<') {
                const char *e = strchr(l, '>');

                if (e && e - l <= 4)
                        l = e + 1;
        }
        /* "[    1.234567] " timestamp. */
        if (l[0] == '[') {
                const char *e = strchr(l, ']');

                if (e) {
                        char ts[32];
                        size_t n = (size_t)(e - l - 1);

                        if (n < sizeof(ts)) {
                                memcpy(ts, l + 1, n);
                                ts[n] = 0;
                                t = strtod(ts, NULL);
                        }
                        l = e + 1;
                        while (*l == ' ')
                                l++;
                }
        }
        if (first)
                k->complete = t == 0.0;

        if ((v = after(l, "Hypervisor detected: ")))
                recon_sanitize(k->hypervisor, sizeof(k->hypervisor), v, SIZE_MAX);
        else if ((v = after(l, "Booting paravirtualized kernel on ")))
                recon_sanitize(k->pv_on, sizeof(k->pv_on), v, SIZE_MAX);
        else if ((v = after(l, "Xen version: ")) || (v = after(l, "Xen version ")))
                recon_sanitize(k->xen_version, sizeof(k->xen_version), v, SIZE_MAX);
        else if ((v = after(l, "DMI: ")))
                recon_sanitize(k->dmi, sizeof(k->dmi), v, SIZE_MAX);
        else if (strstr(l, "DMI not present or invalid"))
                k->no_dmi = true;
        else if (strstr(l, "DMAR: IOMMU enabled") || strstr(l, "DMAR: Intel(R) Virtualization Technology for Directed I/O"))
                k->dmar_enabled = true;
        else if (strncmp(l, "AMD-Vi:", 7) == 0 || strstr(l, " AMD-Vi: ")) {
                /* "AMD-Vi: AMD IOMMUv2 ... not available" appears without one. */
                if (strstr(l, "Found IOMMU") || strstr(l, "Interrupt remapping enabled"))
                        k->amd_vi = true;
                if (strstr(l, "Interrupt remapping enabled")) {
                        k->ir_enabled = true;
                        recon_sanitize(k->ir_line, sizeof(k->ir_line), l, SIZE_MAX);
                }
        }
        if (strstr(l, "Enabled IRQ remapping")) {
                k->ir_enabled = true;
                recon_sanitize(k->ir_line, sizeof(k->ir_line), l, SIZE_MAX);
        }
        /* "x86/cpu: VMX (outside TXT) disabled by BIOS", "kvm: disabled by
         * bios", "kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR". */
        if (contains_ci(l, "disabled by bios") || contains_ci(l, "disabled (by bios)")) {
                if (strstr(l, "VMX") || strstr(l, "SVM") || strstr(l, "kvm")) {
                        k->vext_bios_disabled = true;
                        recon_sanitize(k->vext_line, sizeof(k->vext_line), l, SIZE_MAX);
                }
        }
}

void recon_klog_scan(const char *text, size_t len, struct recon_klog *k)
{
        size_t i = 0;
        char line[512];

        memset(k, 0, sizeof(*k));
        while (i < len) {
                const char *s = text + i;
                const char *nl = memchr(s, '\n', len - i);
                size_t l = nl ? (size_t)(nl - s) : len - i;
                size_t c = l < sizeof(line) - 1 ? l : sizeof(line) - 1;

                memcpy(line, s, c);
                line[c] = 0;
                /* A NUL inside a line ends it; the rest is noise. */
                scan_line(k, line, k->lines == 0);
                k->lines++;
                i += l + 1;
        }
}

/* --- firmware tables ---------------------------------------------------- */

int recon_smbios_vm_bit(const uint8_t *raw, size_t len)
{
        /* Type 0, formatted length in byte 1; extension byte 2 is at 0x13. */
        if (len < 0x14 || raw[0] != 0 || raw[1] < 0x14)
                return -1;
        return (raw[0x13] >> 4) & 1;
}

bool recon_acpi_oem(const uint8_t *hdr, size_t len, char oem[7], char table_id[9])
{
        if (len < 36)
                return false;
        recon_sanitize(oem, 7, (const char *)hdr + 10, 6);
        recon_sanitize(table_id, 9, (const char *)hdr + 16, 8);
        return true;
}

int recon_msr_intel_vmx_allowed(uint64_t fc)
{
        /* Bit 0 lock, bit 2 VMXON outside SMX.  Unlocked: the kernel may
         * still set it (it does, at boot). */
        if (!(fc & 1))
                return 1;
        return (fc >> 2) & 1 ? 1 : 0;
}

int recon_msr_amd_svm_allowed(uint64_t vm_cr)
{
        /* Bit 4 SVMDIS. */
        return (vm_cr >> 4) & 1 ? 0 : 1;
}
