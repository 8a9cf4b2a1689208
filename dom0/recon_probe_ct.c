/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether our process runs in a container: marker files, PID 1's word,
 * cgroup paths, and namespaces compared with the machine's first ones. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recon_probe.h"
#include "util.h"

#define CT RECON_TOPIC_CONTAINER
#define INFO RECON_TOPIC_INFO

/* Inode numbers of the initial namespaces, fixed by the kernel since 3.8
 * (include/linux/proc_ns.h); a process in one of these shares the
 * machine's first namespace of that kind. */
static const struct {
        const char *type;
        uint64_t init_ino;
        enum recon_strength own; /* strength of "own namespace" as container evidence */
        const char *note;
} namespaces[] = {
        { "pid", 0xeffffffcu, RECON_STRONG, "containers get their own PID namespace" },
        { "user", 0xeffffffdu, RECON_MEDIUM, "rootless containers and sandboxes map users" },
        { "cgroup", 0xeffffffbu, RECON_MEDIUM, "container runtimes give a cgroup namespace" },
        { "uts", 0xeffffffeu, RECON_WEAK, "own hostname (containers, also systemd's ProtectHostname)" },
        { "ipc", 0xefffffffu, RECON_WEAK, "own IPC namespace (containers, also systemd's PrivateIPC)" },
};

static enum recon_env ct_from_name(const char *name)
{
        static const struct {
                const char *name;
                enum recon_env ct;
        } t[] = {
                { "docker", RECON_CT_DOCKER },
                { "podman", RECON_CT_PODMAN },
                { "lxc", RECON_CT_LXC },
                { "lxc-libvirt", RECON_CT_LXC_LIBVIRT },
                { "systemd-nspawn", RECON_CT_NSPAWN },
                { "wsl", RECON_CT_WSL },
                { "proot", RECON_CT_PROOT },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (strcmp(name, t[i].name) == 0)
                        return t[i].ct;
        return RECON_CT_OTHER;
}

static void container_word(struct recon_probe *p, enum recon_source src, const char *key, const char *v)
{
        if (!v[0])
                /* systemd: an empty $container says "not in a container". */
                recon_add(&p->r->ev, src, CT, RECON_STRONG, RECON_BIT(RECON_CT_NONE), key, "(empty)",
                          "the init system says: no container");
        else
                recon_add(&p->r->ev, src, CT, RECON_STRONG, RECON_BIT(ct_from_name(v)), key, v,
                          "the container manager's own word");
}

static void probe_files(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        char v[RECON_VALUE_MAX];

        if (recon_exists(&p->src, ".dockerenv"))
                recon_add(&r->ev, RECON_SRC_CT_FILES, CT, RECON_MEDIUM, RECON_BIT(RECON_CT_DOCKER),
                          "/.dockerenv", "present",
                          "Docker creates it; it also survives in images exported from Docker");
        if (recon_exists(&p->src, ".dockerinit"))
                recon_add(&r->ev, RECON_SRC_CT_FILES, CT, RECON_MEDIUM, RECON_BIT(RECON_CT_DOCKER),
                          "/.dockerinit", "present", "old Docker versions create it");
        if (recon_exists(&p->src, "run/.containerenv"))
                recon_add(&r->ev, RECON_SRC_CT_FILES, CT, RECON_MEDIUM, RECON_BIT(RECON_CT_PODMAN),
                          "/run/.containerenv", "present", "Podman creates it");
        if (recon_exists(&p->src, "proc/vz") && !recon_exists(&p->src, "proc/bc"))
                recon_add(&r->ev, RECON_SRC_CT_FILES, CT, RECON_STRONG, RECON_BIT(RECON_CT_OPENVZ),
                          "/proc/vz", "present without /proc/bc", "an OpenVZ container");
        if (recon_read_line(&p->src, "run/host/container-manager", v, sizeof(v)) == 0 && v[0])
                container_word(p, RECON_SRC_INIT_ENV, "/run/host/container-manager", v);
        if (recon_read_line(&p->src, "run/systemd/container", v, sizeof(v)) == 0)
                container_word(p, RECON_SRC_INIT_ENV, "/run/systemd/container", v);
}

static void probe_pid1(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        _cleanup_free_ char *env = NULL;
        char v[RECON_VALUE_MAX];
        ssize_t n;

        if (recon_read_line(&p->src, "proc/1/comm", v, sizeof(v)) == 0) {
                static const char *const inits[] = { "docker-init", "tini", "dumb-init", "catatonit",
                                                     "conmon" };
                bool ct = false;

                for (size_t i = 0; i < ELEMENTSOF(inits); i++)
                        ct |= strcmp(v, inits[i]) == 0;
                if (ct)
                        recon_add(&r->ev, RECON_SRC_PID1, CT, RECON_WEAK, RECON_CT_ANY, "comm", v,
                                  "an init made for containers");
                else
                        recon_add(&r->ev, RECON_SRC_PID1, INFO, RECON_INFO, 0, "comm", v, NULL);
        }
        if (!p->privileged) {
                recon_root_note(r, "PID 1's $container (/proc/1/environ): container managers set it");
                return;
        }
        n = recon_read(&p->src, "proc/1/environ", RECON_PROC_FILE_MAX, &env, NULL);
        if (n < 0) {
                if (n != -ENOENT)
                        recon_unreadable(p, "/proc/1/environ", (int)n);
                return;
        }
        if (recon_environ_get(env, (size_t)n, "container", v, sizeof(v)))
                container_word(p, RECON_SRC_INIT_ENV, "PID 1 $container", v);
        else
                recon_add(&r->ev, RECON_SRC_INIT_ENV, INFO, RECON_INFO, 0, "PID 1 $container", "unset", NULL);
}

static void probe_namespaces(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        bool pid1_denied = false;

        for (size_t i = 0; i < ELEMENTSOF(namespaces); i++) {
                char path[64], link[64], link1[64], key[32];
                uint64_t ino;
                int e;

                snprintf(path, sizeof(path), "proc/self/ns/%s", namespaces[i].type);
                snprintf(key, sizeof(key), "%s", namespaces[i].type);
                if (recon_readlink(&p->src, path, link, sizeof(link)) < 0 ||
                    recon_parse_ns_link(link, namespaces[i].type, &ino) < 0)
                        continue;
                if (ino == namespaces[i].init_ino) {
                        if (strcmp(namespaces[i].type, "pid") == 0)
                                recon_add(&r->ev, RECON_SRC_NAMESPACES, CT, RECON_STRONG,
                                          RECON_BIT(RECON_CT_NONE), key, link,
                                          "the machine's first PID namespace: not in a container "
                                          "(or one sharing the host's PIDs)");
                        else
                                recon_add(&r->ev, RECON_SRC_NAMESPACES, INFO, RECON_INFO, 0, key, link,
                                          "the machine's first %s namespace", namespaces[i].type);
                } else {
                        recon_add(&r->ev, RECON_SRC_NAMESPACES, CT, namespaces[i].own, RECON_CT_ANY, key,
                                  link, "not the machine's first: %s", namespaces[i].note);
                }
                /* Compared with PID 1's (needs the right to inspect PID 1). */
                snprintf(path, sizeof(path), "proc/1/ns/%s", namespaces[i].type);
                e = recon_readlink(&p->src, path, link1, sizeof(link1));
                if (e == -EACCES || e == -EPERM) {
                        pid1_denied = true;
                } else if (e == 0 && strcmp(link, link1) != 0) {
                        snprintf(key, sizeof(key), "%s vs PID 1", namespaces[i].type);
                        recon_add(&r->ev, RECON_SRC_NAMESPACES, CT, RECON_MEDIUM, RECON_CT_ANY, key, link1,
                                  "PID 1 is in another %s namespace: we run in a sandbox inside "
                                  "this system", namespaces[i].type);
                }
        }
        if (pid1_denied) {
                if (p->privileged)
                        recon_note(r, "PID 1's namespaces (/proc/1/ns) are not readable even as root");
                else
                        recon_root_note(r, "PID 1's namespaces (/proc/1/ns), to compare with ours");
        }
}

static void probe_ids(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        _cleanup_free_ char *map = NULL, *cg = NULL;
        char v[RECON_VALUE_MAX], path[RECON_VALUE_MAX];
        struct recon_idmap m;
        enum recon_env ct;
        bool all_root;

        if (recon_read(&p->src, "proc/self/uid_map", RECON_PROC_FILE_MAX, &map, NULL) >= 0) {
                if (recon_parse_uid_map(map, &m) < 0) {
                        recon_note(r, "/proc/self/uid_map: not in the kernel's format");
                } else if (m.identity) {
                        recon_add(&r->ev, RECON_SRC_UIDMAP, INFO, RECON_INFO, 0, "uid_map",
                                  "0 0 4294967295", "every user ID maps to itself");
                } else {
                        if (m.lines)
                                snprintf(v, sizeof(v), "%llu %llu %llu%s", (unsigned long long)m.inside,
                                         (unsigned long long)m.outside, (unsigned long long)m.count,
                                         m.lines > 1 ? " ..." : "");
                        else
                                snprintf(v, sizeof(v), "(empty)");
                        recon_add(&r->ev, RECON_SRC_UIDMAP, CT, RECON_MEDIUM, RECON_CT_ANY, "uid_map", v,
                                  "user IDs are mapped: a user namespace");
                }
        }
        if (recon_read(&p->src, "proc/self/cgroup", RECON_PROC_FILE_MAX, &cg, NULL) >= 0) {
                if (recon_cgroup_hint(cg, &ct, path, sizeof(path), &all_root))
                        recon_add(&r->ev, RECON_SRC_CGROUP, CT, RECON_MEDIUM, RECON_BIT(ct), "path", path,
                                  "a container runtime's cgroup");
                else if (all_root)
                        recon_add(&r->ev, RECON_SRC_CGROUP, INFO, RECON_INFO, 0, "path", "/",
                                  "the root group, or a cgroup namespace");
                else
                        recon_add(&r->ev, RECON_SRC_CGROUP, INFO, RECON_INFO, 0, "path", path, NULL);
        }
        if (recon_read_line(&p->src, "proc/sys/kernel/osrelease", v, sizeof(v)) == 0) {
                if (strstr(v, "Microsoft") || strstr(v, "WSL"))
                        recon_add(&r->ev, RECON_SRC_OSRELEASE, CT, RECON_STRONG, RECON_BIT(RECON_CT_WSL),
                                  "osrelease", v, "a WSL kernel");
                else
                        recon_add(&r->ev, RECON_SRC_OSRELEASE, INFO, RECON_INFO, 0, "osrelease", v, NULL);
        }
}

void recon_probe_container(struct recon_probe *p)
{
        probe_files(p);
        probe_pid1(p);
        probe_namespaces(p);
        probe_ids(p);
}
