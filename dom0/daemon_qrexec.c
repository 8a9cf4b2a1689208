/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkheadd starts qrexec's dom0 processes: the policy daemon once, and one
 * qrexec-daemon per running domain (docs/qrexec-protocol.md).  They are its
 * children and die with it (PR_SET_PDEATHSIG); a restarted bulkheadd starts
 * them again for the domains it adopts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

extern char **environ;

/*
 * A plain fork, not posix_spawn: glibc's posix_spawn runs the child in the
 * parent's memory (CLONE_VM) until it execs, and with the Xen backend
 * bulkheadd has other threads (libxenstore's watch readers) running in that
 * memory meanwhile; under the sanitizers such children died at times
 * before their exec.  The child only resets its signal mask and execs.
 */
pid_t daemon_spawn(char *const argv[])
{
        sigset_t none;
        pid_t pid;

        sigemptyset(&none);
        pid = fork();
        if (pid < 0) {
                bh_log_errno(-errno, "starting %s", argv[0]);
                return 0;
        }
        if (pid == 0) {
                sigprocmask(SIG_SETMASK, &none, NULL);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

void daemon_stop_child(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                ;
        *pid = 0;
}

void qrexec_start_policy(struct daemon *dm)
{
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (asprintf(&path, "%s/qrexec-policy", dm->qrexec_dir) < 0)
                return;
        if (stat(path, &st) < 0) {
                bh_log_info("no %s: every qrexec call between domains is refused", path);
                return;
        }
        char *argv[] = { path, NULL };
        dm->policy_pid = daemon_spawn(argv);
}

void qrexec_stop_policy(struct daemon *dm)
{
        daemon_stop_child(&dm->policy_pid);
}

void qrexec_start(struct daemon *dm, struct dom_rt *r)
{
        _cleanup_free_ char *path = NULL, *vchan = NULL, *audit = NULL;
        char domid[16];

        if (r->qrexec_pid > 0 || r->d.klass == BH_CLASS_TEMPLATE)
                return;
        vchan = path_vchan(dm, r->d.name);
        if (asprintf(&path, "%s/qrexec-daemon", dm->qrexec_dir) < 0 || !vchan ||
            asprintf(&audit, "%s/qrexec-audit.log", dm->state_dir) < 0)
                return;
        snprintf(domid, sizeof(domid), "%d", r->inst.domid > 0 ? r->inst.domid : 0);
        char *argv[] = { path, "--transport", (char *)bh_vchan_transport_to_string(dm->backend->transport),
                         "--vchan-dir", vchan, "--domid", domid, "--audit-log", audit, r->d.name, NULL };
        r->qrexec_pid = daemon_spawn(argv);
}

void qrexec_stop(struct daemon *dm, struct dom_rt *r)
{
        (void)dm;
        daemon_stop_child(&r->qrexec_pid);
}
