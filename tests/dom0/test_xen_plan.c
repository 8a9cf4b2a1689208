/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xen_plan.h"

static struct bh_domain dom(const char *name, unsigned mem, unsigned vcpus)
{
        struct bh_domain d = { .memory_mib = mem, .vcpus = vcpus, .domid = -1 };

        snprintf(d.name, sizeof(d.name), "%s", name);
        return d;
}

static void test_plan_files_beside_the_templates_root(void **state)
{
        struct bh_domain d = dom("work", 192, 2);
        struct bh_start_spec spec = { .d = &d, .root = "/var/lib/bulkhead/templates/deb/v3/root" };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_string_equal(p.name, "work");
        assert_string_equal(p.kernel, "/var/lib/bulkhead/templates/deb/v3/xen/vmlinuz");
        assert_string_equal(p.ramdisk, "/var/lib/bulkhead/templates/deb/v3/xen/initrd.img");
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4");
        assert_int_equal(p.memory_mib, 192);
        assert_int_equal(p.vcpus, 2);
}

static void test_plan_gui_flag_on_the_command_line(void **state)
{
        struct bh_domain d = dom("work", 400, 0);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root", .gui = true };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4 bulkhead.gui=1");
        assert_int_equal(p.vcpus, 1); /* 0 is no vcpu: at least one */
}

static void test_plan_refuses_a_root_that_is_not_a_version_root(void **state)
{
        struct bh_domain d = dom("work", 400, 1);
        const char *bad[] = { "/s/templates/t/v1", "/s/templates/t/v1/rootfs", "root", "/root/", "" };
        struct bh_xen_plan p;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct bh_start_spec spec = { .d = &d, .root = bad[i] };
                assert_int_equal(bh_xen_plan_make(&spec, &p), -EINVAL);
        }
        struct bh_start_spec none = { .d = &d };
        assert_int_equal(bh_xen_plan_make(&none, &p), -EINVAL);
}

static void test_plan_refuses_paths_too_long(void **state)
{
        struct bh_domain d = dom("work", 400, 1);
        char root[PATH_MAX + 8];
        struct bh_xen_plan p;

        (void)state;
        memset(root, 'a', sizeof(root));
        root[0] = '/';
        memcpy(root + sizeof(root) - 6, "/root", 6);
        struct bh_start_spec spec = { .d = &d, .root = root };
        assert_int_equal(bh_xen_plan_make(&spec, &p), -ENAMETOOLONG);
}

static void test_plan_printed_as_xl_reads_it(void **state)
{
        struct bh_domain d = dom("disp12", 256, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/st\"ate/templates/t/v1/root" };
        struct bh_xen_plan p;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        (void)state;
        assert_non_null(f);
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(bh_xen_plan_print_xl(&p, f), 0);
        fclose(f);
        assert_non_null(strstr(text, "name = \"disp12\"\n"));
        assert_non_null(strstr(text, "type = \"pv\"\n"));
        assert_non_null(strstr(text, "kernel = \"/st\\\"ate/templates/t/v1/xen/vmlinuz\"\n"));
        assert_non_null(strstr(text, "memory = 256\nmaxmem = 256\nvcpus = 1\n"));
        assert_non_null(strstr(text, "on_poweroff = \"destroy\"\n"));
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan_files_beside_the_templates_root),
                cmocka_unit_test(test_plan_gui_flag_on_the_command_line),
                cmocka_unit_test(test_plan_refuses_a_root_that_is_not_a_version_root),
                cmocka_unit_test(test_plan_refuses_paths_too_long),
                cmocka_unit_test(test_plan_printed_as_xl_reads_it),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
