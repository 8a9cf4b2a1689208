/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container backend's lifecycle on real namespaces, checked from
 * outside: start, pause, unpause, shutdown, destroy, attach; bulkhead-init's
 * job mode, agent restarts and shutdown; and after every test, that nothing
 * is left on the host (mounts, processes, cgroups, id-range claims, the
 * volatile directory).  Needs root; every test skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "container.h"
#include "container_cgroup.h"
#include "container_idmap.h"
#include "fixture.h"
#include "util.h"

static struct {
        bool ok;
        char dir[64];
        char tmpl[128];
        int seq;
} fx;

/* One domain under test. */
struct dom {
        struct bh_domain d;
        struct bh_start_spec spec;
        struct bh_instance inst;
        char vol[160], vchan[160], console[160], agent[160], priv[160];
        bool started;
};

static const char *const usr_bind[] = { "/usr", NULL };

/* Domains a test started and has not destroyed: a failed assertion jumps out
 * of the test, and the teardown destroys what it left (by pid and start
 * time, since the test's descriptors and stack are gone). */
static struct left {
        struct bh_domain d;
        char vol[160];
        pid_t pid;
        uint64_t starttime;
} left[8];

static const char flaky_agent[] =
        "#!/bin/sh\n"
        "env > " BH_DOMAIN_VCHAN_DIR "/agent-env.$$\n"
        "exit 3\n";
static const char stubborn_agent[] =
        "#!/bin/sh\n"
        "trap '' TERM\n"
        "while :; do sleep 0.1; done\n";
static const char ticker_agent[] =
        "#!/bin/sh\n"
        "i=0\n"
        "while :; do i=$((i+1)); echo $i > " BH_DOMAIN_VCHAN_DIR "/tick.new;"
        " mv " BH_DOMAIN_VCHAN_DIR "/tick.new " BH_DOMAIN_VCHAN_DIR "/tick; sleep 0.02; done\n";

static int make_agent_dir(const char *name, const char *script)
{
        _cleanup_free_ char *top = fx_builddir();
        char dir[160], src[4096], dst[200];
        int r;

        snprintf(dir, sizeof(dir), "%s/agent-%s", fx.dir, name);
        if (mkdir(dir, 0755) < 0)
                return -errno;
        if (!top)
                return -ENOMEM;
        snprintf(src, sizeof(src), "%s/agent/bulkhead-init", top);
        snprintf(dst, sizeof(dst), "%s/bulkhead-init", dir);
        if (strcmp(name, "noinit") != 0 && (r = fx_copy(src, dst, 0755)) < 0)
                return r;
        if (script) {
                snprintf(dst, sizeof(dst), "%s/bulkhead-agent", dir);
                if ((r = fx_write(dst, script, 0755)) < 0)
                        return r;
        }
        return 0;
}

static int group_setup(void **state)
{
        (void)state;
        if (!bh_ct_privileged() || bh_backend_container.available() < 0)
                return 0;
        snprintf(fx.dir, sizeof(fx.dir), "/tmp/bh-ct-life.XXXXXX");
        if (!mkdtemp(fx.dir))
                return -1;
        snprintf(fx.tmpl, sizeof(fx.tmpl), "%s/tmpl", fx.dir);
        if (fx_make_template(fx.tmpl) < 0 || make_agent_dir("none", NULL) < 0 ||
            make_agent_dir("flaky", flaky_agent) < 0 || make_agent_dir("stubborn", stubborn_agent) < 0 ||
            make_agent_dir("ticker", ticker_agent) < 0 || make_agent_dir("noinit", NULL) < 0)
                return -1;
        fx.ok = true;
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        if (fx.dir[0])
                fx_rm_rf(fx.dir);
        return 0;
}

static int destroy_leftovers(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(left); i++) {
                if (!left[i].d.name[0])
                        continue;
                struct bh_start_spec spec = { .d = &left[i].d, .volatile_dir = left[i].vol };
                struct bh_instance inst = { .pid = left[i].pid, .pid_starttime = left[i].starttime,
                                            .death_fd = -1 };
                bh_backend_container.destroy(&spec, &inst);
                waitpid(left[i].pid, NULL, WNOHANG);
                memset(&left[i], 0, sizeof(left[i]));
        }
        return 0;
}

#define NEED_ROOT()                        \
        do {                               \
                if (!fx.ok)                \
                        skip();            \
        } while (0)

static void dom_init(struct dom *m, const char *agent, enum bh_class klass)
{
        memset(m, 0, sizeof(*m));
        snprintf(m->d.name, sizeof(m->d.name), "lc%dn%d", (int)getpid() % 100000, fx.seq++);
        m->d.klass = klass;
        m->d.domid = -1;
        snprintf(m->vol, sizeof(m->vol), "%s/vol-%s", fx.dir, m->d.name);
        snprintf(m->vchan, sizeof(m->vchan), "%s/vchan-%s", fx.dir, m->d.name);
        snprintf(m->console, sizeof(m->console), "%s/console-%s", fx.dir, m->d.name);
        snprintf(m->agent, sizeof(m->agent), "%s/agent-%s", fx.dir, agent);
        snprintf(m->priv, sizeof(m->priv), "%s/priv-%s", fx.dir, m->d.name);
        assert_int_equal(mkdir(m->vol, 0700), 0);
        assert_int_equal(mkdir(m->vchan, 0700), 0);
        m->spec = (struct bh_start_spec){
                .d = &m->d,
                .root = fx.tmpl,
                .volatile_dir = m->vol,
                .vchan_dir = m->vchan,
                .agent_dir = m->agent,
                .console_log = m->console,
                .host_ro_binds = usr_bind,
        };
        m->inst.death_fd = -1;
}

static int dom_start(struct dom *m, const char *const *args)
{
        int r = bh_container_start(&m->spec, args, &m->inst);

        m->started = r == 0;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(left); i++)
                if (!left[i].d.name[0]) {
                        left[i].d = m->d;
                        snprintf(left[i].vol, sizeof(left[i].vol), "%s", m->vol);
                        left[i].pid = m->inst.pid;
                        left[i].starttime = m->inst.pid_starttime;
                        break;
                }
        return r;
}

static bool dead_within(struct dom *m, int ms)
{
        struct pollfd p = { .fd = m->inst.death_fd, .events = POLLIN };

        return poll(&p, 1, ms) == 1;
}

/* init's exit status, once dead: the exit code, or 128 + signal. */
static int exit_status(struct dom *m)
{
        siginfo_t si = { 0 };

        assert_int_equal(waitid(P_PIDFD, m->inst.death_fd, &si, WEXITED), 0);
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

static bool file_mentions(const char *path, const char *text)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[4096];

        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, text))
                        return true;
        return false;
}

/* Polls for text in path: init writes on its own schedule. */
static bool file_mentions_within(const char *path, const char *text, int ms)
{
        struct timespec ts = { 0, 20 * 1000 * 1000 };

        for (int waited = 0;; waited += 20) {
                if (file_mentions(path, text))
                        return true;
                if (waited >= ms)
                        return false;
                nanosleep(&ts, NULL);
        }
}

static bool claim_file_exists(const char *name)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "grep -qsw -- '%s' " BH_CT_RUN_DIR "/idmap/[0-9]*", name);
        return system(cmd) == 0;
}

/* Destroys m and checks that nothing of it is left on the host. */
static void dom_destroy_and_check(struct dom *m)
{
        char v[64];
        pid_t pid = m->inst.pid;

        for (size_t i = 0; i < ELEMENTSOF(left); i++)
                if (strcmp(left[i].d.name, m->d.name) == 0)
                        memset(&left[i], 0, sizeof(left[i]));
        assert_int_equal(bh_backend_container.destroy(&m->spec, &m->inst), 0);
        assert_int_equal(m->inst.death_fd, -1);
        if (pid > 0)
                assert_true(kill(pid, 0) < 0 && errno == ESRCH);
        assert_false(file_mentions("/proc/self/mountinfo", fx.dir));
        assert_int_equal(bh_ct_cgroup_read(m->d.name, "pids.max", v, sizeof(v)), -ENOENT);
        assert_int_equal(bh_ct_cgroup_read(m->d.name, "memory.max", v, sizeof(v)), -ENOENT);
        assert_false(claim_file_exists(m->d.name));
        assert_true(access(m->vol, F_OK) < 0 && errno == ENOENT);
}

static void read_file(const char *path, char *buf, size_t len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        buf[0] = '\0';
        if (fd < 0)
                return;
        n = read(fd, buf, len - 1);
        buf[n > 0 ? n : 0] = '\0';
}

static void sleep_ms(int ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

static void test_start_runs_init_as_pid1_and_destroy_leaves_nothing(void **state)
{
        struct dom m;
        char path[64], comm[64], ns[2][64];

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_true(m.inst.pid > 0);
        assert_true(m.inst.death_fd >= 0);
        assert_int_equal(m.inst.domid, -1);
        assert_false(dead_within(&m, 100));
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)m.inst.pid);
        read_file(path, comm, sizeof(comm));
        assert_string_equal(comm, "bulkhead-init\n");
        /* Its own namespaces, every one of them. */
        static const char *const kinds[] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup" };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
                ssize_t a = readlink(path, ns[0], sizeof(ns[0]) - 1);
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)m.inst.pid, kinds[i]);
                ssize_t b = readlink(path, ns[1], sizeof(ns[1]) - 1);
                assert_true(a > 0 && b > 0);
                ns[0][a] = ns[1][b] = '\0';
                assert_string_not_equal(ns[0], ns[1]);
        }
        /* No agent in this agent dir: init says so once and keeps running. */
        assert_true(file_mentions_within(m.console, "no agent at", 10000));
        dom_destroy_and_check(&m);
}

static void test_job_exit_status_is_init_exit_status(void **state)
{
        static const char *const args[] = { "--", "/bin/sh", "-c", "echo job-ran; exit 7", NULL };
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_DISPOSABLE);
        assert_int_equal(dom_start(&m, args), 0);
        assert_true(dead_within(&m, 10000));
        assert_int_equal(exit_status(&m), 7);
        assert_true(file_mentions(m.console, "job-ran"));
        dom_destroy_and_check(&m);
}

static void test_job_killed_by_signal_reports_128_plus_signal(void **state)
{
        static const char *const args[] = { "--", "/bin/sh", "-c", "kill -KILL $$", NULL };
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_DISPOSABLE);
        assert_int_equal(dom_start(&m, args), 0);
        assert_true(dead_within(&m, 10000));
        assert_int_equal(exit_status(&m), 128 + SIGKILL);
        dom_destroy_and_check(&m);
}

static void test_shutdown_stops_domain_with_status_0(void **state)
{
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_int_equal(bh_backend_container.shutdown(&m.inst), 0);
        assert_true(dead_within(&m, 5000));
        assert_int_equal(exit_status(&m), 0);
        dom_destroy_and_check(&m);
}

static void test_shutdown_kills_processes_that_ignore_sigterm(void **state)
{
        struct dom m;
        struct timespec a, b;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "stubborn", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        sleep_ms(300); /* the agent sets its trap */
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(bh_backend_container.shutdown(&m.inst), 0);
        assert_true(dead_within(&m, 10000));
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_int_equal(exit_status(&m), 0);
        /* init waited its grace period before SIGKILL, and not much more. */
        double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        assert_true(s >= 2.5 && s < 8);
        assert_true(file_mentions_within(m.console, "killing them", 2000));
        dom_destroy_and_check(&m);
}

static void test_agent_is_restarted_with_its_environment(void **state)
{
        struct dom m;
        char cmd[1024], out[64];

        (void)state;
        NEED_ROOT();
        dom_init(&m, "flaky", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        /* Starts at once, then again after 100, 200, 400 ms of back-off. */
        assert_true(file_mentions_within(m.console, "restarting in 400 ms", 15000));
        assert_true(file_mentions(m.console, "agent exited with status 3, restarting in 100 ms"));
        assert_true(file_mentions(m.console, "restarting in 200 ms"));
        snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^agent-env' > %s/count", m.vchan, fx.dir);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof(cmd), "%s/count", fx.dir);
        read_file(cmd, out, sizeof(out));
        assert_true(atoi(out) >= 3);
        snprintf(cmd, sizeof(cmd),
                 "cat %s/agent-env.* | grep -qx BULKHEAD_VCHAN_DIR=" BH_DOMAIN_VCHAN_DIR
                 " && cat %s/agent-env.* | grep -qx BULKHEAD_TRANSPORT=socket"
                 " && cat %s/agent-env.* | grep -qx BULKHEAD_DOMAIN=%s",
                 m.vchan, m.vchan, m.vchan, m.d.name);
        assert_int_equal(system(cmd), 0);
        dom_destroy_and_check(&m);
}

static void test_pause_freezes_and_unpause_resumes(void **state)
{
        struct dom m;
        char path[200], a[32], b[32];

        (void)state;
        NEED_ROOT();
        dom_init(&m, "ticker", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        snprintf(path, sizeof(path), "%s/tick", m.vchan);
        for (int i = 0; i < 100 && access(path, F_OK) < 0; i++)
                sleep_ms(20);
        assert_int_equal(bh_backend_container.pause(&m.inst), 0);
        sleep_ms(50);
        read_file(path, a, sizeof(a));
        sleep_ms(300);
        read_file(path, b, sizeof(b));
        assert_string_equal(a, b);
        assert_int_equal(bh_backend_container.unpause(&m.inst), 0);
        for (int i = 0; i < 250; i++) {
                read_file(path, b, sizeof(b));
                if (strcmp(a, b) != 0)
                        break;
                sleep_ms(20);
        }
        assert_string_not_equal(a, b);
        /* Pausing twice and shutting down a paused domain both work. */
        assert_int_equal(bh_backend_container.pause(&m.inst), 0);
        assert_int_equal(bh_backend_container.pause(&m.inst), 0);
        assert_int_equal(bh_backend_container.shutdown(&m.inst), 0);
        assert_true(dead_within(&m, 10000));
        dom_destroy_and_check(&m);
}

static void test_destroy_kills_a_paused_domain(void **state)
{
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "ticker", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_int_equal(bh_backend_container.pause(&m.inst), 0);
        dom_destroy_and_check(&m);
}

static void test_attach_finds_running_domain_and_rejects_reused_pid(void **state)
{
        struct dom m;
        struct bh_domain d;
        struct bh_instance found;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        d = m.d;
        d.state = BH_STATE_RUNNING;
        d.pid = m.inst.pid;
        d.pid_starttime = m.inst.pid_starttime;
        assert_int_equal(bh_backend_container.attach(&d, &found), 0);
        assert_int_equal(found.pid, m.inst.pid);
        assert_int_equal(found.pid_starttime, m.inst.pid_starttime);
        assert_true(found.death_fd >= 0 && found.death_fd != m.inst.death_fd);
        /* A restarted bulkheadd works through the attached instance alone. */
        close(m.inst.death_fd);
        m.inst = found;
        assert_int_equal(bh_backend_container.pause(&m.inst), 0);
        assert_int_equal(bh_backend_container.unpause(&m.inst), 0);

        d.pid_starttime++;
        assert_int_equal(bh_backend_container.attach(&d, &found), -ESRCH);
        dom_destroy_and_check(&m);
        d.pid_starttime--;
        assert_int_equal(bh_backend_container.attach(&d, &found), -ESRCH);
}

static void test_second_start_of_running_name_is_busy(void **state)
{
        struct dom m, twin;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        dom_init(&twin, "none", BH_CLASS_APP);
        memcpy(twin.d.name, m.d.name, sizeof(twin.d.name));
        assert_int_equal(dom_start(&twin, NULL), -EBUSY);
        /* The failed twin took nothing of the running domain's. */
        assert_false(dead_within(&m, 50));
        uint32_t base;
        assert_int_equal(bh_ct_idmap_lookup(m.d.name, &base), 0);
        dom_destroy_and_check(&m);
        rmdir(twin.vol);
}

static void test_cgroup_limits_are_written(void **state)
{
        struct dom m;
        char v[64];

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        m.d.memory_mib = 96;
        assert_int_equal(dom_start(&m, NULL), 0);
        if (bh_ct_cgroup_read(m.d.name, "memory.max", v, sizeof(v)) == 0)
                assert_string_equal(v, "100663296");
        else
                print_message("# no memory controller here\n");
        if (bh_ct_cgroup_read(m.d.name, "pids.max", v, sizeof(v)) == 0)
                assert_int_equal(atoi(v), BH_CT_PIDS_MAX);
        else
                print_message("# no pids controller here\n");
        dom_destroy_and_check(&m);
}

static void test_failed_start_reports_and_leaves_nothing(void **state)
{
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "noinit", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), -ENOENT);
        m.inst = (struct bh_instance){ .death_fd = -1 };
        dom_destroy_and_check(&m);

        dom_init(&m, "none", BH_CLASS_APP);
        m.spec.root = "/nonexistent-template";
        assert_int_equal(dom_start(&m, NULL), -ENOENT);
        m.inst = (struct bh_instance){ .death_fd = -1 };
        dom_destroy_and_check(&m);
}

static void test_destroy_twice_is_safe(void **state)
{
        struct dom m;

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        dom_destroy_and_check(&m);
        dom_destroy_and_check(&m);
        /* bulkheadd's reconcile path: a spec with only the domain. */
        struct bh_start_spec bare = { .d = &m.d };
        assert_int_equal(bh_backend_container.destroy(&bare, &m.inst), 0);
}

static void test_domains_get_distinct_id_ranges(void **state)
{
        struct dom a, b;
        uint32_t ba, bb;

        (void)state;
        NEED_ROOT();
        dom_init(&a, "none", BH_CLASS_APP);
        dom_init(&b, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&a, NULL), 0);
        assert_int_equal(dom_start(&b, NULL), 0);
        assert_int_equal(bh_ct_idmap_lookup(a.d.name, &ba), 0);
        assert_int_equal(bh_ct_idmap_lookup(b.d.name, &bb), 0);
        assert_int_not_equal(ba, bb);
        assert_true(ba >= BH_CT_ID_FIRST && bb >= BH_CT_ID_FIRST);
        char path[64], map[128], want[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)a.inst.pid);
        read_file(path, map, sizeof(map));
        snprintf(want, sizeof(want), " %u ", ba);
        assert_non_null(strstr(map, want));
        dom_destroy_and_check(&a);
        dom_destroy_and_check(&b);
}

static void test_stale_id_claim_is_taken_over(void **state)
{
        struct dom m;
        uint32_t base, again;
        char claim[128], text[128];

        (void)state;
        NEED_ROOT();
        dom_init(&m, "none", BH_CLASS_APP);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_int_equal(bh_ct_idmap_lookup(m.d.name, &base), 0);
        dom_destroy_and_check(&m);
        /* A claim on the same slot whose owner is gone (a crashed bulkheadd:
         * pid 1 never has this start time). */
        snprintf(claim, sizeof(claim), BH_CT_RUN_DIR "/idmap/%u",
                 (base - BH_CT_ID_FIRST) / BH_CT_ID_RANGE);
        assert_int_equal(fx_write(claim, "1 1 ghost\n", 0600), 0);
        assert_int_equal(mkdir(m.vol, 0700), 0);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_int_equal(bh_ct_idmap_lookup(m.d.name, &again), 0);
        assert_int_equal(again, base);
        read_file(claim, text, sizeof(text));
        assert_null(strstr(text, "ghost"));
        dom_destroy_and_check(&m);

        /* A live claim of another name on the slot: the next one is used. */
        uint64_t st;
        assert_int_equal(bh_ct_proc_starttime(getpid(), &st), 0);
        snprintf(text, sizeof(text), "%d %llu other\n", (int)getpid(), (unsigned long long)st);
        assert_int_equal(fx_write(claim, text, 0600), 0);
        assert_int_equal(mkdir(m.vol, 0700), 0);
        assert_int_equal(dom_start(&m, NULL), 0);
        assert_int_equal(bh_ct_idmap_lookup(m.d.name, &again), 0);
        assert_int_not_equal(again, base);
        dom_destroy_and_check(&m);
        read_file(claim, text, sizeof(text));
        assert_non_null(strstr(text, "other"));
        unlink(claim);
}

static void test_template_domain_writes_its_root(void **state)
{
        static const char *const args[] = { "--", "/bin/sh", "-c", "echo kept > /etc/installed", NULL };
        struct dom m;
        char tmpl[160], file[200];
        struct stat st;

        (void)state;
        NEED_ROOT();
        snprintf(tmpl, sizeof(tmpl), "%s/tmpl-own", fx.dir);
        assert_int_equal(fx_make_template(tmpl), 0);
        dom_init(&m, "none", BH_CLASS_TEMPLATE);
        m.spec.root = tmpl;
        assert_int_equal(dom_start(&m, args), 0);
        assert_true(dead_within(&m, 10000));
        assert_int_equal(exit_status(&m), 0);
        dom_destroy_and_check(&m);
        /* Written straight into the template, as the host's root (idmapped). */
        snprintf(file, sizeof(file), "%s/etc/installed", tmpl);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_uid, 0);
        fx_rm_rf(tmpl);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_start_runs_init_as_pid1_and_destroy_leaves_nothing, destroy_leftovers),
                cmocka_unit_test_teardown(test_job_exit_status_is_init_exit_status, destroy_leftovers),
                cmocka_unit_test_teardown(test_job_killed_by_signal_reports_128_plus_signal, destroy_leftovers),
                cmocka_unit_test_teardown(test_shutdown_stops_domain_with_status_0, destroy_leftovers),
                cmocka_unit_test_teardown(test_shutdown_kills_processes_that_ignore_sigterm, destroy_leftovers),
                cmocka_unit_test_teardown(test_agent_is_restarted_with_its_environment, destroy_leftovers),
                cmocka_unit_test_teardown(test_pause_freezes_and_unpause_resumes, destroy_leftovers),
                cmocka_unit_test_teardown(test_destroy_kills_a_paused_domain, destroy_leftovers),
                cmocka_unit_test_teardown(test_attach_finds_running_domain_and_rejects_reused_pid, destroy_leftovers),
                cmocka_unit_test_teardown(test_second_start_of_running_name_is_busy, destroy_leftovers),
                cmocka_unit_test_teardown(test_cgroup_limits_are_written, destroy_leftovers),
                cmocka_unit_test_teardown(test_failed_start_reports_and_leaves_nothing, destroy_leftovers),
                cmocka_unit_test_teardown(test_destroy_twice_is_safe, destroy_leftovers),
                cmocka_unit_test_teardown(test_domains_get_distinct_id_ranges, destroy_leftovers),
                cmocka_unit_test_teardown(test_stale_id_claim_is_taken_over, destroy_leftovers),
                cmocka_unit_test_teardown(test_template_domain_writes_its_root, destroy_leftovers),
        };

        bh_log_init("test_container_lifecycle");
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
