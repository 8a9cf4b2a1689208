/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-guid: dom0's GUI daemon for one domain (docs/gui-daemon.md).
 *
 *   bulkhead-guid --domain NAME --label COLOR [--transport socket|xen]
 *                 [--vchan-dir DIR] [--domid N] [--headless OUT.png]
 *                 [--screen-size WxH] [--allow-fullscreen] [--clipboard-max BYTES]
 *
 * Connects to the domain's gui-agent as the vchan client on BH_GUI_PORT,
 * checks every message with lib/gui_proto, keeps the model (guid_state)
 * and shows it (guid_gtk).  Exit 0 when the domain closes the channel, 1
 * when it broke the protocol (one log line says how), 2 for usage, 3 when
 * the channel or the display cannot be had.
 */
#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guid.h"
#include "guid_clipboard.h"
#include "util.h"

/* Messages handled in one turn of the loop before GTK gets its turn: a
 * flooding domain slows only its own windows. */
#define MSGS_PER_TURN 256
/* How long a paste waits for the policy daemon: longer than the 300 s it
 * gives an "ask" dialog. */
#define POLICY_TIMEOUT_S 330

enum { EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_NOCHANNEL = 3 };

static uint8_t out_msg[BH_GUI_MAX_MSG];

struct paste {
        char source[GUID_NAME_MAX + 1];
        uint8_t *data;
        size_t len;
        ino_t ino;
};
static struct paste pending_paste;

void guid_quit(struct guid *g, int code)
{
        if (g->closing)
                return;
        g->closing = true;
        g->exit_code = code;
        g_main_loop_quit(g->loop);
}

static void violation(struct guid *g, const uint8_t *hdr, bool have_hdr, const char *why)
{
        uint32_t type = 0, window = 0, len = 0;

        if (have_hdr) {
                type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
                       (uint32_t)hdr[3] << 24;
                window = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 |
                         (uint32_t)hdr[7] << 24;
                len = (uint32_t)hdr[8] | (uint32_t)hdr[9] << 8 | (uint32_t)hdr[10] << 16 |
                      (uint32_t)hdr[11] << 24;
                bh_log_error("domain %s: agent broke the GUI protocol: %s (%s, window 0x%x, "
                             "length %u); closing",
                             g->s->name, why, bh_gui_msg_name(type), window, len);
        } else {
                bh_log_error("domain %s: agent broke the GUI protocol: %s; closing", g->s->name,
                             why);
        }
        guid_quit(g, EXIT_VIOLATION);
}

int guid_send(struct guid *g, const struct bh_gui_msg *m)
{
        static gint64 last_drop;
        size_t len;
        ssize_t r;

        if (!g->connected || g->closing)
                return -ENOTCONN;
        r = bh_gui_encode(m, out_msg, sizeof(out_msg), &len);
        if (r < 0)
                return bh_log_errno((int)r, "domain %s: cannot encode %s", g->s->name,
                                    bh_gui_msg_name(m->type));
        r = bh_vchan_send(g->v, out_msg, len);
        if (r == -EAGAIN) {
                gint64 now = g_get_monotonic_time();

                if (now - last_drop > G_USEC_PER_SEC) {
                        bh_log_info("domain %s: channel full (the agent is not reading); %s "
                                    "dropped",
                                    g->s->name, bh_gui_msg_name(m->type));
                        last_drop = now;
                }
                return -EAGAIN;
        }
        if (r == -EPROTO) {
                violation(g, NULL, false, "the channel's shared rings are corrupt");
                return -EPROTO;
        }
        return r < 0 ? (int)r : 0;
}

/* ---- clipboard --------------------------------------------------------------- */

void guid_clipboard_copy(struct guid *g)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLIPBOARD_REQ };

        if (g->copy_pending)
                return;
        m.u.clipboard_req.max_bytes = g->o.clipboard_max;
        if (guid_send(g, &m) < 0)
                return;
        bh_gui_peer_expect_clipboard(g->peer, g->o.clipboard_max);
        g->copy_pending = true;
}

static void clipboard_copied(struct guid *g, const uint8_t *bytes, size_t len)
{
        int r;

        g->copy_pending = false;
        if (len == 0) {
                guid_notify(g, "nothing copied from %s: its clipboard is empty or holds more "
                               "than %u bytes",
                            g->s->name, g->o.clipboard_max);
                return;
        }
        r = guid_clip_store(g->o.runtime_dir, g->s->name, bytes, len);
        if (r < 0) {
                bh_log_errno(r, "domain %s: storing the clipboard", g->s->name);
                return;
        }
        guid_notify(g, "copied %zu bytes from %s to dom0's clipboard (Ctrl+Shift+V pastes them "
                       "into a domain)",
                    len, g->s->name);
}

static void paste_end(struct guid *g)
{
        if (g->policy_watch)
                g_source_remove(g->policy_watch);
        if (g->policy_timer)
                g_source_remove(g->policy_timer);
        g->policy_watch = g->policy_timer = 0;
        if (g->policy_fd >= 0)
                close(g->policy_fd);
        g->policy_fd = -1;
        free(pending_paste.data);
        pending_paste = (struct paste){ 0 };
}

static void paste_decided(struct guid *g, bool allow, const char *why)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLIPBOARD_DATA };
        int r;

        if (!allow) {
                guid_notify(g, "paste from %s into %s refused: %s", pending_paste.source,
                            g->s->name, why);
                paste_end(g);
                return;
        }
        r = guid_clip_take(g->o.runtime_dir, pending_paste.ino);
        if (r < 0) {
                guid_notify(g, "paste from %s into %s not done: dom0's clipboard changed "
                               "meanwhile",
                            pending_paste.source, g->s->name);
                paste_end(g);
                return;
        }
        m.u.clipboard.bytes = pending_paste.data;
        m.u.clipboard.len = pending_paste.len;
        if (guid_send(g, &m) == 0)
                guid_notify(g, "pasted %zu bytes from %s into %s; dom0's clipboard is empty "
                               "again",
                            pending_paste.len, pending_paste.source, g->s->name);
        paste_end(g);
}

static gboolean on_policy_answer(gint fd, GIOCondition cond, gpointer data)
{
        struct guid *g = data;
        bool allow = false;
        int r = guid_policy_answer(fd, &allow);

        if (r == -EAGAIN)
                return G_SOURCE_CONTINUE;
        g->policy_watch = 0;
        if (r < 0)
                bh_log_errno(r, "domain %s: no answer from the qrexec policy daemon", g->s->name);
        paste_decided(g, r == 0 && allow, r < 0 ? "no answer from the policy daemon"
                                                : "denied by policy");
        return G_SOURCE_REMOVE;
}

static gboolean on_policy_timeout(gpointer data)
{
        struct guid *g = data;

        g->policy_timer = 0;
        paste_decided(g, false, "the policy daemon did not answer in time");
        return G_SOURCE_REMOVE;
}

void guid_clipboard_paste(struct guid *g, struct guid_window *w)
{
        int r, fd;

        if (g->policy_fd >= 0)
                return; /* one paste at a time */
        r = guid_clip_load(g->o.runtime_dir, g->o.clipboard_max, pending_paste.source,
                           &pending_paste.data, &pending_paste.len, &pending_paste.ino);
        if (r == -ENOENT) {
                guid_notify(g, "nothing to paste into %s: dom0's clipboard is empty", g->s->name);
                return;
        }
        if (r == -EFBIG) {
                guid_notify(g, "paste into %s refused: dom0's clipboard holds more than %u "
                               "bytes (nothing is cut)",
                            g->s->name, g->o.clipboard_max);
                return;
        }
        if (r < 0) {
                bh_log_errno(r, "domain %s: reading dom0's clipboard", g->s->name);
                return;
        }
        r = guid_policy_ask(g->o.runtime_dir, pending_paste.source, g->s->name, &fd);
        if (r < 0) {
                bh_log_errno(r, "domain %s: asking the qrexec policy daemon", g->s->name);
                g->policy_fd = -1;
                paste_decided(g, false, "no policy daemon");
                return;
        }
        g->policy_fd = fd;
        g->policy_watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_policy_answer, g);
        g->policy_timer = g_timeout_add_seconds(POLICY_TIMEOUT_S, on_policy_timeout, g);
}

/* ---- the channel --------------------------------------------------------------- */

static int map_buffer(struct guid *g, const struct bh_gui_msg *m, struct bh_shbuf **ret)
{
        int r = bh_shbuf_map(g->v, m->u.buffer.desc, m->u.buffer.desc_len, m->u.buffer.size,
                             false, ret);

        if (r == -EPROTO) {
                violation(g, g->msg, true, "buffer descriptor refused by the transport");
                return r;
        }
        if (r < 0) {
                bh_log_errno(r, "domain %s: mapping window 0x%x's buffer", g->s->name,
                             m->window);
                violation(g, g->msg, true, "buffer cannot be mapped");
        }
        return r;
}

static void dispatch(struct guid *g, const struct bh_gui_msg *m)
{
        struct bh_shbuf *buf = NULL;
        struct guid_change ch;
        int r;

        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                return;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                clipboard_copied(g, m->u.clipboard.bytes, m->u.clipboard.len);
                return;
        case BH_GUI_MSG_BUFFER:
                if (map_buffer(g, m, &buf) < 0)
                        return;
                break;
        }
        r = guid_state_apply(g->s, m, &ch);
        if (r < 0) {
                if (buf)
                        bh_shbuf_free(buf);
                if (r == -EPROTO)
                        violation(g, g->msg, true, "message disagrees with the window table");
                else {
                        bh_log_errno(r, "domain %s: applying %s", g->s->name,
                                     bh_gui_msg_name(m->type));
                        guid_quit(g, EXIT_NOCHANNEL);
                }
                return;
        }
        guid_ui_apply(g, &ch, buf);
}

static void channel_gone(struct guid *g)
{
        bh_log_info("domain %s: the agent closed the GUI channel; closing its windows",
                    g->s->name);
        guid_quit(g, 0);
}

/* One message if it is all there: 0, -EAGAIN, or the end (handled). */
static int read_one(struct guid *g)
{
        struct bh_gui_msg m;
        const char *why = NULL;
        ssize_t r;

        if (!g->have_hdr) {
                r = bh_vchan_recv(g->v, g->msg, BH_GUI_HDR_SIZE);
                if (r < 0)
                        return (int)r;
                if (bh_gui_check_header(g->peer, g->msg, &g->need, &why) < 0) {
                        violation(g, g->msg, true, why);
                        return -EPROTO;
                }
                g->have_hdr = true;
        }
        if (g->need > 0) {
                r = bh_vchan_recv(g->v, g->msg + BH_GUI_HDR_SIZE, g->need);
                if (r == -EMSGSIZE) {
                        violation(g, g->msg, true, "message larger than the channel's ring");
                        return -EPROTO;
                }
                if (r < 0)
                        return (int)r;
        }
        g->have_hdr = false;
        if (bh_gui_check(g->peer, g->msg, BH_GUI_HDR_SIZE + g->need, &m, &why) < 0) {
                violation(g, g->msg, true, why);
                return -EPROTO;
        }
        dispatch(g, &m);
        return g->closing ? -ECANCELED : 0;
}

static gboolean on_more(gpointer data);

static void read_messages(struct guid *g)
{
        int r = 0;

        for (int i = 0; i < MSGS_PER_TURN && !g->closing; i++) {
                r = read_one(g);
                if (r < 0)
                        break;
        }
        if (g->closing)
                return;
        if (r == 0) {
                /* More may be waiting: continue after GTK's turn. */
                if (!g->more_idle)
                        g->more_idle = g_idle_add(on_more, g);
                return;
        }
        if (r == -EAGAIN)
                return;
        if (r == -EPIPE) {
                channel_gone(g);
                return;
        }
        if (r == -EPROTO) {
                violation(g, NULL, false, "the channel's shared rings are corrupt");
                return;
        }
        bh_log_errno(r, "domain %s: reading the GUI channel", g->s->name);
        guid_quit(g, EXIT_NOCHANNEL);
}

static gboolean on_more(gpointer data)
{
        struct guid *g = data;

        g->more_idle = 0;
        read_messages(g);
        return G_SOURCE_REMOVE;
}

static gboolean on_vchan(gint fd, GIOCondition cond, gpointer data)
{
        struct guid *g = data;
        int r = bh_vchan_wait(g->v, 0);

        if (r == -EPROTO) {
                violation(g, NULL, false, "the channel's shared rings are corrupt");
                return G_SOURCE_REMOVE;
        }
        /* -EPIPE: what the agent sent before it went is still read. */
        read_messages(g);
        if (g->closing) {
                g->vchan_watch = 0;
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static void connected(struct guid *g)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_HELLO };

        g->connected = true;
        bh_log_info("domain %s: connected to the GUI agent", g->s->name);
        m.u.hello.version = BH_GUI_PROTO_VERSION;
        if (guid_send(g, &m) < 0) {
                guid_quit(g, EXIT_NOCHANNEL);
                return;
        }
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_SCREEN };
        guid_ui_screen(g, &m.u.screen.width, &m.u.screen.height);
        if (guid_send(g, &m) < 0) {
                guid_quit(g, EXIT_NOCHANNEL);
                return;
        }
        g->vchan_watch = g_unix_fd_add(bh_vchan_fd(g->v), G_IO_IN | G_IO_HUP | G_IO_ERR,
                                       on_vchan, g);
        read_messages(g);
}

static gboolean on_connecting(gint fd, GIOCondition cond, gpointer data)
{
        struct guid *g = data;
        int r = bh_vchan_connect_finish(g->v);

        if (r == -EAGAIN)
                return G_SOURCE_CONTINUE;
        g->vchan_watch = 0;
        if (r < 0) {
                bh_log_errno(r, "domain %s: connecting to the GUI agent", g->s->name);
                guid_quit(g, EXIT_NOCHANNEL);
                return G_SOURCE_REMOVE;
        }
        connected(g);
        return G_SOURCE_REMOVE;
}

static int start_channel(struct guid *g)
{
        struct bh_vchan_addr addr = {
                .transport = g->o.transport,
                .peer_domid = g->o.domid,
                .port = BH_GUI_PORT,
                .socket_dir = g->o.vchan_dir,
        };
        int r = bh_vchan_client_init_async(&g->v, &addr);

        if (r < 0)
                return r;
        r = bh_vchan_connect_finish(g->v);
        if (r == 0) {
                connected(g);
                return 0;
        }
        if (r != -EAGAIN)
                return r;
        g->vchan_watch = g_unix_fd_add(bh_vchan_fd(g->v), G_IO_IN | G_IO_HUP | G_IO_ERR,
                                       on_connecting, g);
        return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static gboolean on_render(gpointer data)
{
        guid_ui_render(data);
        return G_SOURCE_CONTINUE;
}

static gboolean on_terminate(gpointer data)
{
        struct guid *g = data;

        bh_log_info("domain %s: terminated; closing its windows", g->s->name);
        guid_quit(g, 0);
        return G_SOURCE_CONTINUE;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: bulkhead-guid --domain NAME --label COLOR [--transport socket|xen]\n"
                   "                     [--vchan-dir DIR] [--domid N] [--headless OUT.png]\n"
                   "                     [--screen-size WxH] [--allow-fullscreen]\n"
                   "                     [--clipboard-max BYTES]\n"
                   "Shows one domain's windows on dom0's desktop (docs/gui-daemon.md).\n"
                   "COLOR: red orange yellow green gray blue purple black.\n");
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

static int parse_args(int argc, char **argv, struct guid_opts *o)
{
        static const struct option opts[] = {
                { "domain", required_argument, NULL, 'd' },
                { "label", required_argument, NULL, 'l' },
                { "transport", required_argument, NULL, 't' },
                { "vchan-dir", required_argument, NULL, 'D' },
                { "domid", required_argument, NULL, 'i' },
                { "headless", required_argument, NULL, 'H' },
                { "screen-size", required_argument, NULL, 's' },
                { "allow-fullscreen", no_argument, NULL, 'f' },
                { "clipboard-max", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        uint32_t v;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'd': o->domain = optarg; break;
                case 'l': o->label = optarg; break;
                case 't':
                        if (bh_vchan_transport_from_string(optarg, &o->transport) < 0)
                                return -EINVAL;
                        break;
                case 'D': o->vchan_dir = optarg; break;
                case 'i':
                        /* 0 is what bulkheadd passes for a container
                         * domain (the socket transport has no domain ids);
                         * the xen transport refuses it below. */
                        if (parse_u32(optarg, 0, 0x7fef, &v) < 0)
                                return -EINVAL;
                        o->domid = (int)v;
                        break;
                case 'H': o->headless = optarg; break;
                case 's': {
                        char *x = strchr(optarg, 'x');

                        if (!x)
                                return -EINVAL;
                        *x = '\0';
                        if (parse_u32(optarg, 64, BH_GUI_MAX_SCREEN_WIDTH, &o->screen_w) < 0 ||
                            parse_u32(x + 1, 64, BH_GUI_MAX_SCREEN_HEIGHT, &o->screen_h) < 0)
                                return -EINVAL;
                        break;
                }
                case 'f': o->allow_fullscreen = true; break;
                case 'c':
                        if (parse_u32(optarg, 1, BH_GUI_MAX_CLIPBOARD_BYTES, &o->clipboard_max) < 0)
                                return -EINVAL;
                        break;
                case 'h': usage(stdout); exit(0);
                default: return -EINVAL;
                }
        }
        if (optind != argc || !o->domain || !o->label)
                return -EINVAL;
        if (o->transport == BH_VCHAN_SOCKET && !o->vchan_dir)
                return -EINVAL;
        if (o->transport == BH_VCHAN_XEN && o->domid == 0)
                return -EINVAL;
        return 0;
}

int main(int argc, char **argv)
{
        static struct guid g = { .policy_fd = -1 };
        const char *rt;
        int r;

        bh_log_init("bulkhead-guid");
        g.o.transport = BH_VCHAN_SOCKET;
        g.o.screen_w = 1024;
        g.o.screen_h = 768;
        g.o.clipboard_max = BH_GUI_MAX_CLIPBOARD_BYTES;
        if (parse_args(argc, argv, &g.o) < 0) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (guid_label_rgb(g.o.label, &g.label_rgb) < 0) {
                bh_log_error("unknown label colour '%s'", g.o.label);
                return EXIT_USAGE;
        }
        if (guid_state_new(g.o.domain, &g.s) < 0) {
                bh_log_error("invalid domain name '%s'", g.o.domain);
                return EXIT_USAGE;
        }
        rt = getenv("BULKHEAD_RUNTIME_DIR");
        g.o.runtime_dir = rt && *rt ? rt : "/run/bulkhead";
        g.msg = malloc(BH_GUI_MAX_MSG);
        if (!g.msg || bh_gui_peer_new(&g.peer, BH_GUI_FROM_AGENT) < 0) {
                bh_log_error("domain %s: out of memory", g.s->name);
                return EXIT_NOCHANNEL;
        }
        r = guid_ui_init(&g, &argc, &argv);
        if (r < 0) {
                bh_log_errno(r, "domain %s: cannot open the display", g.s->name);
                return EXIT_NOCHANNEL;
        }
        g.loop = g_main_loop_new(NULL, FALSE);
        g_unix_signal_add(SIGTERM, on_terminate, &g);
        g_unix_signal_add(SIGINT, on_terminate, &g);
        g_unix_signal_add(SIGUSR1, on_render, &g);
        signal(SIGPIPE, SIG_IGN);

        r = start_channel(&g);
        if (r < 0) {
                bh_log_errno(r, "domain %s: opening the GUI channel", g.s->name);
                g.exit_code = EXIT_NOCHANNEL;
        } else if (!g.closing) {
                g_main_loop_run(g.loop);
        }

        guid_ui_render(&g);
        paste_end(&g);
        if (g.more_idle)
                g_source_remove(g.more_idle);
        if (g.vchan_watch)
                g_source_remove(g.vchan_watch);
        guid_ui_close_all(&g);
        if (g.v)
                bh_vchan_close(g.v);
        guid_state_free(g.s);
        bh_gui_peer_free(g.peer);
        free(g.msg);
        g_main_loop_unref(g.loop);
        return g.exit_code;
}
