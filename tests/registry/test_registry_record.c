/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure half of the registry: names, words, parsing and formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "registry.h"
#include "template_host.h"

#define assert_contains(hay, needle)                                                     \
        do {                                                                             \
                if (!strstr((hay), (needle)))                                            \
                        fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));          \
        } while (0)

static void sample(struct bh_domain *d)
{
        bh_domain_init(d);
        snprintf(d->name, sizeof(d->name), "work");
        d->klass = BH_CLASS_APP;
        d->label = BH_LABEL_BLUE;
        snprintf(d->template_name, sizeof(d->template_name), "debian");
        snprintf(d->netvm, sizeof(d->netvm), "sys-net");
        d->memory_mib = 1024;
        d->private_mib = 8192;
        d->virt_mode = BH_VIRT_PV;
        d->vcpus = 3;
        snprintf(d->backend, sizeof(d->backend), "xen");
        d->created = 1716000000;
        d->state = BH_STATE_RUNNING;
        d->started = 1716000100;
        d->pid = 4242;
        d->pid_starttime = UINT64_MAX;
        d->domid = 17;
}

static void assert_same_domain(const struct bh_domain *a, const struct bh_domain *b)
{
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->klass, b->klass);
        assert_int_equal(a->label, b->label);
        assert_string_equal(a->template_name, b->template_name);
        assert_string_equal(a->netvm, b->netvm);
        assert_int_equal(a->memory_mib, b->memory_mib);
        assert_int_equal(a->private_mib, b->private_mib);
        assert_int_equal(a->virt_mode, b->virt_mode);
        assert_int_equal(a->vcpus, b->vcpus);
        assert_string_equal(a->backend, b->backend);
        assert_int_equal(a->preload, b->preload);
        assert_int_equal(a->ip, b->ip);
        assert_int_equal(a->provides_network, b->provides_network);
        assert_string_equal(a->uplink, b->uplink);
        assert_int_equal(a->uplink_addr, b->uplink_addr);
        assert_int_equal(a->uplink_prefix, b->uplink_prefix);
        assert_int_equal(a->uplink_gw, b->uplink_gw);
        assert_int_equal(a->uplink_dns, b->uplink_dns);
        assert_int_equal(a->anon, b->anon);
        assert_true(a->created == b->created);
        assert_int_equal(a->state, b->state);
        assert_true(a->started == b->started);
        assert_int_equal(a->pid, b->pid);
        assert_true(a->pid_starttime == b->pid_starttime);
        assert_int_equal(a->domid, b->domid);
}

static void round_trip(const struct bh_domain *d)
{
        char text[BH_REGISTRY_MAX_FILE], err[BH_REGISTRY_ERR_MAX] = "";
        struct bh_domain back;
        size_t len;

        if (bh_domain_format(d, text, sizeof(text), &len, err, sizeof(err)) < 0)
                fail_msg("format: %s", err);
        assert_int_equal(strlen(text), len);
        memset(&back, 0xa5, sizeof(back));
        if (bh_domain_parse(text, len, "t.conf", &back, err, sizeof(err)) < 0)
                fail_msg("parse: %s\n%s", err, text);
        assert_same_domain(d, &back);
}

/* Parses text, expects failure and a message containing want. */
static void refuse(const char *text, const char *want)
{
        char err[BH_REGISTRY_ERR_MAX] = "";
        struct bh_domain d;

        memset(&d, 0x5a, sizeof(d));
        if (bh_domain_parse(text, strlen(text), "t.conf", &d, err, sizeof(err)) == 0)
                fail_msg("accepted:\n%s", text);
        assert_contains(err, want);
        assert_true(strncmp(err, "t.conf:", 7) == 0);
        /* ret untouched on failure */
        assert_int_equal((unsigned char)d.name[0], 0x5a);
}

/* The formatted sample with key's line replaced by `line` (NULL: dropped). */
static void sample_with(const char *key, const char *line, char *out, size_t size)
{
        char text[BH_REGISTRY_MAX_FILE], err[128], prefix[64];
        struct bh_domain d;
        size_t len, o = 0;
        char *p, *save = NULL;

        sample(&d);
        assert_int_equal(bh_domain_format(&d, text, sizeof(text), &len, err, sizeof(err)), 0);
        snprintf(prefix, sizeof(prefix), "%s=", key);
        out[0] = '\0';
        for (p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
                const char *l = strncmp(p, prefix, strlen(prefix)) == 0 ? line : p;

                if (l)
                        o += (size_t)snprintf(out + o, size - o, "%s\n", l);
        }
}

static void test_name_check_accepts_valid_names(void **state)
{
        (void)state;
        assert_int_equal(bh_name_check("work", NULL, 0), 0);
        assert_int_equal(bh_name_check("a", NULL, 0), 0);
        assert_int_equal(bh_name_check("Work-1.2_x", NULL, 0), 0);
        assert_int_equal(bh_name_check("disp1234", NULL, 0), 0);
        assert_int_equal(bh_name_check("abcdefghijklmnopqrstuvwxyz01234", NULL, 0), 0); /* 31 */
}

static void name_refused(const char *name, const char *want)
{
        char err[256] = "";

        assert_int_equal(bh_name_check(name, err, sizeof(err)), -EINVAL);
        assert_contains(err, want);
        /* The message never carries a control character of the name. */
        for (const char *p = err; *p; p++)
                assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static void test_name_check_refuses_bad_names(void **state)
{
        (void)state;
        name_refused("", "empty");
        name_refused("abcdefghijklmnopqrstuvwxyz012345", "longer than 31");
        name_refused(".", "not allowed");
        name_refused("..", "not allowed");
        name_refused("a/b", "'/'");
        name_refused("/etc", "'/'");
        name_refused("../x", "'/'");
        name_refused("a\nb", "control character 0x0a");
        name_refused("a\x01", "control character 0x01");
        name_refused("a\x7f", "control character 0x7f");
        name_refused("a\x1b[31m", "control character 0x1b");
        name_refused("caf\xc3\xa9", "non-ASCII byte 0xc3");
        name_refused("a b", "' '");
        name_refused("a:b", "':'");
        name_refused("1work", "start with a letter");
        name_refused("-work", "start with a letter");
        name_refused("_work", "start with a letter");
        name_refused(".hidden", "start with a letter");
        name_refused("dom0", "reserved");
        name_refused("none", "reserved");
        assert_int_equal(bh_name_check(NULL, NULL, 0), -EINVAL);
}

static void test_words_round_trip_and_refuse_unknown(void **state)
{
        static const char *const labels[] = { "red",  "orange", "yellow", "green",
                                              "gray", "blue",   "purple", "black" };
        static const char *const classes[] = { "template", "app", "dispvm-template", "disposable" };
        static const char *const states[] = { "halted", "running", "paused" };
        enum bh_label l;
        enum bh_class c;
        enum bh_state s;

        (void)state;
        for (unsigned i = 0; i < 8; i++) {
                assert_int_equal(bh_label_from_string(labels[i], &l), 0);
                assert_int_equal(l, i);
                assert_string_equal(bh_label_to_string(l), labels[i]);
        }
        for (unsigned i = 0; i < 4; i++) {
                assert_int_equal(bh_class_from_string(classes[i], &c), 0);
                assert_int_equal(c, i);
                assert_string_equal(bh_class_to_string(c), classes[i]);
        }
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(bh_state_from_string(states[i], &s), 0);
                assert_int_equal(s, i);
                assert_string_equal(bh_state_to_string(s), states[i]);
        }
        assert_null(bh_label_to_string((enum bh_label)8));
        assert_null(bh_class_to_string((enum bh_class)4));
        assert_null(bh_state_to_string((enum bh_state)3));
        assert_int_equal(bh_label_from_string("Red", &l), -EINVAL);
        assert_int_equal(bh_label_from_string("grey", &l), -EINVAL);
        assert_int_equal(bh_class_from_string("dispvm", &c), -EINVAL);
        assert_int_equal(bh_state_from_string("", &s), -EINVAL);
        assert_int_equal(bh_state_from_string(NULL, &s), -EINVAL);
}

static void test_round_trip_keeps_every_field(void **state)
{
        struct bh_domain d;

        (void)state;
        sample(&d);
        round_trip(&d);

        /* every class, label and state */
        for (int l = 0; l < 8; l++) {
                sample(&d);
                d.label = (enum bh_label)l;
                round_trip(&d);
        }
        sample(&d);
        d.klass = BH_CLASS_TEMPLATE;
        d.template_name[0] = '\0';
        d.netvm[0] = '\0';
        d.state = BH_STATE_PAUSED;
        round_trip(&d);
        sample(&d);
        d.klass = BH_CLASS_DISPVM_TEMPLATE;
        d.preload = BH_PRELOAD_MAX;
        round_trip(&d);
        sample(&d);
        d.klass = BH_CLASS_DISPOSABLE;
        snprintf(d.name, sizeof(d.name), "disp9999");
        bh_domain_set_halted(&d);
        round_trip(&d);

        /* the limits themselves */
        sample(&d);
        d.memory_mib = BH_MEMORY_MIN_MIB;
        d.private_mib = BH_PRIVATE_MIN_MIB;
        d.vcpus = 1;
        d.created = 0;
        d.pid = BH_PID_MAX;
        d.domid = BH_DOMID_MAX;
        d.pid_starttime = 0;
        round_trip(&d);
        sample(&d);
        d.memory_mib = BH_MEMORY_MAX_MIB;
        d.private_mib = BH_PRIVATE_MAX_MIB;
        d.vcpus = BH_VCPUS_MAX;
        d.created = BH_TIME_MAX;
        d.started = BH_TIME_MAX;
        d.domid = -1;
        d.pid = 0;
        round_trip(&d);
}

static void test_defaults_validate(void **state)
{
        struct bh_domain d;
        char err[256];

        (void)state;
        bh_domain_init(&d);
        snprintf(d.name, sizeof(d.name), "debian");
        d.klass = BH_CLASS_TEMPLATE;
        assert_int_equal(bh_domain_validate(&d, err, sizeof(err)), 0);
        assert_int_equal(d.memory_mib, BH_DEFAULT_MEMORY_MIB);
        assert_int_equal(d.private_mib, BH_DEFAULT_PRIVATE_MIB);
        assert_int_equal(d.domid, -1);
        assert_string_equal(d.backend, "container");
        round_trip(&d);
}

static void test_parse_accepts_comments_blank_lines_and_spaces(void **state)
{
        const char *text =
                "# hand-edited\n"
                "version = 1\n"
                "\n"
                "   # indented comment\n"
                "name=work\nclass=app\n\tlabel\t=\tgreen  \ntemplate=debian\nnetvm=\n"
                "memory_mib=512\nvcpus=1\nbackend=container\npreload=0\ncreated=5\n"
                "state=halted\nstarted=0\npid=0\npid_starttime=0\ndomid=-1\n";
        /* No tags= or default_dispvm=: a record from before they existed. */
        struct bh_domain d;
        char err[256] = "";

        (void)state;
        if (bh_domain_parse(text, strlen(text), "t.conf", &d, err, sizeof(err)) < 0)
                fail_msg("%s", err);
        assert_int_equal(d.label, BH_LABEL_GREEN);
        assert_string_equal(d.netvm, "");
        assert_int_equal(d.memory_mib, 512);
        /* No private_mib= either: the size every private volume had before. */
        assert_int_equal(d.private_mib, BH_DEFAULT_PRIVATE_MIB);
        /* No virt_mode=: PVH, the default. */
        assert_int_equal(d.virt_mode, BH_VIRT_PVH);
}

static void test_parse_refuses_unknown_and_duplicate_keys(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];

        (void)state;
        sample_with("netvm", "netvm=sys-net\ncolour=blue", text, sizeof(text));
        refuse(text, "unknown key 'colour'");
        sample_with("netvm", "netvm=sys-net\nname=other", text, sizeof(text));
        refuse(text, ":8: duplicate key 'name' (first on line 3)");
        sample_with("netvm", "netvm=sys-net\nnetvm=", text, sizeof(text));
        refuse(text, "duplicate key 'netvm'");
        sample_with("netvm", "netvm=sys-net\nNAME=x", text, sizeof(text));
        refuse(text, "character other than");
        sample_with("netvm", "netvm=sys-net\n=x", text, sizeof(text));
        refuse(text, "empty key");
        sample_with("netvm", "netvm=sys-net\njust words", text, sizeof(text));
        refuse(text, "expected key=value");
}

static void test_parse_refuses_wrong_or_late_version(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];

        (void)state;
        sample_with("version", "version=2", text, sizeof(text));
        refuse(text, "version 2 is newer");
        sample_with("version", "version=0", text, sizeof(text));
        refuse(text, "version 0 is unknown");
        sample_with("version", NULL, text, sizeof(text));
        refuse(text, "expected version=1 before any other key");
        refuse("name=work\nversion=1\n", "t.conf:1: expected version=1");
        /* a newer file's new keys are reported as a newer version, not as
         * unknown keys */
        refuse("version=2\nsnapshot=yes\n", "newer");
}

static void test_parse_refuses_out_of_range_numbers(void **state)
{
        static const struct {
                const char *key, *line, *want;
        } cases[] = {
                { "memory_mib", "memory_mib=31", "out of range" },
                { "memory_mib", "memory_mib=1048577", "out of range" },
                { "memory_mib", "memory_mib=4294967296", "out of range" },
                { "memory_mib", "memory_mib=99999999999999999999999", "out of range" },
                { "memory_mib", "memory_mib=-1", "not a decimal number" },
                { "memory_mib", "memory_mib=+512", "not a decimal number" },
                { "memory_mib", "memory_mib=0x200", "not a decimal number" },
                { "memory_mib", "memory_mib=0512", "not a decimal number" },
                { "memory_mib", "memory_mib=", "not a decimal number" },
                { "memory_mib", "memory_mib=5 12", "not a decimal number" },
                { "private_mib", "private_mib=63", "private_mib=63 out of range (64..4194304)" },
                { "private_mib", "private_mib=4194305", "out of range" },
                { "private_mib", "private_mib=4G", "not a decimal number" },
                { "private_mib", "private_mib=", "not a decimal number" },
                { "vcpus", "vcpus=0", "vcpus=0 out of range" },
                { "vcpus", "vcpus=129", "out of range" },
                { "preload", "preload=1", "only for class dispvm-template" },
                { "created", "created=-1", "not a decimal number" },
                { "created", "created=253402300800", "out of range" },
                { "created", "created=9223372036854775808", "out of range" },
                { "started", "started=253402300800", "out of range" },
                { "pid", "pid=4194305", "out of range" },
                { "pid", "pid=2147483648", "out of range" },
                { "pid_starttime", "pid_starttime=18446744073709551616", "out of range" },
                { "domid", "domid=-2", "not a decimal number" },
                { "domid", "domid=32752", "out of range" },
                { "domid", "domid=-0", "not a decimal number" },
        };
        char text[BH_REGISTRY_MAX_FILE * 2];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sample_with(cases[i].key, cases[i].line, text, sizeof(text));
                refuse(text, cases[i].want);
        }
}

static void test_parse_refuses_bad_words_and_names(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];

        (void)state;
        sample_with("class", "class=vm", text, sizeof(text));
        refuse(text, "t.conf:4: class 'vm' unknown");
        sample_with("label", "label=pink", text, sizeof(text));
        refuse(text, "label 'pink' unknown");
        sample_with("state", "state=zombie", text, sizeof(text));
        refuse(text, "state 'zombie' unknown");
        sample_with("backend", "backend=kvm", text, sizeof(text));
        refuse(text, "backend must be");
        sample_with("backend", "backend=containercontainer", text, sizeof(text));
        refuse(text, "backend must be");
        sample_with("name", "name=../../etc/passwd", text, sizeof(text));
        refuse(text, "t.conf:3: name: domain name contains '/'");
        sample_with("name", "name=", text, sizeof(text));
        refuse(text, "empty");
        sample_with("name", "name=abcdefghijklmnopqrstuvwxyz0123456789", text, sizeof(text));
        refuse(text, "longer than 31");
        sample_with("template", "template=a/b", text, sizeof(text));
        refuse(text, "template: domain name contains '/'");
        sample_with("netvm", "netvm=dom0", text, sizeof(text));
        refuse(text, "reserved");
        sample_with("netvm", "netvm=\nvirt_mode=hvm", text, sizeof(text));
        refuse(text, "virt_mode 'hvm' unknown (pvh, pv)");
}

static void test_parse_refuses_inconsistent_records(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];

        (void)state;
        sample_with("template", "template=", text, sizeof(text));
        refuse(text, "template= must name a domain for class app");
        sample_with("class", "class=template", text, sizeof(text));
        refuse(text, "must be empty for a domain of class template");
        sample_with("template", "template=work", text, sizeof(text));
        refuse(text, "names the domain itself");
        sample_with("netvm", "netvm=work", text, sizeof(text));
        refuse(text, "names the domain itself");
        sample_with("state", "state=halted", text, sizeof(text));
        refuse(text, "a halted domain has");
}

static void test_network_fields_round_trip_and_refusals(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];
        struct bh_domain d;

        (void)state;
        sample(&d);
        d.ip = 0x0a890005; /* 10.137.0.5 */
        d.anon = true;
        round_trip(&d);
        sample(&d);
        d.netvm[0] = '\0';
        d.ip = 0x0a890002;
        d.provides_network = BH_NETMODE_ROUTER;
        snprintf(d.uplink, sizeof(d.uplink), "netns:test-inet.1");
        d.uplink_addr = 0xc0000202; /* 192.0.2.2/24 via .1, DNS .53 */
        d.uplink_prefix = 24;
        d.uplink_gw = 0xc0000201;
        d.uplink_dns = 0xc0000235;
        round_trip(&d);
        d.provides_network = BH_NETMODE_TOR;
        snprintf(d.uplink, sizeof(d.uplink), "host");
        round_trip(&d);

        sample_with("ip", "ip=192.0.2.1", text, sizeof(text));
        refuse(text, "outside the pool");
        sample_with("ip", "ip=10.137.0.256", text, sizeof(text));
        refuse(text, "is not an IPv4 address");
        sample_with("provides_network", "provides_network=maybe", text, sizeof(text));
        refuse(text, "provides_network 'maybe' unknown");
        /* sample() has a netvm: an uplink too would be two ways out. */
        sample_with("uplink", "uplink=host", text, sizeof(text));
        refuse(text, "needs provides_network");
        sample_with("uplink", "uplink=netns:a/b", text, sizeof(text));
        refuse(text, "NAME is [A-Za-z0-9_.-]");
        sample_with("uplink", "uplink=eth0", text, sizeof(text));
        refuse(text, "expected host or netns:NAME");
        sample_with("uplink_address", "uplink_address=192.0.2.2/33", text, sizeof(text));
        refuse(text, "expected A.B.C.D/N");
        sample_with("anon", "anon=yes", text, sizeof(text));
        refuse(text, "anon must be 0 or 1");
}

static void test_parse_refuses_control_characters_and_oversize(void **state)
{
        char text[BH_REGISTRY_MAX_FILE * 2];
        char big[BH_REGISTRY_MAX_FILE + 2];
        char err[256] = "";
        struct bh_domain d;
        size_t len;

        (void)state;
        sample_with("netvm", "netvm=sys\rnet", text, sizeof(text));
        refuse(text, "carriage return");
        sample_with("netvm", "netvm=sys\x1bnet", text, sizeof(text));
        refuse(text, "control character 0x1b at column 10");
        sample_with("netvm", "netvm=caf\xc3\xa9", text, sizeof(text));
        refuse(text, "non-ASCII byte 0xc3");
        sample_with("netvm", "# \xe2\x80\xae bidi in a comment", text, sizeof(text));
        refuse(text, "non-ASCII");

        /* a NUL byte in the middle: strlen would stop there, so pass len */
        sample_with("netvm", "netvm=sysXnet", text, sizeof(text));
        len = strlen(text);
        *strchr(text, 'X') = '\0';
        assert_int_equal(bh_domain_parse(text, len, "t.conf", &d, err, sizeof(err)), -EINVAL);
        assert_contains(err, "t.conf:7: NUL byte");

        /* a line too long */
        memset(big, 'x', sizeof(big));
        memcpy(big, "version=1\n# ", 12);
        big[10 + BH_REGISTRY_MAX_LINE + 2] = '\n';
        assert_int_equal(bh_domain_parse(big, 10 + BH_REGISTRY_MAX_LINE + 3, "t.conf", &d, err,
                                         sizeof(err)),
                         -EINVAL);
        assert_contains(err, "t.conf:2: line longer than 256 bytes");

        /* a file too big */
        memset(big, '\n', sizeof(big));
        assert_int_equal(bh_domain_parse(big, BH_REGISTRY_MAX_FILE + 1, "t.conf", &d, err,
                                         sizeof(err)),
                         -EFBIG);
        assert_contains(err, "at most 4096");
}

/* What `prefs NAME private-size` takes: MiB, or a number with a binary
 * unit. */
static void test_size_mib_parse_takes_units_and_refuses_junk(void **state)
{
        static const struct {
                const char *s;
                uint64_t mib;
        } good[] = {
                { "2048", 2048 }, { "64", 64 },        { "512M", 512 },
                { "512MiB", 512 }, { "4G", 4096 },     { "4GiB", 4096 },
                { "1T", 1048576 }, { "1TiB", 1048576 }, { "0", 0 },
        };
        static const struct {
                const char *s;
                int r;
        } bad[] = {
                { "", -EINVAL },     { "G", -EINVAL },     { "4 G", -EINVAL },  { " 4G", -EINVAL },
                { "4g", -EINVAL },   { "4GB", -EINVAL },   { "4K", -EINVAL },   { "4.5G", -EINVAL },
                { "-1", -EINVAL },   { "+4", -EINVAL },    { "0x10", -EINVAL }, { "010", -EINVAL },
                { "4Gi", -EINVAL },  { "4G ", -EINVAL },
                { "99999999999999999999", -ERANGE },  { "17592186044416T", -ERANGE },
        };
        uint64_t mib;

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                mib = 7;
                if (bh_size_mib_parse(good[i].s, &mib) != 0)
                        fail_msg("'%s' refused", good[i].s);
                assert_true(mib == good[i].mib);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                mib = 7;
                if (bh_size_mib_parse(bad[i].s, &mib) != bad[i].r)
                        fail_msg("'%s' not refused with %d", bad[i].s, bad[i].r);
                assert_true(mib == 7);
        }
}

/* Every strict prefix of a valid record is refused: a file cut short by a
 * crash or a full disk is never taken for a record. */
static void test_parse_refuses_every_truncation(void **state)
{
        char text[BH_REGISTRY_MAX_FILE], err[256];
        struct bh_domain d;
        size_t len;

        (void)state;
        sample(&d);
        assert_int_equal(bh_domain_format(&d, text, sizeof(text), &len, err, sizeof(err)), 0);
        for (size_t cut = 0; cut < len; cut++) {
                int r = bh_domain_parse(text, cut, "t.conf", &d, err, sizeof(err));

                if (r == 0)
                        fail_msg("a record cut at byte %zu of %zu was accepted", cut, len);
        }
        refuse("", "missing key 'version'");
        refuse("version=1\nname=work\n", "t.conf:2: missing key 'class' (truncated file?)");
        refuse("version=1\nname=wo", "last line has no newline");
}

static void test_format_refuses_invalid_records_and_small_buffers(void **state)
{
        struct bh_domain d;
        char text[BH_REGISTRY_MAX_FILE], err[256];
        size_t len;

        (void)state;
        sample(&d);
        assert_int_equal(bh_domain_format(&d, text, 64, &len, err, sizeof(err)), -ENOSPC);
        snprintf(d.name, sizeof(d.name), "a/b");
        assert_int_equal(bh_domain_format(&d, text, sizeof(text), &len, err, sizeof(err)), -EINVAL);
        assert_contains(err, "'/'");
        sample(&d);
        memset(d.netvm, 'x', sizeof(d.netvm)); /* not terminated */
        assert_int_equal(bh_domain_validate(&d, err, sizeof(err)), -EINVAL);
        assert_contains(err, "not terminated");
        sample(&d);
        d.klass = (enum bh_class)7;
        assert_int_equal(bh_domain_validate(&d, err, sizeof(err)), -EINVAL);
        sample(&d);
        d.state = BH_STATE_HALTED;
        assert_int_equal(bh_domain_validate(&d, err, sizeof(err)), -EINVAL);
        bh_domain_set_halted(&d);
        assert_int_equal(bh_domain_validate(&d, err, sizeof(err)), 0);
}

static void test_template_conf_round_trip_and_refusals(void **state)
{
        struct bh_template_conf c = { .kind = BH_TEMPLATE_IMAGE, .created = 1700000000 }, back;
        char text[BH_TEMPLATE_CONF_MAX], err[256] = "";
        size_t len;

        (void)state;
        snprintf(c.name, sizeof(c.name), "debian");
        memset(c.tar_sha256, 'a', 64);
        memset(c.packages_sha256, '0', 64);
        assert_int_equal(bh_template_conf_format(&c, text, sizeof(text), &len, err, sizeof(err)), 0);
        assert_int_equal(bh_template_conf_parse(text, len, "template.conf", &back, err, sizeof(err)), 0);
        assert_string_equal(back.name, "debian");
        assert_int_equal(back.kind, BH_TEMPLATE_IMAGE);
        assert_true(back.created == 1700000000);
        assert_string_equal(back.tar_sha256, c.tar_sha256);
        assert_string_equal(back.packages_sha256, c.packages_sha256);
        assert_string_equal(back.usr_bind, "");

        c.kind = BH_TEMPLATE_HOST;
        assert_int_equal(bh_template_conf_format(&c, text, sizeof(text), &len, err, sizeof(err)), -EINVAL);
        assert_contains(err, "usr_bind");
        snprintf(c.usr_bind, sizeof(c.usr_bind), "/usr");
        assert_int_equal(bh_template_conf_format(&c, text, sizeof(text), &len, err, sizeof(err)), 0);
        assert_int_equal(bh_template_conf_parse(text, len, "template.conf", &back, err, sizeof(err)), 0);
        assert_string_equal(back.usr_bind, "/usr");

#define REFUSE_T(txt, want)                                                                   \
        do {                                                                                  \
                err[0] = '\0';                                                                \
                assert_int_equal(bh_template_conf_parse(txt, strlen(txt), "t", &back, err,    \
                                                        sizeof(err)),                         \
                                 -EINVAL);                                                    \
                assert_contains(err, want);                                                   \
        } while (0)
        REFUSE_T("version=1\nname=host\nkind=host\ncreated=1\nusr_bind=/usr/../etc\n"
                 "packages_sha256=\ntar_sha256=\n", "t:5: kind=host needs usr_bind");
        REFUSE_T("version=1\nname=host\nkind=host\ncreated=1\nusr_bind=usr\n"
                 "packages_sha256=\ntar_sha256=\n", "usr_bind");
        REFUSE_T("version=1\nname=d\nkind=image\ncreated=1\nusr_bind=/usr\n"
                 "packages_sha256=\ntar_sha256=\n", "must be empty");
        REFUSE_T("version=1\nname=d\nkind=image\ncreated=1\nusr_bind=\n"
                 "packages_sha256=XYZ\ntar_sha256=\n", "t:6: packages_sha256=");
        REFUSE_T("version=1\nname=d\nkind=vm\n", "kind 'vm' unknown");
        REFUSE_T("version=1\nname=d\nkind=image\ncreated=1\nusr_bind=\n"
                 "packages_sha256=\ntar_sha256=\nextra=1\n", "unknown key 'extra'");
        REFUSE_T("version=1\nname=d\nkind=image\n", "missing key 'created'");
        REFUSE_T("version=2\n", "version 2 unknown");
        REFUSE_T("version=1\nname=a/b\nkind=image\ncreated=1\nusr_bind=\n"
                 "packages_sha256=\ntar_sha256=\n", "t:2: name:");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_check_accepts_valid_names),
                cmocka_unit_test(test_name_check_refuses_bad_names),
                cmocka_unit_test(test_words_round_trip_and_refuse_unknown),
                cmocka_unit_test(test_round_trip_keeps_every_field),
                cmocka_unit_test(test_defaults_validate),
                cmocka_unit_test(test_parse_accepts_comments_blank_lines_and_spaces),
                cmocka_unit_test(test_parse_refuses_unknown_and_duplicate_keys),
                cmocka_unit_test(test_parse_refuses_wrong_or_late_version),
                cmocka_unit_test(test_parse_refuses_out_of_range_numbers),
                cmocka_unit_test(test_parse_refuses_bad_words_and_names),
                cmocka_unit_test(test_parse_refuses_inconsistent_records),
                cmocka_unit_test(test_network_fields_round_trip_and_refusals),
                cmocka_unit_test(test_parse_refuses_control_characters_and_oversize),
                cmocka_unit_test(test_size_mib_parse_takes_units_and_refuses_junk),
                cmocka_unit_test(test_parse_refuses_every_truncation),
                cmocka_unit_test(test_format_refuses_invalid_records_and_small_buffers),
                cmocka_unit_test(test_template_conf_round_trip_and_refusals),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
