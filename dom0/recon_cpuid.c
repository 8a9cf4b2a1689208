/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RECON_X86 1
#else
#define RECON_X86 0
#endif

#include "recon_cpuid.h"

/* Hypervisor blocks live at 0x40000000 + k * 0x100; Xen moves to 0x100 or
 * 0x200 when it also offers Hyper-V's interface.  Linux looks up to 0x10000
 * for Xen; real hypervisors stay in the first few blocks. */
#define HV_BASE 0x40000000u
#define HV_BLOCKS 8
/* Leaves read per hypervisor block: signature, version, features. */
#define HV_LEAVES_PER_BLOCK 0x20u

static void add(struct recon_cpuid *c, uint32_t leaf, uint32_t sub, const uint32_t r[4])
{
        for (unsigned i = 0; i < c->n; i++)
                if (c->l[i].leaf == leaf && c->l[i].subleaf == sub) {
                        memcpy(c->l[i].r, r, sizeof(c->l[i].r));
                        return;
                }
        if (c->n >= RECON_CPUID_MAX_LEAVES) {
                c->truncated = true;
                return;
        }
        c->l[c->n].leaf = leaf;
        c->l[c->n].subleaf = sub;
        memcpy(c->l[c->n].r, r, sizeof(c->l[c->n].r));
        c->n++;
}

bool recon_cpuid_get(const struct recon_cpuid *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
        for (unsigned i = 0; i < c->n; i++)
                if (c->l[i].leaf == leaf && c->l[i].subleaf == subleaf) {
                        memcpy(r, c->l[i].r, sizeof(c->l[i].r));
                        return true;
                }
        memset(r, 0, 4 * sizeof(uint32_t));
        return false;
}

void recon_cpuid_sig(const uint32_t r[4], char sig[13])
{
        memcpy(sig, &r[1], 4);
        memcpy(sig + 4, &r[2], 4);
        memcpy(sig + 8, &r[3], 4);
        sig[12] = 0;
}

static bool bit(const struct recon_cpuid *c, uint32_t leaf, int reg, int b)
{
        uint32_t r[4];

        recon_cpuid_get(c, leaf, 0, r);
        return (r[reg] >> b) & 1;
}

bool recon_cpuid_hypervisor_bit(const struct recon_cpuid *c)
{
        return bit(c, 1, 2, 31);
}

bool recon_cpuid_vmx(const struct recon_cpuid *c)
{
        return bit(c, 1, 2, 5);
}

bool recon_cpuid_svm(const struct recon_cpuid *c)
{
        return bit(c, 0x80000001u, 2, 2);
}

bool recon_cpuid_npt(const struct recon_cpuid *c)
{
        return bit(c, 0x8000000au, 3, 0);
}

unsigned recon_cpuid_hypervisors(const struct recon_cpuid *c, struct recon_cpuid_hv *out, unsigned max)
{
        unsigned n = 0;

        /* Without the bit, leaf 0x40000000 is not defined: Intel CPUs return
         * their highest basic leaf there. */
        if (!recon_cpuid_hypervisor_bit(c))
                return 0;
        for (unsigned k = 0; k < HV_BLOCKS && n < max; k++) {
                uint32_t base = HV_BASE + k * 0x100, r[4];

                if (!recon_cpuid_get(c, base, 0, r))
                        continue;
                recon_cpuid_sig(r, out[n].sig);
                /* Old KVM reports 0 for its max leaf. */
                if (!((r[0] >= base && r[0] <= base + 0xff) || (r[0] == 0 && out[n].sig[0])))
                        continue;
                if (!out[n].sig[0])
                        continue;
                out[n].base = base;
                out[n].max = r[0];
                n++;
        }
        return n;
}

/* --- dump format -------------------------------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                p++;
        return p;
}

static const char *hex32(const char *p, const char *end, uint32_t *v)
{
        uint32_t r = 0;
        int d = 0;

        if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                p += 2;
        for (; p < end; p++) {
                int x;

                if (*p >= '0' && *p <= '9')
                        x = *p - '0';
                else if (*p >= 'a' && *p <= 'f')
                        x = *p - 'a' + 10;
                else if (*p >= 'A' && *p <= 'F')
                        x = *p - 'A' + 10;
                else
                        break;
                if (++d > 8)
                        return NULL;
                r = r << 4 | (uint32_t)x;
        }
        if (d == 0)
                return NULL;
        *v = r;
        return p;
}

static int parse_line(const char *p, const char *end, struct recon_cpuid *c)
{
        static const char *const regs[4] = { "eax=", "ebx=", "ecx=", "edx=" };
        uint32_t leaf, sub, r[4];

        p = skip_ws(p, end);
        if (!(p = hex32(p, end, &leaf)))
                return -EINVAL;
        p = skip_ws(p, end);
        if (!(p = hex32(p, end, &sub)))
                return -EINVAL;
        if (p >= end || *p != ':')
                return -EINVAL;
        p++;
        for (int i = 0; i < 4; i++) {
                p = skip_ws(p, end);
                if (end - p < 4 || memcmp(p, regs[i], 4) != 0)
                        return -EINVAL;
                if (!(p = hex32(p + 4, end, &r[i])))
                        return -EINVAL;
        }
        if (skip_ws(p, end) != end)
                return -EINVAL;
        add(c, leaf, sub, r);
        return 0;
}

int recon_cpuid_parse(const char *text, size_t len, struct recon_cpuid *c, unsigned *bad_line)
{
        size_t i = 0;
        unsigned lineno = 0, cpus = 0;

        memset(c, 0, sizeof(*c));
        *bad_line = 0;
        while (i < len) {
                const char *s = text + i, *nl = memchr(s, '\n', len - i);
                const char *end = nl ? nl : text + len;
                const char *p = skip_ws(s, end);

                lineno++;
                i = (size_t)(end - text) + 1;
                if (p == end || *p == '#')
                        continue;
                if (end - p >= 3 && memcmp(p, "CPU", 3) == 0 && end[-1] == ':') {
                        if (++cpus > 1)
                                break;
                        continue;
                }
                if (memchr(p, 0, (size_t)(end - p)) || parse_line(p, end, c) < 0) {
                        *bad_line = lineno;
                        return -EINVAL;
                }
        }
        return 0;
}

int recon_cpuid_write(FILE *f, const struct recon_cpuid *c)
{
        fprintf(f, "# CPUID dump (bulkhead-recon --dump-cpuid; format of cpuid -r -1)\nCPU:\n");
        for (unsigned i = 0; i < c->n; i++)
                fprintf(f, "   0x%08x 0x%02x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
                        c->l[i].leaf, c->l[i].subleaf, c->l[i].r[0], c->l[i].r[1], c->l[i].r[2],
                        c->l[i].r[3]);
        return ferror(f) ? -EIO : 0;
}

/* --- live --------------------------------------------------------------- */

#if RECON_X86
static void live(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
        __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

/* Subleaves worth keeping, per leaf (bounded: a dump, not an inventory). */
static uint32_t subleaves(uint32_t leaf, const uint32_t r0[4])
{
        switch (leaf) {
        case 4:
        case 0xb:
        case 0x1f:
                return 8;
        case 7:
                return r0[0] < 4 ? r0[0] + 1 : 4;
        case 0xd:
                return 16;
        default:
                return 1;
        }
}

int recon_cpuid_read_live(struct recon_cpuid *c)
{
        uint32_t r[4], max;

        memset(c, 0, sizeof(*c));
        live(0, 0, r);
        max = r[0] < 0x40 ? r[0] : 0x40;
        for (uint32_t leaf = 0; leaf <= max; leaf++) {
                uint32_t r0[4], n;

                live(leaf, 0, r0);
                add(c, leaf, 0, r0);
                n = subleaves(leaf, r0);
                for (uint32_t s = 1; s < n; s++) {
                        live(leaf, s, r);
                        add(c, leaf, s, r);
                }
        }
        live(0x80000000u, 0, r);
        max = r[0] >= 0x80000000u && r[0] <= 0x80000040u ? r[0] : 0x80000000u;
        for (uint32_t leaf = 0x80000000u; leaf <= max; leaf++) {
                live(leaf, 0, r);
                add(c, leaf, 0, r);
        }
        if (recon_cpuid_hypervisor_bit(c)) {
                for (unsigned k = 0; k < HV_BLOCKS; k++) {
                        uint32_t base = HV_BASE + k * 0x100, top;

                        live(base, 0, r);
                        if (k > 0 && !(r[0] > base && r[0] <= base + 0xff))
                                continue;
                        add(c, base, 0, r);
                        top = r[0] > base && r[0] <= base + 0xff ? r[0] : base + 1;
                        if (top > base + HV_LEAVES_PER_BLOCK)
                                top = base + HV_LEAVES_PER_BLOCK;
                        for (uint32_t leaf = base + 1; leaf <= top; leaf++) {
                                live(leaf, 0, r);
                                add(c, leaf, 0, r);
                        }
                }
        }
        return 0;
}

static sigjmp_buf ill_env;

static void on_sigill(int sig)
{
        (void)sig;
        siglongjmp(ill_env, 1);
}

static void xen_pv_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
        uint32_t a = leaf, b, cc = sub, d;

        /* ud2a; .ascii "xen"; cpuid: Xen emulates CPUID for PV guests. */
        __asm__ volatile(".byte 0x0f,0x0b,0x78,0x65,0x6e\n\tcpuid"
                         : "+a"(a), "=b"(b), "+c"(cc), "=d"(d));
        r[0] = a;
        r[1] = b;
        r[2] = cc;
        r[3] = d;
}

int recon_cpuid_read_xen_pv(struct recon_cpuid *c)
{
        struct sigaction sa = { .sa_handler = on_sigill }, old;
        volatile int r = 0;

        memset(c, 0, sizeof(*c));
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGILL, &sa, &old) < 0)
                return -errno;
        if (sigsetjmp(ill_env, 1) == 0) {
                uint32_t v[4];

                xen_pv_cpuid(1, 0, v);
                add(c, 1, 0, v);
                for (unsigned k = 0; k < HV_BLOCKS; k++) {
                        uint32_t base = HV_BASE + k * 0x100;

                        xen_pv_cpuid(base, 0, v);
                        if (!(v[0] > base && v[0] <= base + 0xff))
                                continue;
                        add(c, base, 0, v);
                        xen_pv_cpuid(base + 1, 0, v);
                        add(c, base + 1, 0, v);
                        break;
                }
        } else {
                r = -ENOTSUP;
        }
        sigaction(SIGILL, &old, NULL);
        return r;
}
#else
int recon_cpuid_read_live(struct recon_cpuid *c)
{
        memset(c, 0, sizeof(*c));
        return -ENOTSUP;
}

int recon_cpuid_read_xen_pv(struct recon_cpuid *c)
{
        memset(c, 0, sizeof(*c));
        return -ENOTSUP;
}
#endif
