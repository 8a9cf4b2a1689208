/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the CPUID dump format, hypervisor leaves, the live reads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recon_cpuid.h"

static struct recon_cpuid *c;

static int setup(void **state)
{
        (void)state;
        c = calloc(1, sizeof(*c));
        return c ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        free(c);
        return 0;
}

static int parse(const char *text, unsigned *bad)
{
        return recon_cpuid_parse(text, strlen(text), c, bad);
}

static void test_parses_the_raw_dump_format(void **state)
{
        static const char dump[] =
                "# from a KVM guest\n"
                "CPU 0:\n"
                "   0x00000000 0x00: eax=0x0000000d ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
                "   0x00000001 0x00: eax=0x00a00f11 ebx=0x00000800 ecx=0xfef83203 edx=0x178bfbff\n"
                "   0x00000007 0x01: eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
                "   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d\n"
                "\n";
        uint32_t r[4];
        char sig[13];
        unsigned bad;

        (void)state;
        assert_int_equal(parse(dump, &bad), 0);
        assert_int_equal(c->n, 4);
        assert_true(recon_cpuid_get(c, 0, 0, r));
        recon_cpuid_sig(r, sig);
        assert_memory_equal(sig, "AuthcAMDenti", 12); /* EBX ECX EDX order */
        assert_true(recon_cpuid_hypervisor_bit(c));
        assert_false(recon_cpuid_vmx(c));
        assert_true(recon_cpuid_get(c, 7, 1, r));
        assert_false(recon_cpuid_get(c, 7, 0, r));
        assert_int_equal(r[0], 0);
}

static void test_a_second_cpu_ends_the_dump(void **state)
{
        static const char dump[] = "CPU 0:\n   0x00000000 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"
                                   "CPU 1:\n   0x00000000 0x00: eax=0x9 ebx=0x9 ecx=0x9 edx=0x9\n";
        uint32_t r[4];
        unsigned bad;

        (void)state;
        assert_int_equal(parse(dump, &bad), 0);
        assert_true(recon_cpuid_get(c, 0, 0, r));
        assert_int_equal(r[0], 1);
}

static void test_a_bad_line_is_reported_by_number(void **state)
{
        unsigned bad;

        (void)state;
        assert_int_equal(parse("CPU:\n   0x00000000 0x00: eax=0x1 ebx=0x2 ecx=0x3\n", &bad), -EINVAL);
        assert_int_equal(bad, 2);
        assert_int_equal(parse("# x\n\n0x1 0x0: eax=0x1 ebx=0x2 ecx=0x3 edx=0x123456789\n", &bad), -EINVAL);
        assert_int_equal(bad, 3);
        assert_int_equal(parse("0x1 0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n", &bad), -EINVAL);
        assert_int_equal(parse("0x1 0x0: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4 extra\n", &bad), -EINVAL);
        assert_int_equal(parse("0x1 0x0: ebx=0x1 eax=0x2 ecx=0x3 edx=0x4\n", &bad), -EINVAL);
        assert_int_equal(recon_cpuid_parse("0x1 0x0: eax=0x1\0", 17, c, &bad), -EINVAL);
}

static void test_too_many_leaves_are_cut_not_overflowed(void **state)
{
        size_t cap = (RECON_CPUID_MAX_LEAVES + 10) * 80;
        char *text = malloc(cap);
        size_t o = 0;
        unsigned bad;

        (void)state;
        assert_non_null(text);
        for (unsigned i = 0; i < RECON_CPUID_MAX_LEAVES + 10; i++)
                o += (size_t)snprintf(text + o, cap - o, "0x%08x 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n", i);
        assert_int_equal(recon_cpuid_parse(text, o, c, &bad), 0);
        assert_int_equal(c->n, RECON_CPUID_MAX_LEAVES);
        assert_true(c->truncated);
        free(text);
}

static void test_hypervisor_leaves_need_the_hypervisor_bit(void **state)
{
        static const char bare[] = "0x1 0x0: eax=0x0 ebx=0x0 ecx=0x00000020 edx=0x0\n"
                                   /* what an Intel CPU returns for an undefined leaf */
                                   "0x40000000 0x0: eax=0x00000d00 ebx=0x1 ecx=0x2 edx=0x3\n";
        struct recon_cpuid_hv hv[4];
        unsigned bad;

        (void)state;
        assert_int_equal(parse(bare, &bad), 0);
        assert_true(recon_cpuid_vmx(c));
        assert_int_equal(recon_cpuid_hypervisors(c, hv, 4), 0);
}

static void test_xen_behind_hyperv_enlightenments(void **state)
{
        static const char dump[] = "0x1 0x0: eax=0x0 ebx=0x0 ecx=0x80000000 edx=0x0\n"
                                   "0x40000000 0x0: eax=0x40000005 ebx=0x7263694d ecx=0x666f736f edx=0x76482074\n"
                                   "0x40000100 0x0: eax=0x40000105 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e\n"
                                   "0x40000200 0x0: eax=0x00000000 ebx=0x0 ecx=0x0 edx=0x0\n";
        struct recon_cpuid_hv hv[4];
        unsigned bad;

        (void)state;
        assert_int_equal(parse(dump, &bad), 0);
        assert_int_equal(recon_cpuid_hypervisors(c, hv, 4), 2);
        assert_string_equal(hv[0].sig, "Microsoft Hv");
        assert_int_equal(hv[1].base, 0x40000100);
        assert_string_equal(hv[1].sig, "XenVMMXenVMM");
        assert_int_equal(hv[1].max, 0x40000105);
}

static void test_written_dump_parses_back(void **state)
{
        struct recon_cpuid *back = calloc(1, sizeof(*back));
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        unsigned bad;
        uint32_t r[4], r2[4];

        (void)state;
        assert_non_null(back);
        assert_non_null(f);
        assert_int_equal(parse("0x0 0x0: eax=0xd ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
                               "0x7 0x2: eax=0xffffffff ebx=0x0 ecx=0x1 edx=0x80000000\n", &bad), 0);
        assert_int_equal(recon_cpuid_write(f, c), 0);
        fclose(f);
        assert_int_equal(recon_cpuid_parse(buf, len, back, &bad), 0);
        assert_int_equal(back->n, 2);
        recon_cpuid_get(c, 7, 2, r);
        recon_cpuid_get(back, 7, 2, r2);
        assert_memory_equal(r, r2, sizeof(r));
        free(buf);
        free(back);
}

static void test_live_cpuid_reads_leaf_zero(void **state)
{
        uint32_t r[4];
        int e;

        (void)state;
        e = recon_cpuid_read_live(c);
#if defined(__x86_64__) || defined(__i386__)
        assert_int_equal(e, 0);
        assert_true(recon_cpuid_get(c, 0, 0, r));
        assert_true(r[0] >= 1);
#else
        assert_int_equal(e, -ENOTSUP);
        (void)r;
#endif
}

static void test_xen_prefix_outside_pv_is_caught(void **state)
{
        int e;

        (void)state;
        /* Off Xen PV the prefix is an invalid opcode: SIGILL, caught. */
        e = recon_cpuid_read_xen_pv(c);
        assert_true(e == 0 || e == -ENOTSUP);
        /* And the program goes on running normally. */
        e = recon_cpuid_read_xen_pv(c);
        assert_true(e == 0 || e == -ENOTSUP);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parses_the_raw_dump_format),
                cmocka_unit_test(test_a_second_cpu_ends_the_dump),
                cmocka_unit_test(test_a_bad_line_is_reported_by_number),
                cmocka_unit_test(test_too_many_leaves_are_cut_not_overflowed),
                cmocka_unit_test(test_hypervisor_leaves_need_the_hypervisor_bit),
                cmocka_unit_test(test_xen_behind_hyperv_enlightenments),
                cmocka_unit_test(test_written_dump_parses_back),
                cmocka_unit_test(test_live_cpuid_reads_leaf_zero),
                cmocka_unit_test(test_xen_prefix_outside_pv_is_caught),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
