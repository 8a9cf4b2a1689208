/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-gui-agent: shows the domain's windows on dom0's desktop through
 * the GUI protocol (docs/gui-protocol.md, docs/gui-agent.md).
 *
 * It serves the vchan on BH_GUI_PORT (dom0's bulkhead-guid connects),
 * starts the domain's X server (Xvfb) on dom0's first SCREEN unless DISPLAY
 * names one, and from then on tells dom0 about every top-level window and
 * injects dom0's input.  When dom0's daemon goes away the X server and its
 * windows stay; the agent serves the channel again and tells the next
 * daemon everything anew.
 *
 * Environment:
 *   BULKHEAD_TRANSPORT    socket (default) or xen
 *   BULKHEAD_VCHAN_DIR    socket transport: the directory of the channels
 *   BULKHEAD_PEER_DOMID   xen: dom0's domain id (default 0)
 *   DISPLAY               use this X server instead of starting one
 *   BULKHEAD_GUI_DISPLAY  the display the agent's Xvfb takes (default :0)
 *   BULKHEAD_GUI_STATS    N: log copy times and frame rates every N seconds
 *   BULKHEAD_GUI_NO_SHM   1: copy pixels with XGetImage, not MIT-SHM (to compare)
 *
 * One thread, one poll loop over the channel, the X connection and a
 * signalfd (SIGTERM/SIGINT end the agent and its Xvfb; SIGCHLD tells that
 * Xvfb died, which ends the agent too).
 */
#include <X11/Xlib.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gui_agent.h"
#include "gui_clipboard.h"
#include "gui_input.h"
#include "gui_proto.h"
#include "gui_windows.h"
#include "gui_xvfb.h"
#include "util.h"
#include "vchan.h"

/*
 * Messages queued for a dom0 that does not read: 16 MiB is thousands of
 * windows' worth of titles and buffers.  Damage never queues up (it waits
 * in the X server), so only a stuck daemon gets here; the session ends and
 * the next daemon starts afresh.
 */
#define OUT_MAX (16u * 1024 * 1024)
/* After a failure to serve the channel, try again this much later. */
#define SERVE_RETRY_MS 1000

static int x_error_code;
static pid_t xvfb_pid_for_exit;

int64_t gui_now_ms(void)
{
        return gui_now_ns() / 1000000;
}

int64_t gui_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int gui_x_error(void)
{
        return x_error_code;
}

void gui_x_errors_reset(void)
{
        x_error_code = 0;
}

/* Windows come and go under the agent's feet: BadWindow, BadMatch, BadDamage
 * on something just destroyed are normal.  Remembered, never fatal. */
static int on_x_error(Display *dpy, XErrorEvent *e)
{
        (void)dpy;
        x_error_code = e->error_code;
        return 0;
}

static int on_x_io_error(Display *dpy)
{
        (void)dpy;
        bh_log_error("X server connection lost");
        if (xvfb_pid_for_exit > 0)
                gui_xvfb_stop(xvfb_pid_for_exit);
        _exit(1);
}

/* ---- sending -------------------------------------------------------------------- */

static void out_flush(struct gui *g)
{
        size_t done = 0;

        while (g->v && done < g->out_len) {
                ssize_t n = bh_vchan_write(g->v, g->out + done, g->out_len - done);

                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        g->broken = true;
                        break;
                }
                done += (size_t)n;
        }
        if (done) {
                memmove(g->out, g->out + done, g->out_len - done);
                g->out_len -= done;
        }
}

int gui_send(struct gui *g, const struct bh_gui_msg *m)
{
        size_t len;
        int r;

        if (!g->session || g->broken)
                return 0;
        r = bh_gui_encode(m, g->msg, BH_GUI_MAX_MSG, &len);
        if (r < 0) {
                bh_log_error("window 0x%x: cannot encode %s, not sent (a bug in the agent)",
                             m->window, bh_gui_msg_name(m->type));
                return -EINVAL;
        }
        if (g->out_len + len > OUT_MAX) {
                bh_log_error("dom0: %u bytes not taken, ending the session", OUT_MAX);
                g->broken = true;
                return -ENOBUFS;
        }
        if (g->out_len + len > g->out_cap) {
                size_t cap = g->out_cap ? g->out_cap : 64 * 1024;
                uint8_t *p;

                while (cap < g->out_len + len)
                        cap *= 2;
                p = realloc(g->out, cap);
                if (!p) {
                        g->broken = true;
                        return -ENOMEM;
                }
                g->out = p;
                g->out_cap = cap;
        }
        memcpy(g->out + g->out_len, g->msg, len);
        g->out_len += len;
        out_flush(g);
        return 0;
}

/* ---- the X server ---------------------------------------------------------------- */

static int x_open(struct gui *g, unsigned width, unsigned height)
{
        const char *display = getenv("DISPLAY");
        int r;

        if (!display || !*display) {
                r = gui_xvfb_start(g->own_display, width, height, &g->xvfb_pid);
                if (r < 0)
                        return r;
                xvfb_pid_for_exit = g->xvfb_pid;
                display = g->own_display;
                bh_log_info("X server %s started, %ux%u", display, width, height);
        }
        g->dpy = XOpenDisplay(display);
        if (!g->dpy)
                return bh_log_errno(-ECONNREFUSED, "display %s: cannot connect", display);
        XSetErrorHandler(on_x_error);
        XSetIOErrorHandler(on_x_io_error);
        g->screen = DefaultScreen(g->dpy);
        g->root = RootWindow(g->dpy, g->screen);
        r = gui_windows_init(g);
        if (r >= 0)
                r = gui_input_init(g);
        if (r >= 0)
                r = gui_clipboard_init(g);
        if (r < 0)
                return r;
        XSync(g->dpy, False);
        return 0;
}

static void x_event(struct gui *g, XEvent *ev)
{
        if (gui_clipboard_event(g, ev))
                return;
        if (gui_windows_event(g, ev))
                return;
        if (ev->type == MappingNotify) {
                XRefreshKeyboardMapping(&ev->xmapping);
                gui_input_mapping_changed(g);
        }
}

static void x_drain(struct gui *g)
{
        if (!g->dpy)
                return;
        while (XPending(g->dpy)) {
                XEvent ev;

                XNextEvent(g->dpy, &ev);
                x_event(g, &ev);
        }
}

/* ---- the session with dom0 --------------------------------------------------------- */

static void serve(struct gui *g)
{
        int r = bh_vchan_server_init(&g->v, &g->addr, BH_GUI_RING_SIZE, BH_GUI_RING_SIZE);

        if (r < 0) {
                bh_log_errno(r, "vchan %s port %d: cannot serve",
                             bh_vchan_transport_to_string(g->addr.transport), g->addr.port);
                g->v = NULL;
        }
}

static int session_start(struct gui *g)
{
        struct bh_gui_msg hello = { .type = BH_GUI_MSG_HELLO,
                                    .u.hello.version = BH_GUI_PROTO_VERSION };
        int r = bh_gui_peer_new(&g->peer, BH_GUI_FROM_DOM0);

        if (r < 0)
                return r;
        g->session = true;
        g->broken = false;
        g->screen_seen = false;
        g->have_hdr = false;
        g->out_len = 0;
        bh_log_info("dom0 connected");
        return gui_send(g, &hello);
}

static void session_end(struct gui *g, const char *why)
{
        if (g->session)
                bh_log_info("dom0 session ended: %s", why);
        if (g->dpy) {
                gui_windows_session_end(g);
                gui_clipboard_session_end(g);
        }
        if (g->peer)
                bh_gui_peer_free(g->peer);
        g->peer = NULL;
        g->session = false;
        g->screen_seen = false;
        g->broken = false;
        g->out_len = 0;
        if (g->v)
                bh_vchan_close(g->v);
        g->v = NULL;
}

static int on_screen(struct gui *g, uint32_t width, uint32_t height)
{
        if (!g->dpy) {
                int r = x_open(g, width, height);

                if (r < 0)
                        return r;
        } else if (width != (uint32_t)DisplayWidth(g->dpy, g->screen) ||
                   height != (uint32_t)DisplayHeight(g->dpy, g->screen)) {
                bh_log_info("dom0's screen is %ux%u, the domain's stays %dx%d", width, height,
                            DisplayWidth(g->dpy, g->screen), DisplayHeight(g->dpy, g->screen));
        }
        if (!g->screen_seen) {
                g->screen_seen = true;
                gui_windows_announce_all(g);
        }
        return 0;
}

/* One checked message from dom0.  <0: the agent cannot go on at all. */
static int dispatch(struct gui *g, const struct bh_gui_msg *m)
{
        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                return 0;
        case BH_GUI_MSG_SCREEN:
                return on_screen(g, m->u.screen.width, m->u.screen.height);
        case BH_GUI_MSG_CLIPBOARD_REQ:
                gui_clipboard_request(g, m->u.clipboard_req.max_bytes);
                return 0;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                gui_clipboard_paste(g, m->u.clipboard.bytes, m->u.clipboard.len);
                return 0;
        default:
                if (g->dpy)
                        gui_input_handle(g, m);
                return 0;
        }
}

/* Reads and acts on what dom0 sent.  -EPROTO / -EPIPE end the session;
 * other errors end the agent. */
static int session_read(struct gui *g)
{
        for (;;) {
                struct bh_gui_msg m;
                const char *why = NULL;
                ssize_t n;
                int r;

                if (!g->have_hdr) {
                        n = bh_vchan_recv(g->v, g->in, BH_GUI_HDR_SIZE);
                        if (n == -EAGAIN)
                                return 0;
                        if (n < 0)
                                return (int)n;
                        r = bh_gui_check_header(g->peer, g->in, &g->in_payload, &why);
                        if (r < 0) {
                                bh_log_error("dom0 broke the GUI protocol: %s (%s, window 0x%x)",
                                             why, bh_gui_msg_name(((uint32_t)g->in[0]) |
                                                                  ((uint32_t)g->in[1] << 8)),
                                             (unsigned)(g->in[4] | g->in[5] << 8 |
                                                        g->in[6] << 16 |
                                                        (uint32_t)g->in[7] << 24));
                                return -EPROTO;
                        }
                        g->have_hdr = true;
                }
                if (g->in_payload > 0) {
                        n = bh_vchan_recv(g->v, g->in + BH_GUI_HDR_SIZE, g->in_payload);
                        if (n == -EAGAIN)
                                return 0;
                        if (n < 0)
                                return (int)n;
                }
                g->have_hdr = false;
                r = bh_gui_check(g->peer, g->in, BH_GUI_HDR_SIZE + g->in_payload, &m, &why);
                if (r < 0) {
                        bh_log_error("dom0 broke the GUI protocol: %s (%s, window 0x%x, length %u)",
                                     why, bh_gui_msg_name(m.type), m.window, g->in_payload);
                        return -EPROTO;
                }
                r = dispatch(g, &m);
                if (r < 0)
                        return -EIO;
        }
}

/* The channel's descriptor was readable (or there is output waiting). */
static int on_vchan(struct gui *g)
{
        int r = bh_vchan_wait(g->v, 0);

        if (!g->session) {
                switch (bh_vchan_is_open(g->v)) {
                case 1:
                        /* dom0 may have sent its HELLO already: read on. */
                        r = session_start(g);
                        if (r < 0)
                                return r;
                        break;
                case 2:
                        return 0;
                default:
                        session_end(g, "channel closed before a session");
                        return 0;
                }
        }
        if (r == -EPROTO) {
                session_end(g, "channel broken");
                return 0;
        }
        r = session_read(g);
        if (r == -EIO)
                return r;
        if (r == -EPROTO) {
                session_end(g, "protocol violation");
                return 0;
        }
        out_flush(g);
        if (r == -EPIPE || g->broken || bh_vchan_is_open(g->v) == 0) {
                session_end(g, r == -EPIPE || bh_vchan_is_open(g->v) == 0 ? "dom0 went away"
                                                                         : "send failed");
                return 0;
        }
        return 0;
}

/* ---- set-up ----------------------------------------------------------------------- */

/* ":N" with N a display number. */
static int display_from_env(const char **ret)
{
        const char *d = getenv("BULKHEAD_GUI_DISPLAY");
        char *end;
        long n;

        *ret = ":0";
        if (!d || !*d)
                return 0;
        errno = 0;
        n = d[0] == ':' ? strtol(d + 1, &end, 10) : -1;
        if (n < 0 || errno || *end || end == d + 1 || n > 65535)
                return bh_log_errno(-EINVAL, "BULKHEAD_GUI_DISPLAY=%s: not :N", d);
        *ret = d;
        return 0;
}

static int poll_timeout(struct gui *g)
{
        int64_t now = gui_now_ms();
        int t = -1, c;

        if (g->dpy) {
                t = gui_windows_timeout(g, now);
                c = gui_clipboard_timeout(g, now);
                if (c >= 0 && (t < 0 || c < t))
                        t = c;
        }
        if (!g->v && (t < 0 || t > SERVE_RETRY_MS))
                t = SERVE_RETRY_MS;
        return t;
}

static void cleanup(struct gui *g)
{
        session_end(g, "agent stopping");
        if (g->dpy) {
                gui_clipboard_free(g);
                gui_input_free(g);
                gui_windows_free(g);
                XCloseDisplay(g->dpy);
                g->dpy = NULL;
        }
        if (g->xvfb_pid > 0)
                gui_xvfb_stop(g->xvfb_pid);
        g->xvfb_pid = 0;
        xvfb_pid_for_exit = 0;
        free(g->out);
        free(g->msg);
        free(g->in);
}

static int run(struct gui *g, int sfd)
{
        for (;;) {
                struct pollfd p[3] = { { .fd = sfd, .events = POLLIN },
                                       { .fd = -1, .events = POLLIN },
                                       { .fd = -1, .events = POLLIN } };
                struct signalfd_siginfo si;
                int n;

                x_drain(g);
                if (g->dpy) {
                        gui_windows_flush(g, gui_now_ms());
                        gui_clipboard_tick(g, gui_now_ms());
                        XFlush(g->dpy);
                }
                if (g->broken)
                        session_end(g, "dom0 does not read");
                if (!g->v)
                        serve(g);
                if (g->v)
                        p[1].fd = bh_vchan_fd(g->v);
                if (g->dpy)
                        p[2].fd = ConnectionNumber(g->dpy);
                /* Round trips above may have queued events inside Xlib,
                 * where poll cannot see them. */
                n = poll(p, 3, g->dpy && XEventsQueued(g->dpy, QueuedAlready) ? 0
                                                                          : poll_timeout(g));
                if (n < 0 && errno != EINTR)
                        return bh_log_errno(-errno, "poll");
                if (n <= 0)
                        continue;
                if (p[0].revents & POLLIN) {
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                                        return 0;
                                if (si.ssi_signo == SIGCHLD && g->xvfb_pid > 0 &&
                                    waitpid(g->xvfb_pid, NULL, WNOHANG) == g->xvfb_pid) {
                                        g->xvfb_pid = 0;
                                        xvfb_pid_for_exit = 0;
                                        return bh_log_errno(-ECHILD, "the X server exited");
                                }
                        }
                }
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
                        XEventsQueued(g->dpy, QueuedAfterReading);
                if (g->v && (p[1].revents || (g->session && g->out_len))) {
                        int r = on_vchan(g);

                        if (r < 0)
                                return r;
                }
        }
}

int main(int argc, char **argv)
{
        struct gui g = { 0 };
        sigset_t mask;
        int sfd, r;

        bh_log_init("bulkhead-gui-agent");
        if (argc > 1) {
                fprintf(stderr, "usage: %s (configured by the environment: BULKHEAD_TRANSPORT, "
                                "BULKHEAD_VCHAN_DIR, BULKHEAD_PEER_DOMID, DISPLAY, "
                                "BULKHEAD_GUI_DISPLAY, BULKHEAD_GUI_STATS, BULKHEAD_GUI_NO_SHM)\n",
                        argv[0]);
                return 2;
        }
        setlocale(LC_CTYPE, "");
        if (bh_vchan_addr_from_env(&g.addr, BH_GUI_PORT) < 0 || display_from_env(&g.own_display) < 0)
                return 1;
        g.no_shm = getenv("BULKHEAD_GUI_NO_SHM") && strcmp(getenv("BULKHEAD_GUI_NO_SHM"), "1") == 0;
        if (getenv("BULKHEAD_GUI_STATS")) {
                int secs = atoi(getenv("BULKHEAD_GUI_STATS"));

                g.stats.interval_ms = secs > 0 && secs <= 3600 ? secs * 1000 : 0;
        }
        g.msg = malloc(BH_GUI_MAX_MSG);
        g.in = malloc(BH_GUI_MAX_MSG);
        if (!g.msg || !g.in)
                return 1;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (sfd < 0) {
                bh_log_errno(-errno, "signalfd");
                return 1;
        }
        /* With DISPLAY given, the windows are tracked from the start. */
        if (getenv("DISPLAY") && *getenv("DISPLAY") && x_open(&g, 0, 0) < 0) {
                cleanup(&g);
                return 1;
        }
        r = run(&g, sfd);
        cleanup(&g);
        close(sfd);
        return r < 0 ? 1 : 0;
}
