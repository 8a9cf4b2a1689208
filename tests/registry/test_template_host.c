/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host template's root and the template store's versions. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsutil.h"
#include "registry.h"
#include "template_host.h"

struct fixture {
        char tmp[64];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        snprintf(f->tmp, sizeof(f->tmp), "/tmp/bh-template-XXXXXX");
        if (!mkdtemp(f->tmp))
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        bh_rm_rf_at(AT_FDCWD, f->tmp);
        free(f);
        return 0;
}

/* A text listing of a tree, sorted: path, type, mode, link target or a
 * checksum of the content; with_times adds mtimes. */
struct listing {
        char *s;
        size_t len, cap;
};

static void add(struct listing *l, const char *fmt, ...)
{
        char line[1024];
        va_list ap;
        size_t n;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        n = strlen(line);
        if (l->len + n + 1 > l->cap) {
                l->cap = (l->len + n + 1) * 2;
                l->s = realloc(l->s, l->cap);
                assert_non_null(l->s);
        }
        memcpy(l->s + l->len, line, n + 1);
        l->len += n;
}

static uint64_t fnv(const char *path)
{
        uint64_t h = 1469598103934665603ull;
        FILE *fp = fopen(path, "rb");
        int c;

        assert_non_null(fp);
        while ((c = fgetc(fp)) != EOF)
                h = (h ^ (uint64_t)c) * 1099511628211ull;
        fclose(fp);
        return h;
}

static void walk(struct listing *l, const char *root, const char *rel, bool with_times)
{
        struct dirent **ents;
        char dir[1024];
        int n;

        snprintf(dir, sizeof(dir), "%s%s", root, rel);
        n = scandir(dir, &ents, NULL, alphasort);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                char path[1024], sub[1024], target[256];
                struct stat st;
                ssize_t k;

                if (strcmp(ents[i]->d_name, ".") == 0 || strcmp(ents[i]->d_name, "..") == 0) {
                        free(ents[i]);
                        continue;
                }
                snprintf(sub, sizeof(sub), "%s/%s", rel, ents[i]->d_name);
                snprintf(path, sizeof(path), "%s%s", root, sub);
                assert_int_equal(lstat(path, &st), 0);
                add(l, "%s %o", sub, (unsigned)st.st_mode);
                if (with_times)
                        add(l, " %lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                if (S_ISLNK(st.st_mode)) {
                        k = readlink(path, target, sizeof(target) - 1);
                        assert_true(k > 0);
                        target[k] = '\0';
                        add(l, " -> %s\n", target);
                } else if (S_ISREG(st.st_mode)) {
                        add(l, " %lld %016llx\n", (long long)st.st_size,
                            (unsigned long long)fnv(path));
                } else {
                        add(l, "\n");
                        if (S_ISDIR(st.st_mode))
                                walk(l, root, sub, with_times);
                }
                free(ents[i]);
        }
        free(ents);
}

static char *listing(const char *root, bool with_times)
{
        struct listing l = { 0 };

        add(&l, "%s", "");
        walk(&l, root, "", with_times);
        return l.s;
}

static void assert_file_has(const char *root, const char *rel, const char *want)
{
        char path[512], buf[4096];
        FILE *fp;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        fp = fopen(path, "r");
        if (!fp)
                fail_msg("%s missing", path);
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        if (!strstr(buf, want))
                fail_msg("%s lacks \"%s\"", rel, want);
}

static mode_t mode_of(const char *root, const char *rel)
{
        char path[512];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        if (lstat(path, &st) < 0)
                fail_msg("%s missing", path);
        return st.st_mode;
}

static void assert_link(const char *root, const char *rel, const char *target)
{
        char path[512], buf[256];
        ssize_t n;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                fail_msg("%s is not a symlink", rel);
        buf[n] = '\0';
        assert_string_equal(buf, target);
}

static unsigned siblings_named(const char *dir, const char *part)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (strstr(de->d_name, part))
                        n++;
        closedir(d);
        return n;
}

static void test_host_root_has_the_expected_structure(void **state)
{
        struct fixture *f = *state;
        char root[128];

        snprintf(root, sizeof(root), "%s/root", f->tmp);
        assert_int_equal(bh_template_host_make_root(root), 0);

        static const char *const dirs[] = { "usr", "etc", "proc", "sys", "dev", "run", "home",
                                            "root", "var", "var/lib", "var/cache", "var/log", "mnt",
                                            "opt", "srv", "media" };
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
                assert_true(S_ISDIR(mode_of(root, dirs[i])));
        assert_int_equal(mode_of(root, "tmp") & 07777, 01777);
        assert_int_equal(mode_of(root, "var/tmp") & 07777, 01777);
        assert_int_equal(mode_of(root, "root") & 07777, 0700);
        assert_int_equal(mode_of(root, "") & 07777, 0755);
        assert_link(root, "bin", "usr/bin");
        assert_link(root, "sbin", "usr/sbin");
        assert_link(root, "lib", "usr/lib");
        assert_link(root, "lib64", "usr/lib64");
        assert_link(root, "etc/mtab", "../proc/self/mounts");

        assert_file_has(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        assert_file_has(root, "etc/passwd", "\nuser:x:1000:1000:user:/home/user:/bin/bash\n");
        assert_file_has(root, "etc/group", "\nuser:x:1000:\n");
        assert_file_has(root, "etc/hosts", "127.0.0.1\tlocalhost\n");
        assert_file_has(root, "etc/hostname", "localhost\n");
        assert_file_has(root, "etc/nsswitch.conf", "passwd:    files\n");
        assert_file_has(root, "etc/os-release", "\nID=bulkhead-host\n");
        assert_int_equal(mode_of(root, "etc/passwd") & 07777, 0644);

        /* the host's loader cache, byte for byte */
        if (access("/etc/ld.so.cache", R_OK) == 0) {
                char path[256];
                struct stat a, b;

                snprintf(path, sizeof(path), "%s/etc/ld.so.cache", root);
                assert_int_equal(stat("/etc/ld.so.cache", &a), 0);
                assert_int_equal(stat(path, &b), 0);
                assert_int_equal(a.st_size, b.st_size);
                assert_true(fnv("/etc/ld.so.cache") == fnv(path));
        }
        /* /usr is empty: the backend binds the host's over it */
        assert_int_equal(siblings_named(root, ""), siblings_named(root, ""));
        {
                char usr[256];

                snprintf(usr, sizeof(usr), "%s/usr", root);
                assert_int_equal(siblings_named(usr, ""), 2); /* . and .. */
        }
        /* no temp directory left beside it */
        assert_int_equal(siblings_named(f->tmp, ".tmp-"), 0);
}

static void test_host_root_twice_changes_nothing(void **state)
{
        struct fixture *f = *state;
        char a[128], b[128];
        char *first, *second, *other;

        snprintf(a, sizeof(a), "%s/a", f->tmp);
        snprintf(b, sizeof(b), "%s/b", f->tmp);
        assert_int_equal(bh_template_host_make_root(a), 0);
        first = listing(a, true);
        assert_int_equal(bh_template_host_make_root(a), 0);
        second = listing(a, true);
        assert_string_equal(first, second); /* not even an mtime moved */

        /* made again elsewhere: the same tree */
        assert_int_equal(bh_template_host_make_root(b), 0);
        free(first);
        free(second);
        first = listing(a, false);
        other = listing(b, false);
        assert_string_equal(first, other);
        free(first);
        free(other);
}

static void test_host_root_refuses_a_foreign_directory(void **state)
{
        struct fixture *f = *state;
        char dir[128], file[160], empty[128];

        snprintf(dir, sizeof(dir), "%s/foreign", f->tmp);
        snprintf(file, sizeof(file), "%s/keep-me", dir);
        assert_int_equal(mkdir(dir, 0755), 0);
        fclose(fopen(file, "w"));
        assert_int_equal(bh_template_host_make_root(dir), -EEXIST);
        assert_int_equal(access(file, F_OK), 0);
        assert_int_equal(siblings_named(f->tmp, ".tmp-"), 0);
        assert_int_equal(bh_template_host_make_root(file), -EEXIST);

        /* an empty directory is taken over */
        snprintf(empty, sizeof(empty), "%s/empty", f->tmp);
        assert_int_equal(mkdir(empty, 0755), 0);
        assert_int_equal(bh_template_host_make_root(empty), 0);
        assert_file_has(empty, "etc/os-release", "ID=bulkhead-host");
}

static void test_host_root_builds_past_a_crashed_build(void **state)
{
        struct fixture *f = *state;
        char stale[128], root[128];

        /* what a crash in the middle of a build leaves */
        snprintf(stale, sizeof(stale), "%s/.root.tmp-abcdef", f->tmp);
        assert_int_equal(mkdir(stale, 0700), 0);
        snprintf(root, sizeof(root), "%s/root", f->tmp);
        assert_int_equal(bh_template_host_make_root(root), 0);
        /* ours is gone; the stale one is not touched here (another builder
         * may own it): the store removes whole staging directories */
        assert_int_equal(siblings_named(f->tmp, ".tmp-"), 1);
        assert_file_has(root, "etc/os-release", "ID=bulkhead-host");
}

static void test_host_prepare_installs_once_and_versions_switch(void **state)
{
        struct fixture *f = *state;
        struct bh_template_conf c;
        char err[BH_REGISTRY_ERR_MAX] = "", tdir[128], link[64];
        char *root, *before, *after, *staging = NULL;
        unsigned v = 0, removed = 99;
        ssize_t n;

        snprintf(tdir, sizeof(tdir), "%s/templates/host", f->tmp);
        assert_int_equal(bh_template_conf_load(f->tmp, "host", &c, &v, err, sizeof(err)), -ENOENT);
        root = bh_template_root_path(f->tmp, "host");
        assert_non_null(strstr(root, "/templates/host/current/root"));
        free(root);

        assert_int_equal(bh_template_host_prepare(f->tmp, "host"), 0);
        root = bh_template_root_path(f->tmp, "host");
        assert_non_null(strstr(root, "/templates/host/v1/root"));
        assert_file_has(root, "etc/os-release", "ID=bulkhead-host");
        if (bh_template_conf_load(f->tmp, "host", &c, &v, err, sizeof(err)) < 0)
                fail_msg("%s", err);
        assert_int_equal(v, 1);
        assert_int_equal(c.kind, BH_TEMPLATE_HOST);
        assert_string_equal(c.usr_bind, "/usr");
        assert_string_equal(c.name, "host");

        /* again: nothing changes, not even a new version */
        before = listing(tdir, true);
        assert_int_equal(bh_template_host_prepare(f->tmp, "host"), 0);
        after = listing(tdir, true);
        assert_string_equal(before, after);
        free(before);
        free(after);

        /* an update is a new version; the old root stays until pruned */
        assert_int_equal(bh_template_version_new(f->tmp, "host", &v, &staging), 0);
        assert_int_equal(v, 2);
        assert_non_null(strstr(staging, "/templates/host/.new-v2"));
        free(staging);
        /* a crash here leaves .new-v2; the next version_new removes it */
        assert_int_equal(bh_template_version_new(f->tmp, "host", &v, &staging), 0);
        assert_int_equal(v, 2);
        assert_int_equal(siblings_named(tdir, ".new-"), 1);
        {
                char sub[256];

                snprintf(sub, sizeof(sub), "%s/root", staging);
                assert_int_equal(bh_template_host_make_root(sub), 0);
        }
        free(staging);
        assert_int_equal(bh_template_version_commit(f->tmp, "host", 2), 0);
        {
                char cur[160];

                snprintf(cur, sizeof(cur), "%s/current", tdir);
                n = readlink(cur, link, sizeof(link) - 1);
                assert_true(n > 0);
                link[n] = '\0';
                assert_string_equal(link, "v2");
        }
        assert_file_has(root, "etc/os-release", "ID=bulkhead-host"); /* v1 still there */
        free(root);
        root = bh_template_root_path(f->tmp, "host");
        assert_non_null(strstr(root, "/templates/host/v2/root"));
        free(root);

        assert_int_equal(bh_template_prune(f->tmp, "host", &removed), 0);
        assert_int_equal(removed, 1);
        assert_int_equal(siblings_named(tdir, "v1"), 0);
        assert_int_equal(siblings_named(tdir, "v2"), 1);

        assert_int_equal(bh_template_remove(f->tmp, "host"), 0);
        assert_int_equal(access(tdir, F_OK), -1);
        assert_int_equal(bh_template_host_prepare(f->tmp, "a/b"), -EINVAL);
        root = bh_template_root_path(f->tmp, "../../etc");
        assert_null(strstr(root, "etc"));
        assert_non_null(strstr(root, "/templates/.invalid-name/"));
        free(root);
}

static void test_host_prepare_refuses_an_image_template_of_that_name(void **state)
{
        struct fixture *f = *state;
        struct bh_template_conf c = { .kind = BH_TEMPLATE_IMAGE, .created = 1 };
        char *staging = NULL, text[BH_TEMPLATE_CONF_MAX], path[256];
        unsigned v;
        size_t len;
        FILE *fp;

        snprintf(c.name, sizeof(c.name), "debian");
        assert_int_equal(bh_template_version_new(f->tmp, "debian", &v, &staging), 0);
        assert_int_equal(bh_template_conf_format(&c, text, sizeof(text), &len, NULL, 0), 0);
        snprintf(path, sizeof(path), "%s/template.conf", staging);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fwrite(text, 1, len, fp);
        fclose(fp);
        free(staging);
        assert_int_equal(bh_template_version_commit(f->tmp, "debian", v), 0);
        assert_int_equal(bh_template_host_prepare(f->tmp, "debian"), -EEXIST);
}

/* Writes an executable shell script at f->tmp/NAME; returns its path. */
static char *script(struct fixture *f, const char *name, const char *body)
{
        char *path;
        FILE *fp;

        assert_true(asprintf(&path, "%s/%s", f->tmp, name) > 0);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "#!/bin/sh\n%s\n", body);
        fclose(fp);
        assert_int_equal(chmod(path, 0755), 0);
        return path;
}

static void test_host_build_customize_writes_the_new_version(void **state)
{
        struct fixture *f = *state;
        char err[512] = "", tdir[128];
        char *ok = script(f, "ok", "echo \"$#:$PWD\" > \"$1/etc/customized\"; read x || echo eof >> \"$1/etc/customized\"");
        char *root;

        snprintf(tdir, sizeof(tdir), "%s/templates/gw", f->tmp);
        assert_int_equal(bh_template_host_build(f->tmp, "gw", ok, err, sizeof(err)), 0);
        root = bh_template_root_path(f->tmp, "gw");
        assert_non_null(strstr(root, "/templates/gw/v1/root"));
        /* one argument, run from /, stdin at end of file */
        assert_file_has(root, "etc/customized", "1:/\neof");
        assert_file_has(root, "etc/os-release", "ID=bulkhead-host");
        free(root);
        /* with a script, every build is a new version */
        assert_int_equal(bh_template_host_build(f->tmp, "gw", ok, err, sizeof(err)), 0);
        root = bh_template_root_path(f->tmp, "gw");
        assert_non_null(strstr(root, "/templates/gw/v2/root"));
        free(root);
        free(ok);
}

static void test_host_build_customize_failure_keeps_the_current_version(void **state)
{
        struct fixture *f = *state;
        char err[512] = "", tdir[128];
        char *bad = script(f, "bad", "echo half > \"$1/etc/half\"; exit 3");
        char *root;

        snprintf(tdir, sizeof(tdir), "%s/templates/gw", f->tmp);
        assert_int_equal(bh_template_host_prepare(f->tmp, "gw"), 0);
        assert_int_equal(bh_template_host_build(f->tmp, "gw", bad, err, sizeof(err)), -EIO);
        assert_non_null(strstr(err, bad));
        assert_non_null(strstr(err, "exited with status 3"));
        root = bh_template_root_path(f->tmp, "gw");
        assert_non_null(strstr(root, "/templates/gw/v1/root"));
        free(root);
        /* the staging directory is gone with what the script wrote */
        assert_int_equal(siblings_named(tdir, ".new-"), 0);
        assert_int_equal(siblings_named(tdir, "v2"), 0);

        assert_int_equal(bh_template_host_build(f->tmp, "gw", "relative/customize", err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "not an absolute path"));
        assert_int_equal(bh_template_host_build(f->tmp, "gw", "/nonexistent/customize", err, sizeof(err)),
                         -ENOENT);
        assert_non_null(strstr(err, "/nonexistent/customize"));
        assert_int_equal(siblings_named(tdir, ".new-"), 0);
        free(bad);
}

/* Running: neither gone nor a zombie its new parent has yet to reap. */
static bool alive(pid_t pid)
{
        char path[64], buf[256], *p;
        FILE *fp;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fp = fopen(path, "r");
        if (!fp)
                return false;
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static void test_customize_run_leaves_no_process_behind(void **state)
{
        struct fixture *f = *state;
        char err[512] = "", pidfile[128], buf[32] = "";
        char *hang = script(f, "hang", "sleep 60 & echo $! > \"$1/bg.pid\"; sleep 60");
        FILE *fp;

        char *left = script(f, "left", "sleep 60 & echo $! > \"$1/left.pid\"");

        /* exit 0, but what it left running is ended too */
        assert_int_equal(bh_template_customize_run(left, f->tmp, 5000, err, sizeof(err)), 0);
        snprintf(pidfile, sizeof(pidfile), "%s/left.pid", f->tmp);
        fp = fopen(pidfile, "r");
        assert_non_null(fp);
        assert_non_null(fgets(buf, sizeof(buf), fp));
        fclose(fp);
        for (int i = 0; i < 100 && alive(atoi(buf)); i++)
                usleep(10000);
        assert_false(alive(atoi(buf)));
        free(left);

        assert_int_equal(bh_template_customize_run(hang, f->tmp, 300, err, sizeof(err)), -ETIMEDOUT);
        assert_non_null(strstr(err, "killed after"));
        /* what it started in the background went with it */
        snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", f->tmp);
        fp = fopen(pidfile, "r");
        assert_non_null(fp);
        assert_non_null(fgets(buf, sizeof(buf), fp));
        fclose(fp);
        for (int i = 0; i < 100 && alive(atoi(buf)); i++)
                usleep(10000);
        assert_false(alive(atoi(buf)));
        free(hang);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_host_root_has_the_expected_structure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_root_twice_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_root_refuses_a_foreign_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_root_builds_past_a_crashed_build, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_prepare_installs_once_and_versions_switch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_prepare_refuses_an_image_template_of_that_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_build_customize_writes_the_new_version, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_build_customize_failure_keeps_the_current_version, setup, teardown),
                cmocka_unit_test_setup_teardown(test_customize_run_leaves_no_process_behind, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
