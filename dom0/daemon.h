/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkheadd's state, shared by its files (bulkheadd.c, daemon_*.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "api_proto.h"
#include "backend.h"
#include "domain.h"
#include "registry.h"
#include "xen_plan.h"

/* The port the agent in every domain serves commands on (exec protocol). */
#define BH_AGENT_PORT 512

struct dom_rt {
        struct bh_domain d;
        struct bh_instance inst;
        bool live;          /* inst describes a running or paused domain */
        bool warming;       /* preloaded, waiting for its agent before pausing */
        int64_t warm_since_ms; /* monotonic: when it started warming */
        bool pooled;        /* preloaded, paused, nobody's yet */
        bool stopping;      /* shutdown or kill requested: its death is no surprise */
        /* The backend's start or destroy runs in the background (op), for
         * the disposable pool's starts and disposables' destroys: bulkheadd
         * serves requests meanwhile.  Neither is live.  A starting domain
         * counts toward its pool and is nobody's; a reaping one is hidden
         * from the API but keeps its name and record until its destroy
         * ends, so that a bulkheadd killed meanwhile destroys it at restart. */
        bool starting;
        bool reaping;
        struct bh_op op;
        uint64_t owner;     /* disposable: the API client it lives for; 0 none */
        pid_t qrexec_pid;   /* its qrexec-daemon; 0 none */
        pid_t guid_pid;     /* its bulkhead-guid; 0 none */
        struct dom_rt *next;
};

struct client {
        int fd;
        uint64_t id;
        bool events;
        /* Hung up: closed once its disposables' destroys have ended, which
         * its CLI waits for (run_client.c). */
        bool gone;
        struct client *next;
};

struct daemon {
        char *state_dir;
        char *runtime_dir;
        char *agent_dir;
        char *qrexec_dir;   /* qrexec-daemon and qrexec-policy */
        pid_t policy_pid;
        bool gui;           /* show domains' windows: start the GUI agent and daemon */
        bool xen_pv;        /* --xen-pv: every Xen domain PV, whatever its virt-mode */
        char *guid_path;
        const struct bh_backend *backend;
        struct bh_registry *reg;
        int listen_fd;
        struct dom_rt *doms;
        struct client *clients;
        uint64_t next_client_id;
        bool quit;
};

/* daemon_paths.c: every path derives from state_dir and runtime_dir. */
char *path_registry_dir(struct daemon *dm);
char *path_template_root(struct daemon *dm, const char *template_name);
char *path_private(struct daemon *dm, const char *name);
char *path_firewall(struct daemon *dm, const char *name);
char *path_private_image(struct daemon *dm, const char *name);
char *path_volatile(struct daemon *dm, const char *name);
char *path_vchan(struct daemon *dm, const char *name);
char *path_console(struct daemon *dm, const char *name);
char *path_socket(const char *runtime_dir);
int mkdir_p(const char *path, mode_t mode);

/* daemon_domains.c */
struct dom_rt *dom_find(struct daemon *dm, const char *name);
int dom_load_all(struct daemon *dm);
int dom_save(struct daemon *dm, struct dom_rt *r);
int dom_create(struct daemon *dm, const struct bh_domain *d, struct dom_rt **ret);
int dom_remove(struct daemon *dm, struct dom_rt *r);
int dom_start(struct daemon *dm, struct dom_rt *r);
/* depth: how many netvms deep this start is (a chain's start is bounded). */
int dom_start_depth(struct daemon *dm, struct dom_rt *r, int depth);
int dom_pause(struct daemon *dm, struct dom_rt *r);
int dom_unpause(struct daemon *dm, struct dom_rt *r);
int dom_shutdown(struct daemon *dm, struct dom_rt *r);
int dom_kill(struct daemon *dm, struct dom_rt *r);
/* The domain died (its death fd fired) or was killed: clean up after it.
 * A live disposable's destroy runs in the background where the backend
 * can (r->reaping; freed when it ends); anything else's at once. */
void dom_reap(struct daemon *dm, struct dom_rt *r);
/* A start or destroy of r in the background. */
bool dom_in_flight(const struct dom_rt *r);
/* Ends the start or destroy in flight of every domain whose op's fd is
 * readable or whose deadline passed. */
void dom_ops_tick(struct daemon *dm);
/* Milliseconds until the earliest such deadline, -1 for none. */
int dom_ops_timeout(struct daemon *dm);
/* Waits for every start and destroy in flight to end (bulkheadd's exit). */
void dom_ops_wait_all(struct daemon *dm);
/* Removes a template's old versions if no domain on it runs. */
void dom_template_prune(struct daemon *dm, const char *tmpl);
int dom_reconcile(struct daemon *dm);
/* What the Xen backend would give libxl for this domain (`bulkhead xl-config`). */
int dom_xen_plan(struct daemon *dm, struct dom_rt *r, struct bh_xen_plan *ret);
/* 0, or -EBUSY and why: a disposable of dvm (FOR_DISPOSABLE) or dvm itself
 * would run beside the other while the backend wants them apart
 * (dvm_private_exclusive).  Preloaded disposables, nobody's yet, do not
 * count: dvm's start gives them back. */
int dom_private_conflict(struct daemon *dm, const struct dom_rt *dvm, bool for_disposable, char *why,
                         size_t len);
int dom_new_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret);
int dom_take_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret);
void dom_pool_tick(struct daemon *dm);
/* Milliseconds until dom_pool_tick wants to run again, -1 for never. */
int dom_pool_timeout(struct daemon *dm);

/* daemon_qrexec.c: qrexec's dom0 processes, started with the domains;
 * and the helpers that start and stop bulkheadd's children. */
pid_t daemon_spawn(char *const argv[]);
void daemon_stop_child(pid_t *pid);
void qrexec_start_policy(struct daemon *dm);
void qrexec_stop_policy(struct daemon *dm);
void qrexec_start(struct daemon *dm, struct dom_rt *r);
void qrexec_stop(struct daemon *dm, struct dom_rt *r);

/* daemon_gui.c: a bulkhead-guid per running domain when gui is on. */
void gui_start(struct daemon *dm, struct dom_rt *r);
void gui_stop(struct daemon *dm, struct dom_rt *r);

/* daemon_net.c: addresses, netvm chains, links and rulesets
 * (docs/networking.md). */
struct bh_firewall;
int net_assign_ip(struct daemon *dm, struct bh_domain *d);
int net_check_netvm(struct daemon *dm, const char *self, const char *netvm, char *err,
                    size_t errlen);
/* 0 unless anon and netvm names a domain that is not a Tor gateway. */
int net_check_anon(struct daemon *dm, bool anon, const char *netvm, char *err, size_t errlen);
/* Before a start: its netvm chain running, an anonymous one's gateway checked. */
int net_before_start(struct daemon *dm, struct dom_rt *r, int depth);
/* After a start: its links, its ruleset if it is a netvm, its clients back. */
int net_started(struct daemon *dm, struct dom_rt *r);
/* What r's start needs of its network (its address assigned if it had
 * none): 1 and *ret filled, 0 if it has none, or -errno. */
int net_spec(struct daemon *dm, struct dom_rt *r, struct bh_start_net *ret);
/* After a client of netvm stopped: the netvm's ruleset without it. */
void net_stopped(struct daemon *dm, const char *netvm);
/* A running domain's netvm changed (from old_netvm). */
int net_replumb(struct daemon *dm, struct dom_rt *r, const char *old_netvm);
int net_reload_rules(struct daemon *dm, struct dom_rt *nv);
int net_firewall_load(struct daemon *dm, const char *name, struct bh_firewall *fw, char *err,
                      size_t errlen);
int net_firewall_save(struct daemon *dm, const char *name, const struct bh_firewall *fw);
void net_firewall_remove(struct daemon *dm, const char *name);
struct client;
void api_firewall(struct daemon *dm, struct client *c, const struct bh_api_msg *req);

/* daemon_api.c */
void api_handle(struct daemon *dm, struct client *c, const struct bh_api_msg *req);
/* The client hung up: its disposables end, and it is freed once they are
 * destroyed (api_client_release). */
void api_client_gone(struct daemon *dm, struct client *c);
/* Closes and frees client id if it hung up and no disposable of its is
 * still being destroyed. */
void api_client_release(struct daemon *dm, uint64_t id);
void api_event(struct daemon *dm, const char *kind, const char *name);
int api_reply(struct client *c, struct bh_api_buf *b);
int api_error(struct client *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
