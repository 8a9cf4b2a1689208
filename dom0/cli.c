/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead: the command line, a client of bulkheadd's API (docs/api.md).
 * Names and flags follow Qubes' qvm-* tools where they have an equivalent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_proto.h"
#include "cli.h"
#include "api_client.h"
#include "exec_client.h"
#include "fsutil.h"
#include "net_addr.h"
#include "qrexec_proto.h"
#include "run_client.h"
#include "recon_json.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"
#include "xen_plan.h"


int cli_exit_for(int err)
{
        switch (-err) {
        case ENOENT:
                return EXIT_NO_DOMAIN;
        case EEXIST:
                return EXIT_EXISTS;
        case EBUSY:
        case EALREADY:
        case ENOTCONN:
                return EXIT_STATE;
        case EINVAL:
                return EXIT_USAGE;
        default:
                return EXIT_FAIL;
        }
}

int cli_call(const char *verb, char *const *args, struct bh_api_msg **ret)
{
        _cleanup_close_ int fd = bh_api_connect();
        struct bh_api_buf b;
        struct bh_api_msg *m;
        int r;

        if (fd < 0)
                return EXIT_NO_DAEMON;
        m = malloc(sizeof(*m));
        if (!m)
                return EXIT_FAIL;
        bh_api_buf_init(&b);
        bh_api_add(&b, BH_API_VERSION);
        bh_api_add(&b, verb);
        for (; args && *args; args++)
                bh_api_add(&b, *args);
        r = bh_api_call(fd, &b, m);
        bh_api_buf_free(&b);
        if (r < 0) {
                free(m);
                return cli_exit_for(r);
        }
        if (ret)
                *ret = m;
        else
                cli_reply_free(m);
        return EXIT_OK;
}

void cli_reply_free(struct bh_api_msg *m)
{
        if (!m)
                return;
        bh_api_msg_free(m);
        free(m);
}

/* One request, fields given as a NULL-terminated list; prints nothing on success. */
static int simple(const char *verb, char **args)
{
        return cli_call(verb, args, NULL);
}

static bool wants_help(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        return false;
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return true;
        }
        return false;
}

int cli_usage_error(const char *cmd, const char *msg)
{
        const struct cli_doc *d = cli_doc_find(cmd);

        fprintf(stderr, "bulkhead %s: %s\nusage: bulkhead %s %s\n", cmd, msg, cmd,
                d ? d->usage : "");
        return EXIT_USAGE;
}

/*
 * create --anon NAME: a Tor gateway NAME-gw (provides-network tor, its
 * netvm the given one) and the workstation NAME behind it (anon, its
 * only netvm the gateway), or neither.
 */
static int create_anon(const char *name, const char *ws_template, const char *gw_template,
                       const char *upstream, char **extra, size_t n_extra)
{
        _cleanup_free_ char *gw = NULL, *t_gw = NULL, *t_ws = NULL, *up = NULL, *nv = NULL;
        char *f[24];
        size_t n = 0;
        int r;

        if (asprintf(&gw, "%s-gw", name) < 0 || asprintf(&t_gw, "template=%s", gw_template) < 0 ||
            asprintf(&t_ws, "template=%s", ws_template ? ws_template : "whonix-workstation") < 0 ||
            asprintf(&up, "netvm=%s", upstream ? upstream : "") < 0 ||
            asprintf(&nv, "netvm=%s", gw) < 0)
                return EXIT_FAIL;
        f[n++] = gw;
        f[n++] = t_gw;
        f[n++] = (char *)"provides-network=tor";
        f[n++] = (char *)"label=black";
        if (upstream)
                f[n++] = up;
        f[n] = NULL;
        r = simple("create", f);
        if (r != EXIT_OK)
                return r;
        n = 0;
        f[n++] = (char *)name;
        for (size_t i = 0; i < n_extra && n < ELEMENTSOF(f) - 4; i++)
                /* --template and --netvm were for the pair, not passed on. */
                if (strncmp(extra[i], "template=", 9) != 0 && strncmp(extra[i], "netvm=", 6) != 0)
                        f[n++] = extra[i];
        f[n++] = t_ws;
        f[n++] = nv;
        f[n++] = (char *)"anon=yes";
        f[n] = NULL;
        r = simple("create", f);
        if (r != EXIT_OK) {
                char *rm[] = { gw, NULL };
                simple("remove", rm);
                return r;
        }
        printf("%s: Tor gateway %s, anonymous workstation %s\n", name, gw, name);
        return EXIT_OK;
}

static int cmd_create(int argc, char **argv)
{
        static const struct option opts[] = {
                { "class", required_argument, NULL, 'c' },
                { "template", required_argument, NULL, 't' },
                { "label", required_argument, NULL, 'l' },
                { "netvm", required_argument, NULL, 'n' },
                { "memory", required_argument, NULL, 'm' },
                { "private-size", required_argument, NULL, 's' },
                { "vcpus", required_argument, NULL, 'v' },
                { "provides-network", required_argument, NULL, 'p' },
                { "anon", no_argument, NULL, 'a' },
                { "gateway-template", required_argument, NULL, 'g' },
                {}
        };
        /* The name, each option at most once, and the end. */
        char *fields[1 + ELEMENTSOF(opts) + 1];
        size_t nf = 0;
        const char *gw_template = "whonix-gateway", *template = NULL, *netvm = NULL;
        bool anon = false, seen[128] = { false };
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                const char *key = NULL;

                if (c > 0 && c < (int)ELEMENTSOF(seen) && c != '?') {
                        if (seen[c]) {
                                char msg[64] = "an option given twice";

                                for (size_t i = 0; opts[i].name; i++)
                                        if (opts[i].val == c)
                                                snprintf(msg, sizeof(msg), "--%s given twice", opts[i].name);
                                for (size_t i = 0; i < nf; i++)
                                        free(fields[1 + i]);
                                return cli_usage_error("create", msg);
                        }
                        seen[c] = true;
                }
                switch (c) {
                case 'c': key = "class"; break;
                case 't': key = "template"; break;
                case 'l': key = "label"; break;
                case 'n': key = "netvm"; break;
                case 'm': key = "memory"; break;
                case 's': key = "private-size"; break;
                case 'v': key = "vcpus"; break;
                case 'p': key = "provides-network"; break;
                case 'a': anon = true; continue;
                case 'g': gw_template = optarg; continue;
                default: return cli_usage_error("create", "unknown option");
                }
                if (c == 't')
                        template = optarg;
                if (c == 'n')
                        netvm = optarg;
                if (asprintf(&fields[1 + nf++], "%s=%s", key, optarg) < 0)
                        return EXIT_FAIL;
        }
        if (optind + 1 != argc)
                return cli_usage_error("create", "give exactly one domain name");
        if (anon) {
                r = create_anon(argv[optind], template, gw_template, netvm, fields + 1, nf);
                for (size_t i = 0; i < nf; i++)
                        free(fields[1 + i]);
                return r;
        }
        fields[0] = argv[optind];
        fields[1 + nf] = NULL;
        r = simple("create", fields);
        for (size_t i = 0; i < nf; i++)
                free(fields[1 + i]);
        return r;
}

static int cmd_on_domain(const char *verb, int argc, char **argv, int nargs)
{
        if (argc - 1 != nargs)
                return cli_usage_error(argv[0], nargs == 1 ? "give one domain name" : "wrong number of arguments");
        return simple(verb, argv + 1);
}

static int fetch_domains(const char *only, struct bh_domain **ret, size_t *n)
{
        _cleanup_close_ int fd = bh_api_connect();
        struct bh_api_buf b;
        struct bh_api_msg *m;
        struct bh_domain *ds;
        int r;

        if (fd < 0)
                return -ECONNREFUSED;
        m = malloc(sizeof(*m));
        if (!m)
                return -ENOMEM;
        bh_api_buf_init(&b);
        bh_api_add(&b, BH_API_VERSION);
        bh_api_add(&b, "list");
        if (only)
                bh_api_add(&b, only);
        r = bh_api_call(fd, &b, m);
        bh_api_buf_free(&b);
        if (r < 0) {
                free(m);
                return r;
        }
        ds = calloc(m->n, sizeof(*ds));
        *n = 0;
        for (size_t i = 1; ds && i < m->n; i++) {
                char err[BH_REGISTRY_ERR_MAX];
                if (bh_domain_parse(m->f[i], strlen(m->f[i]), "bulkheadd reply", &ds[*n], err,
                                    sizeof(err)) < 0) {
                        fprintf(stderr, "bulkhead: %s\n", err);
                        continue;
                }
                (*n)++;
        }
        bh_api_msg_free(m);
        free(m);
        if (!ds)
                return -ENOMEM;
        *ret = ds;
        return 0;
}

static void print_json(const struct bh_domain *ds, size_t n)
{
        struct json_writer w;

        json_init(&w, stdout);
        json_begin_array(&w, NULL);
        for (size_t i = 0; i < n; i++) {
                const struct bh_domain *d = &ds[i];
                json_begin_object(&w, NULL);
                json_string(&w, "name", d->name);
                json_string(&w, "class", bh_class_to_string(d->klass));
                json_string(&w, "state", bh_state_to_string(d->state));
                json_string(&w, "label", bh_label_to_string(d->label));
                json_string(&w, "template", d->template_name[0] ? d->template_name : NULL);
                json_string(&w, "netvm", d->netvm[0] ? d->netvm : NULL);
                {
                        char ip[BH_IP_STR_MAX];
                        json_string(&w, "ip", d->ip ? bh_ip_format(d->ip, ip) : NULL);
                }
                json_string(&w, "provides_network", bh_netmode_to_string(d->provides_network));
                json_bool(&w, "anon", d->anon);
                json_string(&w, "tags", d->tags);
                json_string(&w, "default_dispvm", d->default_dispvm[0] ? d->default_dispvm : NULL);
                json_bool(&w, "allow_fullscreen", d->allow_fullscreen);
                json_uint(&w, "memory_mib", d->memory_mib);
                json_uint(&w, "private_mib", d->private_mib);
                json_string(&w, "virt_mode", bh_virt_mode_to_string(d->virt_mode));
                json_uint(&w, "vcpus", d->vcpus);
                json_string(&w, "backend", d->backend);
                json_uint(&w, "preload", d->preload);
                json_int(&w, "created", d->created);
                json_int(&w, "started", d->started);
                if (d->pid > 0)
                        json_int(&w, "pid", d->pid);
                else
                        json_null(&w, "pid");
                json_end_object(&w);
        }
        json_end_array(&w);
        json_end(&w);
}

static int cmd_ls(int argc, char **argv)
{
        _cleanup_free_ struct bh_domain *ds = NULL;
        bool json = false;
        const char *only = NULL;
        size_t n = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (argv[i][0] == '-')
                        return cli_usage_error("ls", "unknown option");
                else if (!only)
                        only = argv[i];
                else
                        return cli_usage_error("ls", "give at most one domain name");
        }
        r = fetch_domains(only, &ds, &n);
        if (r == -ECONNREFUSED)
                return EXIT_NO_DAEMON;
        if (r < 0)
                return cli_exit_for(r);
        if (only && n == 0) {
                fprintf(stderr, "bulkhead: no domain named '%s'\n", only);
                return EXIT_NO_DOMAIN;
        }
        if (json) {
                print_json(ds, n);
                return EXIT_OK;
        }
        printf("%-16s %-16s %-8s %-7s %-16s %-10s %s\n", "NAME", "CLASS", "STATE", "LABEL",
               "TEMPLATE", "NETVM", "MEMORY");
        for (size_t i = 0; i < n; i++)
                printf("%-16s %-16s %-8s %-7s %-16s %-10s %u\n", ds[i].name,
                       bh_class_to_string(ds[i].klass), bh_state_to_string(ds[i].state),
                       bh_label_to_string(ds[i].label),
                       ds[i].template_name[0] ? ds[i].template_name : "-",
                       ds[i].netvm[0] ? ds[i].netvm : "-", ds[i].memory_mib);
        return EXIT_OK;
}

static int cmd_prefs(int argc, char **argv)
{
        _cleanup_free_ struct bh_domain *ds = NULL;
        size_t n = 0;
        int r;

        if (argc == 4)
                return simple("prefs", argv + 1);
        if (argc != 2 && argc != 3)
                return cli_usage_error("prefs", "wrong number of arguments");
        r = fetch_domains(argv[1], &ds, &n);
        if (r == -ECONNREFUSED)
                return EXIT_NO_DAEMON;
        if (r < 0)
                return cli_exit_for(r);
        if (n == 0) {
                fprintf(stderr, "bulkhead: no domain named '%s'\n", argv[1]);
                return EXIT_NO_DOMAIN;
        }
        {
                const struct bh_domain *d = &ds[0];
                char mem[16], priv[16], cpus[16], pre[16], ip[BH_IP_STR_MAX], ugw[BH_IP_STR_MAX],
                        udns[BH_IP_STR_MAX], uaddr[BH_IP_STR_MAX + 4] = "";

                if (d->uplink_addr)
                        snprintf(uaddr, sizeof(uaddr), "%s/%u", bh_ip_format(d->uplink_addr, ip),
                                 d->uplink_prefix);
                const struct { const char *k, *v; } kv[] = {
                        { "class", bh_class_to_string(d->klass) },
                        { "label", bh_label_to_string(d->label) },
                        { "template", d->template_name },
                        { "netvm", d->netvm },
                        { "tags", d->tags },
                        { "default-dispvm", d->default_dispvm },
                        { "allow-fullscreen", d->allow_fullscreen ? "yes" : "no" },
                        { "memory", (snprintf(mem, sizeof(mem), "%u", d->memory_mib), mem) },
                        { "private-size", (snprintf(priv, sizeof(priv), "%u", d->private_mib), priv) },
                        { "virt-mode", bh_virt_mode_to_string(d->virt_mode) },
                        { "vcpus", (snprintf(cpus, sizeof(cpus), "%u", d->vcpus), cpus) },
                        { "preload", (snprintf(pre, sizeof(pre), "%u", d->preload), pre) },
                        { "ip", d->ip ? bh_ip_format(d->ip, ip) : "" },
                        { "provides-network", bh_netmode_to_string(d->provides_network) },
                        { "uplink", d->uplink },
                        { "uplink-address", uaddr },
                        { "uplink-gateway", d->uplink_gw ? bh_ip_format(d->uplink_gw, ugw) : "" },
                        { "uplink-dns", d->uplink_dns ? bh_ip_format(d->uplink_dns, udns) : "" },
                        { "anon", d->anon ? "yes" : "no" },
                        { "backend", d->backend },
                        { "state", bh_state_to_string(d->state) },
                };
                for (size_t i = 0; i < ELEMENTSOF(kv); i++) {
                        if (argc == 3 && strcmp(argv[2], kv[i].k) != 0)
                                continue;
                        if (argc == 3) {
                                printf("%s\n", kv[i].v);
                                return EXIT_OK;
                        }
                        printf("%-16s %s\n", kv[i].k, kv[i].v[0] ? kv[i].v : "-");
                }
                if (argc == 3) {
                        fprintf(stderr, "bulkhead: unknown preference '%s'\n", argv[2]);
                        return EXIT_USAGE;
                }
        }
        return EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
        struct bh_run_target t = { .announce = true };
        struct bh_exec_service svc = { .source = "dom0" };
        struct bh_exec_request req = { 0 };
        const char *service = NULL;
        int i, r;

        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                } else if (strcmp(argv[i], "--disposable") == 0) {
                        t.disposable = true;
                } else if (strcmp(argv[i], "--template") == 0 && i + 1 < argc) {
                        t.dvm = argv[++i];
                } else if (strncmp(argv[i], "--template=", 11) == 0) {
                        t.dvm = argv[i] + 11;
                } else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc) {
                        service = argv[++i];
                } else {
                        return cli_usage_error("run", "unknown option");
                }
        }
        if (!t.disposable) {
                if (t.dvm)
                        return cli_usage_error("run", "--template goes with --disposable");
                if (i >= argc)
                        return cli_usage_error("run", "give a domain name");
                t.name = argv[i++];
        }
        if (service) {
                if (i < argc)
                        return cli_usage_error("run", "--service takes no command");
                if (bh_qrexec_split_service(service, svc.service, svc.arg) < 0)
                        return cli_usage_error("run", "--service SERVICE[+ARG]: a malformed name");
                req.service = &svc;
        } else {
                if (i >= argc)
                        return cli_usage_error("run", "give a command");
                req.argv = argv + i;
        }
        r = bh_run_in_domain(&t, &req);
        if (r == -EHOSTDOWN)
                return EXIT_NO_DAEMON;
        return r < 0 ? cli_exit_for(r) : r;
}

/* One request on an open connection; the reply's fields stay in *m. */
static int call_on(int fd, struct bh_api_msg *m, const char *verb, const char *a1, const char *a2)
{
        struct bh_api_buf b;
        int r;

        bh_api_buf_init(&b);
        bh_api_add(&b, BH_API_VERSION);
        bh_api_add(&b, verb);
        bh_api_add(&b, a1);
        if (a2)
                bh_api_add(&b, a2);
        r = bh_api_call(fd, &b, m);
        bh_api_buf_free(&b);
        return r;
}

/*
 * templates/debian/build makes the root from the recipe templates/KIND
 * (debian, whonix-gateway, ...), with its progress on this terminal, into a
 * staging directory bulkheadd hands out; bulkheadd makes it current.  With
 * --xen it also writes the Xen form there (xen/vmlinuz, xen/initrd.img,
 * xen/root.img), so the one version serves both backends.
 */
static int build_image_template(const char *name, const char *kind, bool xen)
{
        const char *tdir = getenv("BULKHEAD_TEMPLATES_DIR"), *adir = getenv("BULKHEAD_AGENT_DIR");
        _cleanup_free_ char *script = NULL, *agents = NULL, *version = NULL, *stage = NULL;
        _cleanup_free_ char *recipe = NULL, *packages = NULL;
        _cleanup_close_ int fd = bh_api_connect();
        struct bh_api_msg *m;
        pid_t pid;
        int r, status;

        if (fd < 0)
                return EXIT_NO_DAEMON;
        if (strcmp(name, kind) != 0) {
                fprintf(stderr, "bulkhead: a %s template is named '%s'\n", kind, kind);
                return EXIT_USAGE;
        }
        if (!tdir)
                tdir = BH_TEMPLATES_DIR;
        if (asprintf(&script, "%s/debian/build", tdir) < 0 || asprintf(&recipe, "%s/%s", tdir, kind) < 0 ||
            asprintf(&packages, "%s/packages", recipe) < 0 ||
            !(agents = strdup(adir ? adir : BH_PKGLIBEXECDIR)))
                return EXIT_FAIL;
        if (access(packages, R_OK) < 0) {
                fprintf(stderr, "bulkhead: no template recipe %s (%s: %s)\n", kind, packages,
                        strerror(errno));
                return EXIT_USAGE;
        }
        /* The script wants the directory that holds agent/. */
        if (strrchr(agents, '/'))
                *strrchr(agents, '/') = '\0';
        m = malloc(sizeof(*m));
        if (!m)
                return EXIT_FAIL;
        r = call_on(fd, m, "template-stage", name, NULL);
        if (r < 0) {
                free(m);
                return cli_exit_for(r);
        }
        stage = strdup(bh_api_get(m, 1, "dir") ? bh_api_get(m, 1, "dir") : "");
        version = strdup(bh_api_get(m, 1, "version") ? bh_api_get(m, 1, "version") : "");
        bh_api_msg_free(m);
        if (!stage || !version || !stage[0] || !version[0]) {
                free(m);
                fprintf(stderr, "bulkhead: incomplete reply from bulkheadd\n");
                return EXIT_FAIL;
        }
        fprintf(stderr, "bulkhead: building template %s with %s\n", name, script);
        pid = fork();
        if (pid < 0) {
                free(m);
                return EXIT_FAIL;
        }
        if (pid == 0) {
                execl(script, script, "--recipe", recipe, "--build-dir", agents, "--out", stage,
                      xen ? "--xen" : (char *)NULL, (char *)NULL);
                fprintf(stderr, "bulkhead: cannot run %s: %s\n", script, strerror(errno));
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                /* The staging directory goes with the next stage request. */
                fprintf(stderr, "bulkhead: template %s: build failed; the current version is unchanged\n",
                        name);
                free(m);
                return EXIT_FAIL;
        }
        r = call_on(fd, m, "template-commit", name, version);
        if (r == 0)
                bh_api_msg_free(m);
        free(m);
        if (r < 0)
                return cli_exit_for(r);
        fprintf(stderr, "bulkhead: template %s version %s is current\n", name, version);
        return EXIT_OK;
}

static bool all_zero(const char *b, size_t n)
{
        return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

/* Copies FROM to the new file TO (which must not exist) with MODE, fsynced.
 * Blocks of zeros become holes, so a sparse filesystem image stays sparse. */
static int copy_file(const char *from, const char *to, mode_t mode)
{
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        char buf[1 << 16];
        off_t size = 0;
        ssize_t n;

        if (in < 0)
                return -errno;
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (out < 0)
                return -errno;
        while ((n = read(in, buf, sizeof(buf))) > 0) {
                size += n;
                if (all_zero(buf, (size_t)n)) {
                        if (lseek(out, n, SEEK_CUR) < 0)
                                return -errno;
                        continue;
                }
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, buf + done, (size_t)(n - done));
                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        done += w;
                }
        }
        if (n < 0 || ftruncate(out, size) < 0 || fsync(out) < 0)
                return -errno;
        return 0;
}

/*
 * A template's Xen form from files the user has: bulkheadd hands out a
 * staging version, the kernel, the initramfs and the root image (if any)
 * are copied in beside an empty root/, and bulkheadd makes it current; a
 * failure leaves the current version as it was.  The root image is made
 * read-only (0444): every domain of the version shares it, and none may
 * write it.
 */
static int install_xen_template(const char *name, const char *kernel, const char *ramdisk,
                                const char *root_image)
{
        _cleanup_close_ int fd = bh_api_connect();
        _cleanup_free_ struct bh_api_msg *m = malloc(sizeof(*m));
        _cleanup_free_ char *stage = NULL, *version = NULL, *path = NULL;
        _cleanup_close_ int sfd = -1;
        struct bh_template_conf conf = { .kind = BH_TEMPLATE_IMAGE, .created = time(NULL) };
        char text[1024], err[256] = "";
        size_t len;
        const char *step;
        int r;

        if (fd < 0)
                return EXIT_NO_DAEMON;
        if (!m)
                return EXIT_FAIL;
        for (const char *const *f = (const char *const[]){ kernel, ramdisk, root_image, NULL }; *f; f++)
                if (access(*f, R_OK) < 0) {
                        fprintf(stderr, "bulkhead: template %s: cannot read %s: %s\n", name, *f,
                                strerror(errno));
                        return EXIT_USAGE;
                }
        r = call_on(fd, m, "template-stage", name, NULL);
        if (r < 0)
                return cli_exit_for(r);
        stage = strdup(bh_api_get(m, 1, "dir") ? bh_api_get(m, 1, "dir") : "");
        version = strdup(bh_api_get(m, 1, "version") ? bh_api_get(m, 1, "version") : "");
        bh_api_msg_free(m);
        if (!stage || !version || !stage[0] || !version[0]) {
                fprintf(stderr, "bulkhead: incomplete reply from bulkheadd\n");
                return EXIT_FAIL;
        }
        step = "root/";
        if (asprintf(&path, "%s/root", stage) < 0 || mkdir(path, 0755) < 0)
                goto fail;
        free(TAKE_PTR(path));
        step = "xen/";
        if (asprintf(&path, "%s/xen", stage) < 0 || mkdir(path, 0755) < 0)
                goto fail;
        free(TAKE_PTR(path));
        step = kernel;
        if (asprintf(&path, "%s/%s", stage, BH_XEN_KERNEL_FILE) < 0 || (r = copy_file(kernel, path, 0644)) < 0)
                goto fail_r;
        free(TAKE_PTR(path));
        step = ramdisk;
        if (asprintf(&path, "%s/%s", stage, BH_XEN_RAMDISK_FILE) < 0 || (r = copy_file(ramdisk, path, 0644)) < 0)
                goto fail_r;
        free(TAKE_PTR(path));
        step = root_image;
        if (root_image && (asprintf(&path, "%s/%s", stage, BH_XEN_ROOT_IMAGE_FILE) < 0 ||
                           (r = copy_file(root_image, path, 0444)) < 0))
                goto fail_r;
        free(TAKE_PTR(path));
        /* The same writer and checks as every other template.conf. */
        step = "template.conf";
        snprintf(conf.name, sizeof(conf.name), "%s", name);
        if ((r = bh_template_conf_format(&conf, text, sizeof(text), &len, err, sizeof(err))) < 0) {
                fprintf(stderr, "bulkhead: template %s: %s\n", name, err);
                return EXIT_USAGE;
        }
        sfd = open(stage, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0)
                goto fail;
        if ((r = bh_write_file_atomic_at(sfd, "template.conf", text, len, 0644)) < 0)
                goto fail_r;
        r = call_on(fd, m, "template-commit", name, version);
        if (r < 0)
                return cli_exit_for(r);
        bh_api_msg_free(m);
        fprintf(stderr, "bulkhead: template %s version %s is current\n", name, version);
        return EXIT_OK;

fail:
        r = -errno;
fail_r:
        /* The staging directory goes with the next stage request. */
        fprintf(stderr, "bulkhead: template %s: install failed at %s: %s; the current version is unchanged\n",
                name, step, strerror(-r));
        return EXIT_FAIL;
}

static int parse_disk(const char *s, void *ret)
{
        return bh_xen_disk_parse(s, ret);
}

static int parse_nic(const char *s, void *ret)
{
        return bh_xen_nic_parse(s, ret);
}

static int parse_net_key(const char *s, void *ret)
{
        return bh_xen_net_key_parse(s, ret);
}

/* The reply's PREFIX0, PREFIX1, ... lines, each parsed into the next of
 * the max elements of size elem at arr; -EINVAL (said) on a bad one. */
static int xl_lines(const struct bh_api_msg *m, const char *prefix, unsigned max, const char *what,
                    int (*parse)(const char *, void *), void *arr, size_t elem, unsigned *count)
{
        const char *v;

        for (unsigned i = 0; i < max; i++) {
                char key[24];

                snprintf(key, sizeof(key), "%s%u", prefix, i);
                if (!(v = bh_api_get(m, 1, key)))
                        break;
                if (parse(v, (char *)arr + (size_t)*count * elem) < 0) {
                        fprintf(stderr, "bulkhead: bad %s from bulkheadd: %s\n", what, v);
                        return -EINVAL;
                }
                (*count)++;
        }
        return 0;
}

static int cmd_xl_config(int argc, char **argv)
{
        struct bh_api_msg *m = NULL;
        struct bh_xen_plan p = { 0 };
        const char *v;
        int r;

        if (argc != 2 || argv[1][0] == '-')
                return cli_usage_error("xl-config", "give one domain name");
        r = cli_call("xl-config", (char *[]){ argv[1], NULL }, &m);
        if (r != EXIT_OK)
                return r;
        snprintf(p.name, sizeof(p.name), "%s", (v = bh_api_get(m, 1, "name")) ? v : "");
        p.pvh = (v = bh_api_get(m, 1, "type")) && strcmp(v, "pvh") == 0;
        snprintf(p.kernel, sizeof(p.kernel), "%s", (v = bh_api_get(m, 1, "kernel")) ? v : "");
        snprintf(p.ramdisk, sizeof(p.ramdisk), "%s", (v = bh_api_get(m, 1, "ramdisk")) ? v : "");
        snprintf(p.cmdline, sizeof(p.cmdline), "%s", (v = bh_api_get(m, 1, "cmdline")) ? v : "");
        p.memory_mib = (v = bh_api_get(m, 1, "memory")) ? (unsigned)strtoul(v, NULL, 10) : 0;
        p.vcpus = (v = bh_api_get(m, 1, "vcpus")) ? (unsigned)strtoul(v, NULL, 10) : 0;
        snprintf(p.vbd_script, sizeof(p.vbd_script), "%s", (v = bh_api_get(m, 1, "vbd_script")) ? v : "");
        if (xl_lines(m, "disk", BH_XEN_DISKS_MAX, "disk", parse_disk, p.disks, sizeof(p.disks[0]), &p.ndisks) < 0 ||
            xl_lines(m, "nic", BH_XEN_NICS_MAX, "vif", parse_nic, p.nics, sizeof(p.nics[0]), &p.nnics) < 0 ||
            xl_lines(m, "netkey", BH_XEN_NET_KEYS_MAX, "network setting", parse_net_key, p.net_keys,
                     sizeof(p.net_keys[0]), &p.nnet_keys) < 0) {
                cli_reply_free(m);
                return EXIT_FAIL;
        }
        cli_reply_free(m);
        if (!p.name[0] || !p.kernel[0] || !p.memory_mib || !p.vcpus) {
                fprintf(stderr, "bulkhead: incomplete reply from bulkheadd\n");
                return EXIT_FAIL;
        }
        return bh_xen_plan_print_xl(&p, stdout) < 0 ? EXIT_FAIL : EXIT_OK;
}

/* "KEY=PATH" with a relative PATH made absolute from our cwd, for
 * bulkheadd, which runs elsewhere.  malloc'd; NULL (said) on failure. */
static char *absolute_field(const char *key, const char *path)
{
        _cleanup_free_ char *cwd = path[0] == '/' ? NULL : get_current_dir_name();
        char *s;

        if (path[0] != '/' && !cwd) {
                fprintf(stderr, "bulkhead: current directory: %s\n", strerror(errno));
                return NULL;
        }
        if (asprintf(&s, "%s=%s%s%s", key, cwd ? cwd : "", cwd ? "/" : "", path) < 0)
                return NULL;
        return s;
}

static int cmd_template(int argc, char **argv)
{
        _cleanup_free_ struct bh_domain *ds = NULL;
        size_t n = 0;
        int r;

        if (argc < 2)
                return cli_usage_error("template", "give list, build or remove");
        if (strcmp(argv[1], "list") == 0) {
                r = fetch_domains(NULL, &ds, &n);
                if (r == -ECONNREFUSED)
                        return EXIT_NO_DAEMON;
                if (r < 0)
                        return cli_exit_for(r);
                for (size_t i = 0; i < n; i++)
                        if (ds[i].klass == BH_CLASS_TEMPLATE)
                                printf("%s\n", ds[i].name);
                return EXIT_OK;
        }
        if (strcmp(argv[1], "remove") == 0) {
                if (argc != 3)
                        return cli_usage_error("template", "give one template name");
                return simple("remove", argv + 2);
        }
        if (strcmp(argv[1], "build") == 0) {
                const char *kind = "host", *customize = NULL;
                bool xen = false;
                _cleanup_free_ char *script = NULL;
                char *args[3] = { NULL, NULL, NULL }, *pos[2] = { NULL, NULL };
                for (int i = 2; i < argc; i++) {
                        if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
                                kind = argv[++i];
                        else if (strcmp(argv[i], "--customize") == 0 && i + 1 < argc)
                                customize = argv[++i];
                        else if (strcmp(argv[i], "--xen") == 0)
                                xen = true;
                        else if (argv[i][0] != '-' && !pos[1])
                                pos[pos[0] ? 1 : 0] = argv[i];
                        else
                                return cli_usage_error("template", "unknown argument");
                }
                /* build NAME, or build KIND NAME */
                if (pos[1])
                        kind = pos[0];
                args[0] = pos[1] ? pos[1] : pos[0];
                if (!args[0])
                        return cli_usage_error("template", "give the template's name");
                if (customize && strcmp(kind, "host") != 0)
                        return cli_usage_error("template", "--customize goes with kind host");
                if (xen && strcmp(kind, "host") == 0)
                        return cli_usage_error("template", "--xen goes with a recipe kind, not host");
                if (customize) {
                        /* bulkheadd runs it, from its own directory. */
                        /* Said here, with the user's own path: bulkheadd's
                         * ENOENT would read as "no such domain" (exit 3). */
                        if (access(customize, X_OK) < 0) {
                                fprintf(stderr, "bulkhead: template build %s: --customize %s: %s\n",
                                        args[0], customize, strerror(errno));
                                return EXIT_USAGE;
                        }
                        script = absolute_field("customize", customize);
                        if (!script)
                                return EXIT_FAIL;
                        args[1] = script;
                }
                if (strcmp(kind, "host") == 0)
                        return simple("template-host", args);
                /* Any other kind is a recipe: templates/KIND. */
                return build_image_template(args[0], kind, xen);
        }
        if (strcmp(argv[1], "install") == 0) {
                const char *name = NULL, *kernel = NULL, *ramdisk = NULL, *root_image = NULL;
                for (int i = 2; i < argc; i++) {
                        if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc)
                                kernel = argv[++i];
                        else if (strcmp(argv[i], "--ramdisk") == 0 && i + 1 < argc)
                                ramdisk = argv[++i];
                        else if (strcmp(argv[i], "--root-image") == 0 && i + 1 < argc)
                                root_image = argv[++i];
                        else if (argv[i][0] != '-' && !name)
                                name = argv[i];
                        else
                                return cli_usage_error("template", "unknown argument");
                }
                if (!name || !kernel || !ramdisk)
                        return cli_usage_error("template", "install needs NAME, --kernel FILE and --ramdisk FILE");
                return install_xen_template(name, kernel, ramdisk, root_image);
        }
        return cli_usage_error("template", "give list, build, install or remove");
}

static int cmd_recon(int argc, char **argv)
{
        (void)argc;
        argv[0] = (char *)"bulkhead-recon";
        execvp(argv[0], argv);
        fprintf(stderr, "bulkhead: recon: cannot run bulkhead-recon: %s\n", strerror(errno));
        return EXIT_FAIL;
}

int main(int argc, char **argv)
{
        const struct cli_doc *doc;
        const char *cmd;

        bh_log_init("bulkhead");
        if (argc < 2) {
                cli_print_usage(stderr);
                return EXIT_USAGE;
        }
        cmd = argv[1];
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
                if (argc > 2 && (doc = cli_doc_find(argv[2]))) {
                        cli_print_help(doc);
                        return EXIT_OK;
                }
                cli_print_usage(stdout);
                return EXIT_OK;
        }
        if (strcmp(cmd, "--man") == 0 && argc == 3)
                return cli_print_man(argv[2]) < 0 ? EXIT_USAGE : EXIT_OK;
        doc = cli_doc_find(cmd);
        if (!doc) {
                fprintf(stderr, "bulkhead: unknown command '%s'\n", cmd);
                cli_print_usage(stderr);
                return EXIT_USAGE;
        }
        if (strcmp(cmd, "run") != 0 && wants_help(argc - 1, argv + 1)) {
                cli_print_help(doc);
                return EXIT_OK;
        }
        if (strcmp(cmd, "run") == 0 && argc > 2 && (strcmp(argv[2], "--help") == 0)) {
                cli_print_help(doc);
                return EXIT_OK;
        }
        return cli_dispatch(argc - 1, argv + 1);
}

int cli_dispatch(int argc, char **argv)
{
        const char *cmd = argv[0];

        /* getopt starts over for each command (network init runs several). */
        optind = 0;
        if (strcmp(cmd, "create") == 0)
                return cmd_create(argc, argv);
        if (strcmp(cmd, "clone") == 0)
                return cmd_on_domain("clone", argc, argv, 2);
        if (strcmp(cmd, "ls") == 0)
                return cmd_ls(argc, argv);
        if (strcmp(cmd, "prefs") == 0)
                return cmd_prefs(argc, argv);
        if (strcmp(cmd, "run") == 0)
                return cmd_run(argc, argv);
        if (strcmp(cmd, "template") == 0)
                return cmd_template(argc, argv);
        if (strcmp(cmd, "recon") == 0)
                return cmd_recon(argc, argv);
        if (strcmp(cmd, "xl-config") == 0)
                return cmd_xl_config(argc, argv);
        if (strcmp(cmd, "console") == 0)
                return cli_console(argc, argv);
        if (strcmp(cmd, "firewall") == 0)
                return cli_firewall(argc, argv);
        if (strcmp(cmd, "network") == 0)
                return cli_network(argc, argv);
        return cmd_on_domain(cmd, argc, argv, 1);
}
