/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registry's files: atomic saves, crashes, damaged files, load-all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsutil.h"
#include "registry.h"

struct fixture {
        char state[64];
        char dir[96];
        struct bh_registry *reg;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        snprintf(f->state, sizeof(f->state), "/tmp/bh-registry-XXXXXX");
        if (!mkdtemp(f->state))
                return -1;
        snprintf(f->dir, sizeof(f->dir), "%s/domains", f->state);
        if (bh_registry_open(f->state, &f->reg) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        bh_registry_close(f->reg);
        bh_rm_rf_at(AT_FDCWD, f->state);
        free(f);
        return 0;
}

static void make(struct bh_domain *d, const char *name)
{
        bh_domain_init(d);
        snprintf(d->name, sizeof(d->name), "%s", name);
        d->klass = BH_CLASS_APP;
        snprintf(d->template_name, sizeof(d->template_name), "debian");
        d->created = 1716000000;
}

static void save_ok(struct fixture *f, const struct bh_domain *d)
{
        char err[BH_REGISTRY_ERR_MAX] = "";

        if (bh_registry_save(f->reg, d, err, sizeof(err)) < 0)
                fail_msg("save %s: %s", d->name, err);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
        static char buf[65536];
        char path[512];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "rb");
        if (!fp)
                return NULL;
        *len = fread(buf, 1, sizeof(buf) - 1, fp);
        buf[*len] = '\0';
        fclose(fp);
        return buf;
}

static void spit(const char *dir, const char *name, const char *text, size_t len)
{
        char path[512];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(text, 1, len, fp), len);
        fclose(fp);
}

static unsigned count_entries(const char *dir, const char *containing)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' || strcmp(containing, ".tmp-") == 0)
                        if (strstr(de->d_name, containing))
                                n++;
        closedir(d);
        return n;
}

static void test_open_takes_the_lock(void **state)
{
        struct fixture *f = *state;
        struct bh_registry *second = NULL;
        struct stat st;

        assert_int_equal(bh_registry_open(f->state, &second), -EBUSY);
        assert_int_equal(stat(f->dir, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_string_equal(bh_registry_dir(f->reg), f->dir);
        bh_registry_close(f->reg);
        f->reg = NULL;
        assert_int_equal(bh_registry_open(f->state, &f->reg), 0);
}

static void test_save_then_load_returns_the_record(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d, back;
        char err[BH_REGISTRY_ERR_MAX] = "", text[BH_REGISTRY_MAX_FILE];
        size_t len, flen;
        const char *on_disk;
        struct stat st;

        make(&d, "work");
        d.label = BH_LABEL_PURPLE;
        save_ok(f, &d);
        assert_int_equal(bh_registry_load(f->reg, "work", &back, err, sizeof(err)), 0);
        assert_string_equal(back.template_name, "debian");
        assert_int_equal(back.label, BH_LABEL_PURPLE);

        /* the file is exactly the formatted record, and nothing else is left */
        assert_int_equal(bh_domain_format(&d, text, sizeof(text), &len, err, sizeof(err)), 0);
        on_disk = slurp(f->dir, "work.conf", &flen);
        assert_non_null(on_disk);
        assert_int_equal(flen, len);
        assert_memory_equal(on_disk, text, len);
        assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
        {
                char p[256];

                snprintf(p, sizeof(p), "%s/work.conf", f->dir);
                assert_int_equal(stat(p, &st), 0);
                assert_int_equal(st.st_mode & 0077, 0); /* private, like the directory */
        }

        /* saving again replaces it */
        d.vcpus = 7;
        save_ok(f, &d);
        assert_int_equal(bh_registry_load(f->reg, "work", &back, err, sizeof(err)), 0);
        assert_int_equal(back.vcpus, 7);
}

static void test_lookup_refuses_bad_names_and_reports_missing(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d;
        char err[BH_REGISTRY_ERR_MAX] = "";

        assert_int_equal(bh_registry_load(f->reg, "nothere", &d, err, sizeof(err)), -ENOENT);
        assert_int_equal(bh_registry_load(f->reg, "../domains/x", &d, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "'/'"));
        assert_int_equal(bh_registry_load(f->reg, "a\nb", &d, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "control character"));
        assert_int_equal(bh_registry_load(f->reg, "..", &d, NULL, 0), -EINVAL);
        assert_int_equal(bh_registry_remove(f->reg, "../x"), -EINVAL);
        assert_int_equal(bh_registry_remove(f->reg, "nothere"), -ENOENT);
}

static void test_save_refuses_invalid_records_and_writes_nothing(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d;
        char err[BH_REGISTRY_ERR_MAX] = "";

        make(&d, "x");
        snprintf(d.name, sizeof(d.name), "a/b");
        assert_int_equal(bh_registry_save(f->reg, &d, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "'/'"));
        make(&d, "x");
        d.memory_mib = 1;
        assert_int_equal(bh_registry_save(f->reg, &d, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "memory_mib=1 out of range"));
        assert_int_equal(count_entries(f->dir, ""), 0);
}

static void test_remove_deletes_the_file(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d;

        make(&d, "gone");
        save_ok(f, &d);
        assert_int_equal(bh_registry_remove(f->reg, "gone"), 0);
        assert_int_equal(bh_registry_load(f->reg, "gone", &d, NULL, 0), -ENOENT);
        assert_int_equal(bh_registry_remove(f->reg, "gone"), -ENOENT);
}

static void test_load_all_sorts_by_name(void **state)
{
        struct fixture *f = *state;
        static const char *const names[] = { "zeta", "alpha", "Mid", "beta-2", "beta" };
        struct bh_domain d, *all = NULL;
        size_t n = 0, skipped = 99;

        assert_int_equal(bh_registry_load_all(f->reg, &all, &n, &skipped, NULL, NULL), 0);
        assert_int_equal(n, 0);
        assert_null(all);
        for (size_t i = 0; i < 5; i++) {
                make(&d, names[i]);
                save_ok(f, &d);
        }
        assert_int_equal(bh_registry_load_all(f->reg, &all, &n, &skipped, NULL, NULL), 0);
        assert_int_equal(n, 5);
        assert_int_equal(skipped, 0);
        assert_string_equal(all[0].name, "Mid");
        assert_string_equal(all[1].name, "alpha");
        assert_string_equal(all[2].name, "beta");
        assert_string_equal(all[3].name, "beta-2");
        assert_string_equal(all[4].name, "zeta");
        free(all);
}

struct reports {
        char lines[16][BH_REGISTRY_ERR_MAX];
        unsigned n;
};

static void collect(const char *message, void *userdata)
{
        struct reports *r = userdata;

        if (r->n < 16)
                snprintf(r->lines[r->n++], BH_REGISTRY_ERR_MAX, "%s", message);
}

static bool reported(const struct reports *r, const char *a, const char *b)
{
        for (unsigned i = 0; i < r->n; i++)
                if (strstr(r->lines[i], a) && strstr(r->lines[i], b))
                        return true;
        return false;
}

static void test_load_all_skips_and_keeps_damaged_files(void **state)
{
        struct fixture *f = *state;
        static const char corrupt[] = "version=1\nname=corrupt\nclass=app\nlabel=magenta\n";
        struct bh_domain d, *all = NULL;
        struct reports rep = { 0 };
        char big[BH_REGISTRY_MAX_FILE + 100], path[256];
        size_t n = 0, skipped = 0, len;
        const char *back;

        make(&d, "good1");
        save_ok(f, &d);
        make(&d, "good2");
        save_ok(f, &d);
        spit(f->dir, "corrupt.conf", corrupt, sizeof(corrupt) - 1);
        {
                char text[BH_REGISTRY_MAX_FILE];

                /* a valid record, but of another domain */
                make(&d, "someone");
                assert_int_equal(bh_domain_format(&d, text, sizeof(text), &len, NULL, 0), 0);
                spit(f->dir, "mismatch.conf", text, len);
        }
        spit(f->dir, "bad name.conf", "x\n", 2);
        memset(big, '#', sizeof(big));
        spit(f->dir, "huge.conf", big, sizeof(big));
        snprintf(path, sizeof(path), "%s/link.conf", f->dir);
        assert_int_equal(symlink("good1.conf", path), 0);
        snprintf(path, sizeof(path), "%s/fifo.conf", f->dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        spit(f->dir, "notes.txt", "not a record\n", 13);
        spit(f->dir, "good1.conf~", "editor backup\n", 14);

        assert_int_equal(bh_registry_load_all(f->reg, &all, &n, &skipped, collect, &rep), 0);
        assert_int_equal(n, 2);
        assert_string_equal(all[0].name, "good1");
        assert_string_equal(all[1].name, "good2");
        free(all);
        assert_int_equal(skipped, 6);
        assert_int_equal(rep.n, 6);
        assert_true(reported(&rep, "/domains/corrupt.conf:4:", "label 'magenta' unknown"));
        assert_true(reported(&rep, "mismatch.conf", "does not match the file name"));
        assert_true(reported(&rep, "bad name.conf", "file name: domain name contains ' '"));
        assert_true(reported(&rep, "huge.conf", "larger than 4096"));
        assert_true(reported(&rep, "link.conf", "symbolic link"));
        assert_true(reported(&rep, "fifo.conf", "not a regular file"));

        /* the damaged file is still there, byte for byte, after loading and
         * after saving other records */
        make(&d, "good3");
        save_ok(f, &d);
        assert_int_equal(bh_registry_load_all(f->reg, &all, &n, &skipped, collect, &rep), 0);
        free(all);
        assert_int_equal(n, 3);
        back = slurp(f->dir, "corrupt.conf", &len);
        assert_non_null(back);
        assert_int_equal(len, sizeof(corrupt) - 1);
        assert_memory_equal(back, corrupt, len);
        /* and a lookup of it says what is wrong */
        {
                char err[BH_REGISTRY_ERR_MAX] = "";

                assert_int_equal(bh_registry_load(f->reg, "corrupt", &d, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "corrupt.conf:4: label 'magenta' unknown"));
                assert_int_equal(bh_registry_load(f->reg, "huge", &d, err, sizeof(err)), -EFBIG);
        }
}

static const char *crash_at;

static void crash_hook(const char *step)
{
        if (strcmp(step, crash_at) == 0)
                _exit(0); /* no cleanup, no atexit: as close to a crash as a test gets */
}

/* Saves d in a child that dies at `step`. */
static void save_and_crash(struct fixture *f, const struct bh_domain *d, const char *step)
{
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                crash_at = step;
                bh_registry_set_test_hook(crash_hook);
                bh_registry_save(f->reg, d, NULL, 0);
                _exit(3); /* the hook did not fire */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void check_crash_before_rename(struct fixture *f, const char *step)
{
        struct bh_domain d, back, *all = NULL;
        char old_text[BH_REGISTRY_MAX_FILE];
        size_t n, skipped, len;
        const char *now;

        make(&d, "victim");
        d.vcpus = 1;
        save_ok(f, &d);
        now = slurp(f->dir, "victim.conf", &len);
        assert_non_null(now);
        memcpy(old_text, now, len + 1);

        d.vcpus = 9;
        save_and_crash(f, &d, step);

        /* old file intact, a temp file beside it */
        now = slurp(f->dir, "victim.conf", &n);
        assert_int_equal(n, len);
        assert_memory_equal(now, old_text, len);
        assert_int_equal(count_entries(f->dir, ".tmp-"), 1);
        assert_int_equal(bh_registry_load(f->reg, "victim", &back, NULL, 0), 0);
        assert_int_equal(back.vcpus, 1);

        /* load-all ignores the temp file and cleans it */
        assert_int_equal(bh_registry_load_all(f->reg, &all, &n, &skipped, NULL, NULL), 0);
        assert_int_equal(n, 1);
        assert_int_equal(skipped, 0);
        assert_int_equal(all[0].vcpus, 1);
        free(all);
        assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
}

static void test_crash_after_write_keeps_the_old_record(void **state)
{
        check_crash_before_rename(*state, "written");
}

static void test_crash_after_fsync_keeps_the_old_record(void **state)
{
        check_crash_before_rename(*state, "synced");
}

static void test_crash_after_rename_has_the_new_record(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d, back;

        make(&d, "victim");
        d.vcpus = 1;
        save_ok(f, &d);
        d.vcpus = 9;
        save_and_crash(f, &d, "renamed");
        assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
        assert_int_equal(bh_registry_load(f->reg, "victim", &back, NULL, 0), 0);
        assert_int_equal(back.vcpus, 9);
}

static void test_open_cleans_leftover_temp_files(void **state)
{
        struct fixture *f = *state;
        struct bh_domain d;

        make(&d, "victim");
        save_and_crash(f, &d, "synced");
        assert_int_equal(count_entries(f->dir, ".tmp-"), 1);
        bh_registry_close(f->reg);
        f->reg = NULL;
        assert_int_equal(bh_registry_open(f->state, &f->reg), 0);
        assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
        assert_int_equal(bh_registry_load(f->reg, "victim", &d, NULL, 0), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_takes_the_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(test_save_then_load_returns_the_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lookup_refuses_bad_names_and_reports_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_save_refuses_invalid_records_and_writes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_remove_deletes_the_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_all_sorts_by_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_all_skips_and_keeps_damaged_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_after_write_keeps_the_old_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_after_fsync_keeps_the_old_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_after_rename_has_the_new_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_cleans_leftover_temp_files, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
