/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-policy over its real socket: a daemon started from the build tree
 * with a policy directory, a domains file and a stand-in dialog (a shell
 * script that answers what the test wrote into a file).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "api_proto.h"

static char dir[] = "/tmp/bh-policy-daemon.XXXXXX";
static char sock_path[300];
static pid_t daemon_pid;

static void write_file(const char *name, const char *text)
{
        char path[300], tmp[320];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        f = fopen(tmp, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, path), 0);
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_daemon(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_true(strlen(sock_path) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return -errno;
        }
        return fd;
}

static void send_raw(int fd, const void *data, size_t n)
{
        assert_int_equal(send(fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void send_eval(int fd, const char *src, const char *tgt, const char *svc)
{
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "bulkhead-policy/1");
        bh_api_add(&b, "eval");
        bh_api_add(&b, src);
        bh_api_add(&b, tgt);
        bh_api_add(&b, svc);
        assert_int_equal(b.err, 0);
        send_raw(fd, b.data, b.len);
        bh_api_buf_free(&b);
}

/* Reads one reply within timeout_ms into m; 0, or -ETIMEDOUT / -ECONNRESET. */
static int recv_reply(int fd, struct bh_api_msg *m, int timeout_ms)
{
        static char buf[65536];
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
                return -ECONNRESET;
        assert_int_equal(bh_api_parse(buf, (size_t)n, m), 0);
        return 0;
}

/* One call on a fresh connection; the reply's value of key (static). */
static const char *field(const struct bh_api_msg *m, const char *key)
{
        const char *v = bh_api_get(m, 1, key);

        return v ? v : "(missing)";
}

static struct bh_api_msg *call(const char *src, const char *tgt, const char *svc)
{
        static struct bh_api_msg m;
        static bool have;
        int fd = connect_daemon();

        if (have)
                bh_api_msg_free(&m);
        have = false;
        assert_true(fd >= 0);
        send_eval(fd, src, tgt, svc);
        assert_int_equal(recv_reply(fd, &m, 5000), 0);
        have = true;
        close(fd);
        assert_string_equal(m.f[0], "ok");
        return &m;
}

static const char policy_v1[] =
        "# test policy\n"
        "qubes.Filecopy * work vault allow\n"
        "qubes.Filecopy * work mail deny\n"
        "qubes.Ask * work @anyvm ask default_target=vault\n";

static const char domains[] =
        "work tags=work default_dispvm=dvm state=running\n"
        "vault\n"
        "mail state=running\n"
        "dvm class=dispvm-template\n";

static const char ask_script[] =
        "#!/bin/sh\n"
        "d=$(dirname \"$0\")\n"
        "echo \"$@\" > \"$d/ask-args\"\n"
        "[ -f \"$d/ask-sleep\" ] && sleep \"$(cat \"$d/ask-sleep\")\"\n"
        "a=$(cat \"$d/ask-answer\")\n"
        "[ \"$a\" = deny ] && exit 1\n"
        "echo \"$a\"\n";

static int start_daemon(void **state)
{
        char policy_dir[250], domains_file[250], ask[250], run[250];
        const char *prog = getenv("BH_QREXEC_POLICY");
        long deadline;

        (void)state;
        if (!mkdtemp(dir))
                return -1;
        snprintf(policy_dir, sizeof(policy_dir), "%s/policy.d", dir);
        snprintf(domains_file, sizeof(domains_file), "%s/domains", dir);
        snprintf(ask, sizeof(ask), "%s/ask", dir);
        snprintf(run, sizeof(run), "%s/run", dir);
        snprintf(sock_path, sizeof(sock_path), "%s/qrexec-policy.sock", run);
        mkdir(policy_dir, 0700);
        write_file("policy.d/30-user.policy", policy_v1);
        write_file("domains", domains);
        write_file("ask", ask_script);
        write_file("ask-answer", "deny\n");
        chmod(ask, 0755);

        daemon_pid = fork();
        if (daemon_pid == 0) {
                char log[300];
                int fd;
                snprintf(log, sizeof(log), "%s/daemon.log", dir);
                fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
                if (fd >= 0)
                        dup2(fd, STDERR_FILENO);
                setenv("BULKHEAD_RUNTIME_DIR", run, 1);
                execl(prog ? prog : "qrexec/qrexec-policy", "qrexec-policy", "--policy-dir",
                      policy_dir, "--domains", domains_file, "--ask-program", ask, (char *)NULL);
                _exit(127);
        }
        deadline = now_ms() + 5000;
        while (now_ms() < deadline) {
                int fd = connect_daemon();
                if (fd >= 0) {
                        close(fd);
                        return 0;
                }
                usleep(20000);
        }
        fprintf(stderr, "qrexec-policy did not come up\n");
        return -1;
}

static int stop_daemon(void **state)
{
        char cmd[400];
        int status = 0;
        bool clean = true;

        (void)state;
        if (daemon_pid > 0) {
                kill(daemon_pid, SIGTERM);
                waitpid(daemon_pid, &status, 0);
                /* A clean exit: also no sanitizer report at the end. */
                clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
                if (!clean) {
                        fprintf(stderr, "qrexec-policy exited with status %d; its log:\n", status);
                        snprintf(cmd, sizeof(cmd), "cat '%s/daemon.log' >&2", dir);
                        if (system(cmd) != 0)
                                clean = false;
                }
        }
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 && clean ? 0 : -1;
}

static void test_daemon_allow(void **state)
{
        struct bh_api_msg *m = call("work", "vault", "qubes.Filecopy");

        (void)state;
        assert_string_equal(field(m, "result"), "allow");
        assert_string_equal(field(m, "target"), "vault");
        assert_string_equal(field(m, "autostart"), "yes");
        assert_string_equal(field(m, "notify"), "no");
        assert_non_null(strstr(field(m, "rule"), "30-user.policy:2"));
}

static void test_daemon_deny(void **state)
{
        struct bh_api_msg *m = call("work", "mail", "qubes.Filecopy+");

        (void)state;
        assert_string_equal(field(m, "result"), "deny");
        assert_string_equal(field(m, "target"), "");
        assert_string_equal(field(m, "notify"), "yes");
        assert_non_null(strstr(field(m, "rule"), "30-user.policy:3"));
}

static void test_daemon_no_match_denies(void **state)
{
        struct bh_api_msg *m = call("vault", "work", "qubes.Filecopy");

        (void)state;
        assert_string_equal(field(m, "result"), "deny");
        assert_string_equal(field(m, "rule"), "");
}

static void test_daemon_ask_allowed_by_the_user(void **state)
{
        struct bh_api_msg *m;

        (void)state;
        write_file("ask-answer", "vault\n");
        m = call("work", "", "qubes.Ask+x");
        assert_string_equal(field(m, "result"), "allow");
        assert_string_equal(field(m, "target"), "vault");
        write_file("ask-answer", "deny\n");
}

static void test_daemon_ask_denied_by_the_user(void **state)
{
        struct bh_api_msg *m = call("work", "", "qubes.Ask");

        (void)state;
        assert_string_equal(field(m, "result"), "deny");
        assert_non_null(strstr(field(m, "reason"), "denied by the user"));
}

static void test_daemon_ask_answer_outside_the_offer_denies(void **state)
{
        struct bh_api_msg *m;

        (void)state;
        write_file("ask-answer", "dom0\n");
        m = call("work", "", "qubes.Ask");
        assert_string_equal(field(m, "result"), "deny");
        write_file("ask-answer", "deny\n");
}

static void test_daemon_slow_ask_does_not_block_others(void **state)
{
        struct bh_api_msg slow, *m;
        int fd = connect_daemon();
        long t0;

        (void)state;
        write_file("ask-sleep", "2\n");
        write_file("ask-answer", "mail\n");
        send_eval(fd, "work", "", "qubes.Ask");
        usleep(100000);
        t0 = now_ms();
        m = call("work", "vault", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "allow");
        assert_true(now_ms() - t0 < 1500);
        assert_int_equal(recv_reply(fd, &slow, 5000), 0);
        assert_string_equal(bh_api_get(&slow, 1, "result"), "allow");
        assert_string_equal(bh_api_get(&slow, 1, "target"), "mail");
        bh_api_msg_free(&slow);
        close(fd);
        {
                char p[300];
                snprintf(p, sizeof(p), "%s/ask-sleep", dir);
                unlink(p);
        }
        write_file("ask-answer", "deny\n");
}

static void test_daemon_reloads_after_a_change(void **state)
{
        struct bh_api_msg *m;

        (void)state;
        write_file("policy.d/20-new.policy", "qubes.Filecopy * vault work allow notify=yes\n");
        m = call("vault", "work", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "allow");
        assert_string_equal(field(m, "notify"), "yes");
        assert_non_null(strstr(field(m, "rule"), "20-new.policy:1"));
        write_file("policy.d/20-new.policy", "qubes.Filecopy * vault work deny\n");
        m = call("vault", "work", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "deny");
}

static void test_daemon_bad_policy_keeps_the_last_good_one(void **state)
{
        struct bh_api_msg *m;
        char log[300], buf[65536];
        FILE *f;
        size_t n;

        (void)state;
        write_file("policy.d/20-new.policy", "qubes.Filecopy * vault work allow\n"
                                             "qubes.Filecopy * vault work permit\n");
        m = call("vault", "work", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "deny"); /* the previous 20-new */
        m = call("work", "vault", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "allow");

        snprintf(log, sizeof(log), "%s/daemon.log", dir);
        f = fopen(log, "r");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        assert_non_null(strstr(buf, "20-new.policy:2: invalid action 'permit'"));
        assert_non_null(strstr(buf, "keeping the last good policy"));

        write_file("policy.d/20-new.policy", "qubes.Filecopy * vault work allow\n");
        m = call("vault", "work", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "allow");
}

static void expect_error(int fd, const char *errname)
{
        struct bh_api_msg m;

        assert_int_equal(recv_reply(fd, &m, 5000), 0);
        assert_string_equal(m.f[0], "error");
        assert_string_equal(m.f[1], errname);
        bh_api_msg_free(&m);
}

static void test_daemon_malformed_requests_get_errors(void **state)
{
        static const char no_nul[] = { 'b', 'a', 'd' };
        static const char wrong_version[] = "bulkhead/1\0eval\0work\0vault\0svc";
        static const char unknown_verb[] = "bulkhead-policy/1\0launch\0work";
        static const char few_fields[] = "bulkhead-policy/1\0eval\0work\0vault";
        char big[300];
        struct bh_api_msg *m;
        int fd;

        (void)state;
        fd = connect_daemon();
        send_raw(fd, wrong_version, sizeof(wrong_version));
        expect_error(fd, "EPROTO");
        send_raw(fd, unknown_verb, sizeof(unknown_verb));
        expect_error(fd, "EINVAL");
        send_raw(fd, few_fields, sizeof(few_fields));
        expect_error(fd, "EINVAL");
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        send_eval(fd, "work", "vault", big);
        expect_error(fd, "EINVAL");
        send_raw(fd, no_nul, sizeof(no_nul));
        expect_error(fd, "EPROTO");
        close(fd);

        fd = connect_daemon();
        send_eval(fd, "work\x01", "vault", "qubes.Filecopy");
        {
                struct bh_api_msg r;
                assert_int_equal(recv_reply(fd, &r, 5000), 0);
                assert_string_equal(bh_api_get(&r, 1, "result"), "deny");
                bh_api_msg_free(&r);
        }
        close(fd);

        m = call("work", "vault", "qubes.Filecopy");
        assert_string_equal(field(m, "result"), "allow");
}

static void test_daemon_socket_is_private(void **state)
{
        struct stat st;

        (void)state;
        assert_int_equal(stat(sock_path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_daemon_allow),
                cmocka_unit_test(test_daemon_deny),
                cmocka_unit_test(test_daemon_no_match_denies),
                cmocka_unit_test(test_daemon_ask_allowed_by_the_user),
                cmocka_unit_test(test_daemon_ask_denied_by_the_user),
                cmocka_unit_test(test_daemon_ask_answer_outside_the_offer_denies),
                cmocka_unit_test(test_daemon_slow_ask_does_not_block_others),
                cmocka_unit_test(test_daemon_reloads_after_a_change),
                cmocka_unit_test(test_daemon_bad_policy_keeps_the_last_good_one),
                cmocka_unit_test(test_daemon_malformed_requests_get_errors),
                cmocka_unit_test(test_daemon_socket_is_private),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
