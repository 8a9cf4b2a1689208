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
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "xen_disks.h"
#include "xen_plan.h"

/* The plan as xl-config prints it; the caller frees it. */
static char *xl_text(const struct bh_xen_plan *p)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        assert_int_equal(bh_xen_plan_print_xl(p, f), 0);
        assert_int_equal(fclose(f), 0);
        return text;
}

static struct bh_domain dom(const char *name, unsigned mem, unsigned vcpus)
{
        struct bh_domain d = { .memory_mib = mem, .vcpus = vcpus, .domid = -1,
                               .private_mib = BH_DEFAULT_PRIVATE_MIB };

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

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        text = xl_text(&p);
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
        assert_true(p.disks[1].bytes == (unsigned long long)BH_DEFAULT_PRIVATE_MIB << 20);
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

/* The private volume's size is the domain's private-size preference. */
static void test_plan_private_size_from_the_record(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .root_image = "/s/templates/t/v1/xen/root.img",
                                      .private_image = "/s/volumes/work/private.img",
                                      .volatile_dir = "/s/volatile/work", .vbd_script = "/x/v" };
        struct bh_xen_plan p;

        (void)state;
        d.private_mib = 5000;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_true(p.disks[1].bytes == 5000ULL * 1024 * 1024);
        d.private_mib = BH_PRIVATE_MAX_MIB;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_true(p.disks[1].bytes == (unsigned long long)BH_PRIVATE_MAX_MIB << 20);
}

/* A disposable whose dispvm-template has a private image reads it as xvdb,
 * read-only, the lower layer of its /home. */
static void test_plan_disposable_reads_its_dvms_private_volume(void **state)
{
        struct bh_domain d = dom("disp7", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root",
                                      .root_image = "/s/templates/t/v1/xen/root.img",
                                      .private_lower_image = "/s/volumes/dvm/private.img",
                                      .volatile_dir = "/s/volatile/disp7", .vbd_script = "/x/v" };
        struct bh_xen_plan p;
        char *text = NULL;

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_int_equal(p.ndisks, 3);
        assert_string_equal(p.disks[1].vdev, "xvdb");
        assert_string_equal(p.disks[1].target, "/s/volumes/dvm/private.img");
        assert_int_equal(p.disks[1].kind, BH_XEN_DISK_SHARED_RO);
        assert_string_equal(p.disks[2].vdev, "xvdc");
        assert_string_equal(p.cmdline, "console=hvc0 loglevel=4 bulkhead.disks=1 bulkhead.private=ro");
        text = xl_text(&p);
        assert_non_null(strstr(text, "vdev=xvdb, access=ro, backendtype=phy, script=/x/v, "
                                     "target=/s/volumes/dvm/private.img\",\n"));
        free(text);
        /* Its own private volume, if a spec had both, wins: never both. */
        spec.private_image = "/s/volumes/disp7/private.img";
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

        (void)state;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        text = xl_text(&p);
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
        text = xl_text(&p);
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

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static off_t size_of(const char *path)
{
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_size;
}

/* A private volume grows (sparse, its data kept) and never shrinks. */
static void test_volume_grows_and_never_shrinks(void **state)
{
        char dir[] = "/tmp/bh-xen-grow-XXXXXX", img[64], sub[64];
        struct stat st;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(img, sizeof(img), "%s/private.img", dir);
        snprintf(sub, sizeof(sub), "%s/sub", dir);
        assert_int_equal(bh_xen_volume_grow(img, 1 << 20), -ENOENT);
        write_file(img, "data");
        assert_int_equal(bh_xen_volume_grow(img, 1ULL << 30), 0);
        assert_int_equal(stat(img, &st), 0);
        assert_true(st.st_size == 1LL << 30);
        assert_true(st.st_blocks < 64);
        assert_int_equal(bh_xen_volume_grow(img, 1ULL << 30), 0); /* same size: nothing to do */
        assert_int_equal(bh_xen_volume_grow(img, (1ULL << 30) - 4096), -ERANGE);
        assert_true(size_of(img) == 1LL << 30);
        {
                char buf[5] = "";
                FILE *f = fopen(img, "r");
                assert_non_null(f);
                assert_true(fread(buf, 1, 4, f) == 4);
                fclose(f);
                assert_string_equal(buf, "data");
        }
        assert_int_equal(mkdir(sub, 0700), 0);
        assert_int_equal(bh_xen_volume_grow(sub, 1 << 20), -EEXIST);
        rmdir(sub);
        unlink(img);
        rmdir(dir);
}

/* A start grows a kept volume the plan says is larger, and leaves one
 * larger than the plan as it is. */
static void test_disks_prepare_grows_a_smaller_private_volume(void **state)
{
        char dir[] = "/tmp/bh-xen-disks-XXXXXX";
        struct bh_xen_plan p = { .ndisks = 1 };

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(p.disks[0].target, sizeof(p.disks[0].target), "%s/private.img", dir);
        p.disks[0].kind = BH_XEN_DISK_KEEP;
        p.disks[0].bytes = 1ULL << 29;
        assert_int_equal(bh_xen_disks_prepare(&p), 0);
        assert_true(size_of(p.disks[0].target) == 1LL << 29);
        p.disks[0].bytes = 1ULL << 30;
        assert_int_equal(bh_xen_disks_prepare(&p), 0);
        assert_true(size_of(p.disks[0].target) == 1LL << 30);
        p.disks[0].bytes = 1ULL << 28;
        assert_int_equal(bh_xen_disks_prepare(&p), 0);
        assert_true(size_of(p.disks[0].target) == 1LL << 30);
        unlink(p.disks[0].target);
        rmdir(dir);
}

static void fake_loop(const char *sysblock, const char *name, const char *backing)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", sysblock, name);
        assert_int_equal(mkdir(path, 0755), 0);
        if (!backing)
                return;
        snprintf(path, sizeof(path), "%s/%s/loop", sysblock, name);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%s/loop/backing_file", sysblock, name);
        write_file(path, backing);
}

static bool found(char (*names)[BH_LOOP_NAME_MAX], size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], name) == 0)
                        return true;
        return false;
}

/* The loop devices on a file, as sysfs names them: the kernel's path,
 * with " (deleted)" once the file is unlinked. */
static void test_loop_find_matches_the_backing_file_only(void **state)
{
        char dir[] = "/tmp/bh-xen-sys-XXXXXX";
        char names[4][BH_LOOP_NAME_MAX];
        size_t n = 99;

        (void)state;
        assert_non_null(mkdtemp(dir));
        fake_loop(dir, "loop0", "/s/volumes/work/private.img\n");
        fake_loop(dir, "loop1", "/s/volatile/work/volatile.img (deleted)\n");
        fake_loop(dir, "loop2", "/s/volumes/work/private.img.old\n");
        fake_loop(dir, "loop3", NULL); /* not attached */
        fake_loop(dir, "sda", NULL);
        fake_loop(dir, "loop12", "/s/volumes/work/private.img\n");
        fake_loop(dir, "loop13", "/s/volumes/work/private.im\n");

        assert_int_equal(bh_loop_find(dir, "/s/volumes/work/private.img", names, 4, &n), 0);
        assert_int_equal(n, 2);
        assert_true(found(names, n, "loop0") && found(names, n, "loop12"));
        assert_int_equal(bh_loop_find(dir, "/s/volatile/work/volatile.img", names, 4, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(names[0], "loop1");
        assert_int_equal(bh_loop_find(dir, "/s/volumes/other/private.img", names, 4, &n), 0);
        assert_int_equal(n, 0);
        /* More than fit: the first ones, and -ENOBUFS. */
        assert_int_equal(bh_loop_find(dir, "/s/volumes/work/private.img", names, 1, &n), -ENOBUFS);
        assert_int_equal(n, 1);
        assert_int_equal(bh_loop_find("/nonexistent-sysfs", "/x", names, 4, &n), -ENOENT);

        {
                char cmd[64];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
                assert_int_equal(system(cmd), 0);
        }
}

/* Which of a plan's disks the release looks at: the domain's own volumes,
 * never a file other domains read at the same time. */
static void test_disk_own_is_private_and_volatile_only(void **state)
{
        struct bh_xen_disk d = { .kind = BH_XEN_DISK_SHARED_RO };

        (void)state;
        assert_false(bh_xen_disk_own(&d));
        d.kind = BH_XEN_DISK_KEEP;
        assert_true(bh_xen_disk_own(&d));
        d.kind = BH_XEN_DISK_FRESH;
        assert_true(bh_xen_disk_own(&d));
}

/* A loop device left on a domain's volume (its hotplug script killed
 * between attaching and telling xenstore) is detached; one on the shared
 * root image is not.  Real loop devices: root only. */
static void test_disks_release_detaches_real_loop_devices(void **state)
{
        char dir[] = "/tmp/bh-xen-loop-XXXXXX";
        struct bh_xen_plan p = { .ndisks = 2 };
        char names[2][BH_LOOP_NAME_MAX];
        int loops[2] = { -1, -1 };
        unsigned detached = 0;
        size_t n;
        int ctl;

        (void)state;
        ctl = geteuid() == 0 ? open("/dev/loop-control", O_RDWR | O_CLOEXEC) : -1;
        if (ctl < 0)
                skip(); /* needs root and loop devices */
        assert_non_null(mkdtemp(dir));
        snprintf(p.disks[0].target, sizeof(p.disks[0].target), "%s/root.img", dir);
        p.disks[0].kind = BH_XEN_DISK_SHARED_RO;
        snprintf(p.disks[1].target, sizeof(p.disks[1].target), "%s/private.img", dir);
        p.disks[1].kind = BH_XEN_DISK_KEEP;
        for (int i = 0; i < 2; i++) {
                char dev[32];
                int fd = open(p.disks[i].target, O_RDWR | O_CREAT | O_CLOEXEC, 0600), nr = -1, lfd = -1;

                assert_true(fd >= 0);
                assert_int_equal(ftruncate(fd, 1 << 20), 0);
                /* Another attach may take the free device first: retry. */
                for (int k = 0; k < 10 && lfd < 0; k++) {
                        nr = ioctl(ctl, LOOP_CTL_GET_FREE);
                        assert_true(nr >= 0);
                        snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
                        lfd = open(dev, O_RDWR | O_CLOEXEC);
                        if (lfd >= 0 && ioctl(lfd, LOOP_SET_FD, fd) < 0) {
                                close(lfd);
                                lfd = -1;
                        }
                }
                assert_true(lfd >= 0);
                loops[i] = nr;
                close(lfd);
                close(fd);
        }
        assert_int_equal(bh_xen_disks_release(&p, "/sys/block", &detached), 0);
        assert_int_equal(detached, 1);
        assert_int_equal(bh_loop_find("/sys/block", p.disks[1].target, names, 2, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(bh_loop_find("/sys/block", p.disks[0].target, names, 2, &n), 0);
        assert_int_equal(n, 1);
        {
                char want[BH_LOOP_NAME_MAX];
                snprintf(want, sizeof(want), "loop%d", loops[0]);
                assert_string_equal(names[0], want);
        }
        /* Nothing left: a second release detaches nothing. */
        assert_int_equal(bh_xen_disks_release(&p, "/sys/block", &detached), 0);
        assert_int_equal(detached, 0);

        /* The test's own root-image device goes too. */
        {
                char dev[32];
                snprintf(dev, sizeof(dev), "/dev/loop%d", loops[0]);
                int lfd = open(dev, O_RDONLY | O_CLOEXEC);
                assert_true(lfd >= 0);
                assert_int_equal(ioctl(lfd, LOOP_CLR_FD, 0), 0);
                close(lfd);
        }
        close(ctl);
        unlink(p.disks[0].target);
        unlink(p.disks[1].target);
        rmdir(dir);
}

/* PVH when the domain asks for it (the default) and the machine runs HVM
 * guests; PV otherwise.  xl-config says which, and PVH's tsc_mode. */
static void test_plan_pvh_where_the_machine_allows(void **state)
{
        struct bh_domain d = dom("work", 192, 1);
        struct bh_start_spec spec = { .d = &d, .root = "/s/templates/t/v1/root", .hvm = true };
        struct bh_xen_plan p;
        char *text = NULL;

        (void)state;
        assert_int_equal(d.virt_mode, BH_VIRT_PVH);
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_true(p.pvh);
        text = xl_text(&p);
        assert_non_null(strstr(text, "type = \"pvh\"\ntsc_mode = \"native\"\n"));
        free(text);

        spec.hvm = false;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_false(p.pvh);
        d.virt_mode = BH_VIRT_PV;
        spec.hvm = true;
        assert_int_equal(bh_xen_plan_make(&spec, &p), 0);
        assert_false(p.pvh);
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
                cmocka_unit_test(test_plan_private_size_from_the_record),
                cmocka_unit_test(test_plan_disposable_reads_its_dvms_private_volume),
                cmocka_unit_test(test_plan_disks_printed_as_xl_reads_them),
                cmocka_unit_test(test_disk_line_round_trips_and_refuses_junk),
                cmocka_unit_test(test_disks_prepare_keeps_private_and_renews_volatile),
                cmocka_unit_test(test_plan_client_vif_served_by_its_netvm),
                cmocka_unit_test(test_plan_uplink_vif_served_by_dom0),
                cmocka_unit_test(test_plan_pvh_where_the_machine_allows),
                cmocka_unit_test(test_nic_and_net_key_lines_round_trip_and_refuse_junk),
                cmocka_unit_test(test_volume_grows_and_never_shrinks),
                cmocka_unit_test(test_disks_prepare_grows_a_smaller_private_volume),
                cmocka_unit_test(test_loop_find_matches_the_backing_file_only),
                cmocka_unit_test(test_disk_own_is_private_and_volatile_only),
                cmocka_unit_test(test_disks_release_detaches_real_loop_devices),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
