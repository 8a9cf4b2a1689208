/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dom0's clipboard buffer file and the paste policy question. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_proto.h"
#include "guid_clipboard.h"

static char dir[256];

static int setup(void **state)
{
        const char *t = getenv("TMPDIR");

        snprintf(dir, sizeof(dir), "%s/guid-clip.XXXXXX", t && *t ? t : "/tmp");
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int teardown(void **state)
{
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static void test_parse_accepts_exact_format(void **state)
{
        static const char ok[] = "bulkhead-clipboard/1\nsource=work\nlength=5\n\nhello";
        char src[GUID_NAME_MAX + 1];
        size_t off, len;

        assert_int_equal(guid_clip_parse((const uint8_t *)ok, strlen(ok), src, &off, &len), 0);
        assert_string_equal(src, "work");
        assert_int_equal(len, 5);
        assert_memory_equal(ok + off, "hello", 5);
}

static void test_parse_refuses_anything_else(void **state)
{
        static const char *const bad[] = {
                "bulkhead-clipboard/2\nsource=work\nlength=5\n\nhello",
                "bulkhead-clipboard/1\nsource=wo/rk\nlength=5\n\nhello",
                "bulkhead-clipboard/1\nsource=\nlength=0\n\n",
                "bulkhead-clipboard/1\nsource=work\nlength=6\n\nhello",
                "bulkhead-clipboard/1\nsource=work\nlength=4\n\nhello",
                "bulkhead-clipboard/1\nsource=work\nlength=05\n\nhello",
                "bulkhead-clipboard/1\nsource=work\nlength=-5\n\nhello",
                "bulkhead-clipboard/1\nsource=work\nlength=5\nhello",
                "bulkhead-clipboard/1\nsource=work\n",
                "",
        };
        char src[GUID_NAME_MAX + 1];
        size_t off, len;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(guid_clip_parse((const uint8_t *)bad[i], strlen(bad[i]), src,
                                                 &off, &len),
                                 -EBADMSG);
}

static void test_parse_refuses_over_the_protocol_limit(void **state)
{
        static const char big[] = "bulkhead-clipboard/1\nsource=work\nlength=65537\n\n";
        char src[GUID_NAME_MAX + 1];
        size_t off, len;

        assert_int_equal(guid_clip_parse((const uint8_t *)big, strlen(big), src, &off, &len),
                         -EFBIG);
}

static void test_store_then_load_round_trips(void **state)
{
        static const uint8_t data[] = { 0, 1, 2, '\n', 0xff, 'x' };
        char src[GUID_NAME_MAX + 1], path[320];
        uint8_t *got = NULL;
        size_t len;
        ino_t ino;
        struct stat st;

        assert_int_equal(guid_clip_load(dir, 100, src, &got, &len, &ino), -ENOENT);
        assert_int_equal(guid_clip_store(dir, "work", data, sizeof(data)), 0);
        snprintf(path, sizeof(path), "%s/clipboard", dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(guid_clip_load(dir, 100, src, &got, &len, &ino), 0);
        assert_string_equal(src, "work");
        assert_int_equal(len, sizeof(data));
        assert_memory_equal(got, data, sizeof(data));
        free(got);
        /* no temporary file is left behind */
        snprintf(path, sizeof(path), "%s/clipboard/.buffer.%d.tmp", dir, (int)getpid());
        assert_int_not_equal(access(path, F_OK), 0);
}

static void test_load_over_the_limit_is_refused_not_cut(void **state)
{
        static uint8_t data[1000];
        char src[GUID_NAME_MAX + 1];
        uint8_t *got = NULL;
        size_t len;
        ino_t ino;

        assert_int_equal(guid_clip_store(dir, "work", data, sizeof(data)), 0);
        assert_int_equal(guid_clip_load(dir, 999, src, &got, &len, &ino), -EFBIG);
        assert_null(got);
        assert_int_equal(guid_clip_load(dir, 1000, src, &got, &len, &ino), 0);
        free(got);
        assert_int_equal(guid_clip_store(dir, "work", data, BH_GUI_MAX_CLIPBOARD_BYTES + 1),
                         -EFBIG);
}

static void test_take_empties_only_the_buffer_it_loaded(void **state)
{
        char src[GUID_NAME_MAX + 1];
        uint8_t *got = NULL;
        size_t len;
        ino_t ino, ino2;

        assert_int_equal(guid_clip_store(dir, "work", "one", 3), 0);
        assert_int_equal(guid_clip_load(dir, 100, src, &got, &len, &ino), 0);
        free(got);
        /* another copy replaced it meanwhile: it stays */
        assert_int_equal(guid_clip_store(dir, "personal", "two", 3), 0);
        assert_int_equal(guid_clip_take(dir, ino), -ESTALE);
        assert_int_equal(guid_clip_load(dir, 100, src, &got, &len, &ino2), 0);
        assert_string_equal(src, "personal");
        free(got);
        assert_int_equal(guid_clip_take(dir, ino2), 0);
        assert_int_equal(guid_clip_load(dir, 100, src, &got, &len, &ino), -ENOENT);
        assert_int_equal(guid_clip_take(dir, ino2), -ESTALE);
}

static void test_store_refuses_a_bad_source_name(void **state)
{
        assert_int_equal(guid_clip_store(dir, "../x", "a", 1), -EINVAL);
}

static int policy_socket(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

        assert_true(fd >= 0);
        assert_true(strlen(dir) + sizeof("/qrexec-policy.sock") <= sizeof(sa.sun_path));
        memcpy(sa.sun_path, dir, strlen(dir));
        memcpy(sa.sun_path + strlen(dir), "/qrexec-policy.sock", sizeof("/qrexec-policy.sock"));
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        return fd;
}

static void answer(int lfd, const char *result)
{
        char buf[4096];
        struct bh_api_msg m;
        struct bh_api_buf b;
        int c = accept(lfd, NULL, NULL);
        ssize_t k;

        assert_true(c >= 0);
        k = recv(c, buf, sizeof(buf), 0);
        assert_true(k > 0);
        assert_int_equal(bh_api_parse(buf, (size_t)k, &m), 0);
        assert_int_equal(m.n, 5);
        assert_string_equal(m.f[0], "bulkhead-policy/1");
        assert_string_equal(m.f[1], "eval");
        assert_string_equal(m.f[2], "work");
        assert_string_equal(m.f[3], "vault");
        assert_string_equal(m.f[4], "bulkhead.ClipboardPaste");
        bh_api_msg_free(&m);
        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "result=%s", result);
        bh_api_add(&b, "target=vault");
        assert_int_equal(send(c, b.data, b.len, 0), (ssize_t)b.len);
        bh_api_buf_free(&b);
        close(c);
}

static void test_policy_allow_and_deny(void **state)
{
        int lfd = policy_socket(), fd;
        bool allow = true;

        assert_int_equal(guid_policy_ask(dir, "work", "vault", &fd), 0);
        answer(lfd, "deny");
        usleep(10000);
        assert_int_equal(guid_policy_answer(fd, &allow), 0);
        assert_false(allow);
        close(fd);

        assert_int_equal(guid_policy_ask(dir, "work", "vault", &fd), 0);
        answer(lfd, "allow");
        usleep(10000);
        assert_int_equal(guid_policy_answer(fd, &allow), 0);
        assert_true(allow);
        close(fd);
        close(lfd);
}

static void test_policy_error_reply_and_no_daemon_deny(void **state)
{
        int lfd = policy_socket(), fd, c;
        static const char err[] = "error\0EINVAL\0bad";
        bool allow = true;

        assert_int_equal(guid_policy_ask(dir, "work", "vault", &fd), 0);
        c = accept(lfd, NULL, NULL);
        assert_true(c >= 0);
        assert_int_equal(send(c, err, sizeof(err), 0), (ssize_t)sizeof(err));
        usleep(10000);
        assert_true(guid_policy_answer(fd, &allow) < 0);
        close(c);
        close(fd);
        /* the daemon hangs up without a word */
        assert_int_equal(guid_policy_ask(dir, "work", "vault", &fd), 0);
        c = accept(lfd, NULL, NULL);
        close(c);
        usleep(10000);
        assert_true(guid_policy_answer(fd, &allow) < 0);
        close(fd);
        close(lfd);
        /* and with no daemon at all */
        char path[320];
        snprintf(path, sizeof(path), "%s/qrexec-policy.sock", dir);
        unlink(path);
        assert_true(guid_policy_ask(dir, "work", "vault", &fd) < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_accepts_exact_format),
                cmocka_unit_test(test_parse_refuses_anything_else),
                cmocka_unit_test(test_parse_refuses_over_the_protocol_limit),
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
                T(test_store_then_load_round_trips),
                T(test_load_over_the_limit_is_refused_not_cut),
                T(test_take_empties_only_the_buffer_it_loaded),
                T(test_store_refuses_a_bad_source_name),
                T(test_policy_allow_and_deny),
                T(test_policy_error_reply_and_no_daemon_deny),
#undef T
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
