/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-init: PID 1 of a container domain.
 *
 *   bulkhead-init            keeps the agent (BH_AGENT_DIR/bulkhead-agent)
 *                            running, then runs the template's boot scripts
 *                            (/etc/bulkhead/start.d, init_start.c), and
 *                            reaps every orphan, until SIGTERM
 *   bulkhead-init -- CMD...  runs CMD as the domain's only job and exits
 *                            with its status (tests, benchmarks, one-shot
 *                            disposables)
 *
 * On SIGTERM (also SIGINT: ctrl-alt-del in a pid namespace; SIGPWR) it sends
 * SIGTERM to every process, waits up to STOP_TIMEOUT_MS for them to go,
 * SIGKILLs the rest and exits: 0 in agent mode, the job's status in job mode.
 * Outside a pid namespace (pid != 1) it acts as a child subreaper and only
 * ever signals its own children (those it adopted too) and their process
 * groups, so running it by hand is safe.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "init_start.h"
#include "util.h"

/* The agents init keeps running: the exec and qrexec agent always, the GUI
 * agent when dom0 shows this domain's windows (BULKHEAD_GUI=1 in init's
 * environment, set by bulkheadd). */
static struct agent {
        const char *path;
        bool wanted;
        pid_t pid;
        int64_t started, next; /* ms, monotonic; next 0: none due */
        int64_t backoff;
        bool missing_logged;
} agents[] = {
        { .path = BH_AGENT_DIR "/bulkhead-agent", .wanted = true },
        { .path = BH_AGENT_DIR "/bulkhead-gui-agent" },
};
#define N_AGENTS (sizeof(agents) / sizeof(agents[0]))

/* Programs get this long between SIGTERM and SIGKILL at shutdown: enough
 * for an editor to save or a browser to write its session, short enough
 * that stopping a domain never feels hung. */
#define STOP_TIMEOUT_MS 3000
/* Agent restarts back off from 100 ms to 10 s, so a crashing agent costs
 * little, and a fixed agent (dom0 updated the agent dir) is picked up soon.
 * An agent that ran 10 s counts as healthy and resets the back-off. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define AGENT_STABLE_MS 10000

static struct {
        bool pid1;
        char **job;        /* job mode: the command */
        pid_t job_pid;
        pid_t start_pid;   /* agent mode: the process running start.d */
        int job_status;    /* exit code, or 128 + signal */
        bool job_done;
        bool stopping, killed;
        int64_t stop_deadline;
} st;

/* fork + exec with default signal state in a session of its own. */
static pid_t spawn(char *const *argv, bool agent)
{
        pid_t pid = fork();
        sigset_t none;

        if (pid != 0)
                return pid;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        if (agent) {
                /* Defaults, a container's: its channel directory.  Whoever
                 * started init may have said otherwise (bulkhead-xen-init:
                 * the xen transport). */
                setenv("BULKHEAD_VCHAN_DIR", BH_DOMAIN_VCHAN_DIR, 0);
                setenv("BULKHEAD_TRANSPORT", "socket", 0);
                execv(argv[0], argv);
        } else {
                execvp(argv[0], argv);
        }
        int e = errno;
        bh_log_errno(-e, "exec %s", argv[0]);
        _exit(e == ENOENT ? 127 : 126);
}

static void agent_start(struct agent *a)
{
        char *argv[] = { (char *)a->path, NULL };

        a->next = 0;
        if (access(a->path, X_OK) < 0) {
                /* Tests and bare domains have none; look again now and then
                 * in case dom0 installs one. */
                if (!a->missing_logged)
                        bh_log_errno(-errno, "no agent at %s, running without one", a->path);
                a->missing_logged = true;
                a->next = bh_now_ms() + BACKOFF_MAX_MS;
                return;
        }
        a->missing_logged = false;
        /* With a GUI, what the exec agent runs finds the domain's own X
         * server (the GUI agent starts it on :0). */
        if (a == &agents[0] && agents[1].wanted)
                setenv("DISPLAY", ":0", 1);
        a->pid = spawn(argv, true);
        if (a == &agents[0])
                unsetenv("DISPLAY");
        if (a->pid < 0) {
                bh_log_errno(-errno, "fork for %s", a->path);
                a->pid = 0;
                a->next = bh_now_ms() + a->backoff;
                return;
        }
        a->started = bh_now_ms();
}

static void agent_died(struct agent *a, int status)
{
        int64_t t = bh_now_ms();

        a->pid = 0;
        if (st.stopping)
                return;
        if (t - a->started >= AGENT_STABLE_MS)
                a->backoff = BACKOFF_MIN_MS;
        if (WIFSIGNALED(status))
                bh_log_error("%s killed by signal %d, restarting in %lld ms", a->path, WTERMSIG(status),
                             (long long)a->backoff);
        else
                bh_log_error("%s exited with status %d, restarting in %lld ms", a->path,
                             WEXITSTATUS(status), (long long)a->backoff);
        a->next = t + a->backoff;
        a->backoff = a->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : a->backoff * 2;
}

/* Outside a pid namespace, the orphans we adopted as a subreaper (a boot
 * script's daemon that left its session) are our children too, but in no
 * process group we know: signal each child by pid. */
static void signal_children(int sig)
{
        char path[64];
        FILE *f;
        int pid;

        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
        f = fopen(path, "re");
        if (!f)
                return; /* kernel without CONFIG_PROC_CHILDREN */
        while (fscanf(f, "%d", &pid) == 1)
                if (pid > 1)
                        kill(pid, sig);
        fclose(f);
}

static void signal_all(int sig)
{
        if (st.pid1) {
                /* Everything in the namespace but us. */
                kill(-1, sig);
                return;
        }
        if (st.job_pid > 0 && !st.job_done)
                kill(-st.job_pid, sig);
        if (st.start_pid > 0)
                kill(-st.start_pid, sig);
        for (size_t i = 0; i < N_AGENTS; i++)
                if (agents[i].pid > 0)
                        kill(-agents[i].pid, sig);
        signal_children(sig);
}

static void begin_stop(void)
{
        if (st.stopping)
                return;
        st.stopping = true;
        for (size_t i = 0; i < N_AGENTS; i++)
                agents[i].next = 0;
        st.stop_deadline = bh_now_ms() + STOP_TIMEOUT_MS;
        signal_all(SIGTERM);
        /* A stopped process would sit on its SIGTERM until the deadline. */
        signal_all(SIGCONT);
}

/* Reaps what has exited; returns true once no child is left. */
static bool reap(void)
{
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);

                if (pid < 0)
                        return errno == ECHILD;
                if (pid == 0)
                        return false;
                if (pid == st.start_pid) {
                        st.start_pid = 0; /* it logged each script itself */
                } else if (pid == st.job_pid && !st.job_done) {
                        st.job_done = true;
                        st.job_status = WIFEXITED(status) ? WEXITSTATUS(status)
                                                          : 128 + WTERMSIG(status);
                } else {
                        for (size_t i = 0; i < N_AGENTS; i++)
                                if (pid == agents[i].pid)
                                        agent_died(&agents[i], status);
                }
        }
}

static int usage(void)
{
        fprintf(stderr, "usage: bulkhead-init [-- COMMAND [ARG...]]\n");
        return 2;
}

int main(int argc, char **argv)
{
        sigset_t mask;
        int sfd;

        bh_log_init("bulkhead-init");
        if (argc > 1) {
                if (strcmp(argv[1], "--") != 0 || argc < 3)
                        return usage();
                st.job = argv + 2;
        }
        st.pid1 = getpid() == 1;
        agents[1].wanted = getenv("BULKHEAD_GUI") && strcmp(getenv("BULKHEAD_GUI"), "1") == 0;
        for (size_t i = 0; i < N_AGENTS; i++)
                agents[i].backoff = BACKOFF_MIN_MS;
        /* The container backend kills a domain whose start did not finish
         * when bulkheadd dies; once running, a domain outlives bulkheadd
         * (a restarted one attaches to it). */
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        if (!st.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                bh_log_errno(-errno, "subreaper");

        /* Blocked signals reach PID 1 even from outside its namespace (a
         * handler-less PID 1 would drop them); signalfd reads them in order.
         * The container backend execs us with this set blocked already, so
         * a SIGTERM sent before this line is kept too. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGPWR);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return bh_log_errno(-errno, "signal mask"), 1;
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return bh_log_errno(-errno, "signalfd"), 1;

        /* The user's home on the private volume (HOME, set by the backend);
         * a one-job domain (tests, benchmarks) gets /home exactly as given. */
        if (st.pid1 && !st.job && mkdir("/home/user", 0700) < 0 && errno != EEXIST)
                bh_log_errno(-errno, "mkdir /home/user");
        if (st.job) {
                st.job_pid = spawn(st.job, false);
                if (st.job_pid < 0)
                        return bh_log_errno(-errno, "fork"), 1;
        } else {
                for (size_t i = 0; i < N_AGENTS; i++)
                        if (agents[i].wanted)
                                agent_start(&agents[i]);
                /* After the agents, so that dom0 reaches the domain however
                 * long the scripts take. */
                st.start_pid = bh_init_start_scripts(BH_START_DIR, BH_START_SCRIPT_TIMEOUT_MS);
                if (st.start_pid < 0) {
                        bh_log_errno(st.start_pid, "start: %s", BH_START_DIR);
                        st.start_pid = 0;
                }
        }

        for (;;) {
                int64_t t = bh_now_ms(), wait = -1;
                struct signalfd_siginfo si;
                struct pollfd p = { .fd = sfd, .events = POLLIN };

                if (st.stopping)
                        wait = st.killed ? -1 : (st.stop_deadline > t ? st.stop_deadline - t : 0);
                else
                        for (size_t i = 0; i < N_AGENTS; i++)
                                if (agents[i].next) {
                                        int64_t w = agents[i].next > t ? agents[i].next - t : 0;
                                        wait = wait < 0 || w < wait ? w : wait;
                                }
                if (poll(&p, 1, wait > INT32_MAX ? INT32_MAX : (int)wait) < 0 && errno != EINTR)
                        return bh_log_errno(-errno, "poll"), 1;

                while (read(sfd, &si, sizeof(si)) == sizeof(si))
                        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
                            si.ssi_signo == SIGPWR)
                                begin_stop();
                bool none_left = reap();

                if (st.job && st.job_done)
                        begin_stop();
                t = bh_now_ms();
                if (st.stopping) {
                        if (none_left)
                                return st.job ? st.job_status : 0;
                        if (!st.killed && t >= st.stop_deadline) {
                                bh_log_error("processes left %d ms after SIGTERM, killing them",
                                             STOP_TIMEOUT_MS);
                                signal_all(SIGKILL);
                                st.killed = true;
                        }
                } else {
                        for (size_t i = 0; i < N_AGENTS; i++)
                                if (agents[i].next && t >= agents[i].next)
                                        agent_start(&agents[i]);
                }
        }
}
