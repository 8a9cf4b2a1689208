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
#include <sys/stat.h>
#include <unistd.h>

#include "xen_disks.h"
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

static void test_plan_without_root_image_has_no_disks(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .private_image = "/s/volumes/work/private.img",
                                      .volatile_dir = "/s/volatile/work", .vbd_script = "/x/bulkhead-vbd" };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.ndisks, 0);
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4");
}

static void test_plan_app_domain_has_root_private_and_volatile(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .root_image = "/s/templates/t/v1/xen/root.img",
                                      .private_image = "/s/volumes/work/private.img",
                                      .volatile_dir = "/s/volatile/work", .vbd_script = "/x/bulkhead-vbd" };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.ndisks, 3);
        assert_string_equal(p.disks[0].vdev, "xvda");
        assert_string_equal(p.disks[0].target, "/s/templates/t/v1/xen/root.img");
        assert_int_equal(p.disks[0].kind, BH_XEN_DISK_SHARED_RO);
        assert_string_equal(p.disks[1].vdev, "xvdb");
        assert_string_equal(p.disks[1].target, "/s/volumes/work/private.img");
        assert_int_equal(p.disks[1].kind, BH_XEN_DISK_KEEP);
        assert_true(p.disks[1].bytes == BH_XEN_PRIVATE_BYTES);
        assert_string_equal(p.disks[2].vdev, "xvdc");
        assert_string_equal(p.disks[2].target, "/s/volatile/work/volatile.img");
        assert_int_equal(p.disks[2].kind, BH_XEN_DISK_FRESH);
        assert_string_equal(p.vbd_script, "/x/bulkhead-vbd");
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4 bulkhead.disks=1 bulkhead.private=1");
}

static void test_plan_disposable_has_no_private_disk(void **state)
{
        struct bh_domain d = dom("disp3", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .root_image = "/s/templates/t/v1/xen/root.img",
                                      .volatile_dir = "/s/volatile/disp3", .vbd_script = "/x/v" };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.ndisks, 2);
        assert_string_equal(p.disks[1].vdev, "xvdc");
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4 bulkhead.disks=1");
        spec.volatile_dir = NULL;
        assert_int_equal(bh_xen_plan_make(&spec, &p), -EINVAL);
}

static void test_plan_disks_printed_as_xl_reads_them(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .root_image = "/s/templates/t/v1/xen/root.img",
                                      .private_image = "/s/volumes/work/private.img",
                                      .volatile_dir = "/s/volatile/work", .vbd_script = "/x/bulkhead-vbd" };
        struct bh_xen_plan p;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        (void)state;
        assert_non_null(f);
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(bh_xen_plan_print_xl(&p, f), 0);
        fclose(f);
        assert_non_null(strstr(text, "\"format=raw, vdev=xvda, access=ro, backendtype=phy, "
                                     "script=/x/bulkhead-vbd, target=/s/templates/t/v1/xen/root.img\",\n"));
        assert_non_null(strstr(text, "vdev=xvdb, access=rw,"));
        assert_non_null(strstr(text, "target=/s/volatile/work/volatile.img\",\n]\n"));
        free(text);
}

static void test_disk_line_round_trips_and_refuses_junk(void **state)
{
        struct bh_xen_disk d = { .vdev = "xvdb", .target = "/a b/private.img", .kind = BH_XEN_DISK_KEEP,
                                 .bytes = 1ULL << 31 };
        struct bh_xen_disk back;
        char line[PATH_MAX + 64];
        const char *bad[] = { "", "xvdb keep 1", "xvdb keep 1 rel/path", "sda keep 1 /x", "xvdb maybe 1 /x",
                              "xvdbb keep 1 /x", "xvdb keep x /x", "xvdb keep 1 /x\n/y" };

        (void)state;
        assert_int_equal(bh_xen_disk_format(&d, line, sizeof(line)), 0);
        assert_string_equal(line, "xvdb keep 2147483648 /a b/private.img");
        assert_int_equal(bh_xen_disk_parse(line, &back), 0);
        assert_string_equal(back.vdev, "xvdb");
        assert_string_equal(back.target, "/a b/private.img");
        assert_int_equal(back.kind, BH_XEN_DISK_KEEP);
        assert_true(back.bytes == 1ULL << 31);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(bh_xen_disk_parse(bad[i], &back), -EINVAL);
}

/* The private image is made once and kept; the volatile one is new (and
 * empty) at every start; both sparse; the root image is never touched. */
static void test_disks_prepare_keeps_private_and_renews_volatile(void **state)
{
        char dir[] = "/tmp/bh-xen-disks-XXXXXX";
        struct bh_xen_plan p = { .ndisks = 3 };
        struct stat st;
        FILE *f;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(p.disks[0].target, sizeof(p.disks[0].target), "%s/root.img", dir);
        p.disks[0].kind = BH_XEN_DISK_SHARED_RO;
        snprintf(p.disks[1].target, sizeof(p.disks[1].target), "%s/private.img", dir);
        p.disks[1].kind = BH_XEN_DISK_KEEP;
        p.disks[1].bytes = 1ULL << 30;
        snprintf(p.disks[2].target, sizeof(p.disks[2].target), "%s/volatile.img", dir);
        p.disks[2].kind = BH_XEN_DISK_FRESH;
        p.disks[2].bytes = 1ULL << 29;

        assert_int_equal(bh_xen_disks_prepare(&p), -ENOENT); /* no root image */
        f = fopen(p.disks[0].target, "w");
        assert_non_null(f);
        fputs("root", f);
        fclose(f);
        assert_int_equal(bh_xen_disks_prepare(&p), 0);
        assert_int_equal(stat(p.disks[1].target, &st), 0);
        assert_true(st.st_size == 1LL << 30);
        assert_true(st.st_blocks < 64); /* sparse */
        assert_int_equal(stat(p.disks[2].target, &st), 0);
        assert_true(st.st_size == 1LL << 29);

        /* What the domain wrote: kept in private, gone from volatile. */
        for (int i = 1; i <= 2; i++) {
                f = fopen(p.disks[i].target, "r+");
                assert_non_null(f);
                fputs("written", f);
                fclose(f);
        }
        assert_int_equal(bh_xen_disks_prepare(&p), 0);
        for (int i = 1; i <= 2; i++) {
                char buf[8] = "";
                f = fopen(p.disks[i].target, "r");
                assert_non_null(f);
                assert_true(fread(buf, 1, 7, f) == 7);
                fclose(f);
                assert_int_equal(strcmp(buf, "written") == 0, i == 1);
        }
        assert_int_equal(stat(p.disks[0].target, &st), 0);
        assert_true(st.st_size == 4);

        for (int i = 0; i < 3; i++)
                unlink(p.disks[i].target);
        rmdir(dir);
}

static const char *net_key(const struct bh_xen_plan *p, const char *key)
{
        for (unsigned i = 0; i < p->nnet_keys; i++)
                if (strcmp(p->net_keys[i].key, key) == 0)
                        return p->net_keys[i].value;
        return NULL;
}

/* A client's vif is served by its netvm, named after its address there;
 * its init learns address, gateway and DNS from xenstore. */
static void test_plan_client_vif_served_by_its_netvm(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_net net = { .ip = 0x0a890005, .gateway = 0x0a890002, .netvm = "sys-net",
                                    .netvm_domid = 7, .vif = "vif5" };
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root", .net = &net };
        struct bh_xen_plan p;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.nnics, 1);
        assert_string_equal(p.nics[0].backend, "sys-net");
        assert_int_equal(p.nics[0].backend_domid, 7);
        assert_string_equal(p.nics[0].ifname, "vif5");
        assert_string_equal(p.nics[0].ip, "10.137.0.5");
        assert_string_equal(p.nics[0].script, "");
        assert_string_equal(net_key(&p, "ip"), "10.137.0.5");
        assert_string_equal(net_key(&p, "gateway"), "10.137.0.2");
        assert_string_equal(net_key(&p, "dns"), "10.139.1.1");
        assert_null(net_key(&p, "mode"));
        assert_null(net_key(&p, "uplink-ip"));
        assert_non_null(f);
        assert_int_equal(bh_xen_plan_print_xl(&p, f), 0);
        fclose(f);
        assert_non_null(strstr(text, "vif = [\n    \"vifname=vif5, backend=sys-net, ip=10.137.0.5\",\n]\n"));
        assert_non_null(strstr(text, "#   bulkhead/net/gateway = 10.137.0.2\n"));
        free(text);

        /* No netvm name or vif name: refused, never a vif served by dom0. */
        net.vif[0] = '\0';
        assert_int_equal(bh_xen_plan_make(&spec, &p), -EINVAL);
}

/* A network domain's uplink is the one vif dom0 serves: through the vif
 * script, which names dom0's side bhuN. */
static void test_plan_uplink_vif_served_by_dom0(void **state)
{
        struct bh_domain d = dom("sys-net", 192, 1);
        struct bh_start_net net = { .ip = 0x0a890002, .netvm_domid = -1, .provides = BH_NETMODE_ROUTER,
                                    .uplink_if = "bhu2", .uplink_addr = 0xc0000202, .uplink_prefix = 24,
                                    .uplink_gw = 0xc0000201, .vif_script = "/x/bulkhead-vif" };
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root", .net = &net };
        struct bh_xen_plan p;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.nnics, 1);
        assert_string_equal(p.nics[0].backend, "");
        assert_int_equal(p.nics[0].backend_domid, 0);
        assert_string_equal(p.nics[0].ifname, "bhu2");
        assert_string_equal(p.nics[0].script, "/x/bulkhead-vif");
        assert_string_equal(net_key(&p, "mode"), "router");
        assert_string_equal(net_key(&p, "uplink-ip"), "192.0.2.2");
        assert_string_equal(net_key(&p, "uplink-prefix"), "24");
        assert_string_equal(net_key(&p, "uplink-gateway"), "192.0.2.1");
        assert_null(net_key(&p, "gateway"));

        /* A Tor gateway says so; without an uplink it has no vif at all. */
        net.provides = BH_NETMODE_TOR;
        net.uplink_if[0] = '\0';
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.nnics, 0);
        assert_string_equal(net_key(&p, "mode"), "tor");
}

static void test_nic_and_net_key_lines_round_trip_and_refuse_junk(void **state)
{
        struct bh_xen_nic n = { .backend = "sys-net", .ifname = "vif5", .ip = "10.137.0.5" }, back;
        struct bh_xen_net_key k = { .key = "gateway", .value = "10.137.0.2" }, kb;
        char line[PATH_MAX + 64];
        const char *bad[] = { "", "a b c", "a b c d e", "- - - -", "sys-net vif5 10.137.0.5 - x",
                              "a-name-much-longer-than-a-domain-name-may-be-in-bulkhead-ever-at-all vif5 - -" };

        (void)state;
        assert_int_equal(bh_xen_nic_format(&n, line, sizeof(line)), 0);
        assert_string_equal(line, "sys-net vif5 10.137.0.5 -");
        assert_int_equal(bh_xen_nic_parse(line, &back), 0);
        assert_string_equal(back.backend, "sys-net");
        assert_string_equal(back.ifname, "vif5");
        assert_string_equal(back.ip, "10.137.0.5");
        assert_string_equal(back.script, "");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(bh_xen_nic_parse(bad[i], &back), -EINVAL);
        snprintf(n.script, sizeof(n.script), "/a b/bulkhead-vif");
        assert_int_equal(bh_xen_nic_format(&n, line, sizeof(line)), -EINVAL);

        assert_int_equal(bh_xen_net_key_format(&k, line, sizeof(line)), 0);
        assert_string_equal(line, "gateway 10.137.0.2");
        assert_int_equal(bh_xen_net_key_parse(line, &kb), 0);
        assert_string_equal(kb.key, "gateway");
        assert_string_equal(kb.value, "10.137.0.2");
        assert_int_equal(bh_xen_net_key_parse("gateway", &kb), -EINVAL);
        assert_int_equal(bh_xen_net_key_parse("a b c", &kb), -EINVAL);
        assert_int_equal(bh_xen_net_key_parse("a-key-far-too-long-for-it 1", &kb), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan_files_beside_the_templates_root),
                cmocka_unit_test(test_plan_gui_flag_on_the_command_line),
                cmocka_unit_test(test_plan_refuses_a_root_that_is_not_a_version_root),
                cmocka_unit_test(test_plan_refuses_paths_too_long),
                cmocka_unit_test(test_plan_printed_as_xl_reads_it),
                cmocka_unit_test(test_plan_without_root_image_has_no_disks),
                cmocka_unit_test(test_plan_app_domain_has_root_private_and_volatile),
                cmocka_unit_test(test_plan_disposable_has_no_private_disk),
                cmocka_unit_test(test_plan_disks_printed_as_xl_reads_them),
                cmocka_unit_test(test_disk_line_round_trips_and_refuses_junk),
                cmocka_unit_test(test_disks_prepare_keeps_private_and_renews_volatile),
                cmocka_unit_test(test_plan_client_vif_served_by_its_netvm),
                cmocka_unit_test(test_plan_uplink_vif_served_by_dom0),
                cmocka_unit_test(test_nic_and_net_key_lines_round_trip_and_refuse_junk),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
