/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-guid: dom0's side of the GUI protocol for tests of bulkhead-gui-agent.
 *
 *   fake-guid --dir DIR [--screen WxH] [--display :N]
 *
 * Connects to the agent's vchan (socket transport in DIR), sends HELLO and
 * SCREEN, checks every message with the protocol checker in the FROM_AGENT
 * role (a violation prints "VIOLATION why" and exits 3), maps every BUFFER
 * read-only as the daemon would, and prints one line per message:
 *
 *   HELLO version | CREATE win x y w h transient_for flags | DESTROY win |
 *   MAP win transient_for flags | UNMAP win | CONFIGURE win x y w h flags |
 *   BUFFER win w h | DAMAGE win x y w h | TITLE win text | CLASS win inst class |
 *   SIZE_HINTS win flags ... | WINDOW_FLAGS win flags | CURSOR win n |
 *   CLIPBOARD_DATA len text
 *
 * and "EOF" when the agent goes away.  Commands on standard input, one a
 * line (WIN as printed, 0x...):
 *
 *   key WIN KEYCODE STATE PRESSED   type WIN TEXT    keysym WIN NAME
 *   focus WIN | unfocus WIN         click WIN X Y BUTTON
 *   motion WIN X Y | enter WIN X Y  scroll WIN X Y DX DY
 *   configure WIN X Y W H | close WIN
 *   clipreq MAX | paste TEXT        screen W H
 *   pixels WIN   compare the shared buffer with XGetImage of the window on
 *                the domain's display: "PIXELS win ok colors=N" or
 *                "PIXELS win differ N of M"
 *   count WIN    "COUNT win damages=N pixels=P ms=T" (monotonic time)
 *   quit
 *
 * `type` and `keysym` find keycodes on the domain's display (--display):
 * dom0 and the domain share one keyboard layout.
 */
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gui_proto.h"
#include "util.h"
#include "vchan.h"

#define MAX_WINS 1024

struct win {
        uint32_t id;
        struct bh_shbuf *buf;
        uint32_t buf_w, buf_h;
        uint64_t damages, pixels;
};

static struct bh_vchan *v;
static struct bh_gui_peer *peer;
static struct win wins[MAX_WINS];
static const char *display_name;
static Display *dpy;
static uint8_t out[BH_GUI_MAX_MSG];

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct win *win_get(uint32_t id, bool create)
{
        struct win *free_slot = NULL;

        for (int i = 0; i < MAX_WINS; i++) {
                if (wins[i].id == id)
                        return &wins[i];
                if (!wins[i].id && !free_slot)
                        free_slot = &wins[i];
        }
        if (!create || !free_slot)
                return NULL;
        *free_slot = (struct win){ .id = id };
        return free_slot;
}

static void win_drop(struct win *w)
{
        if (w->buf)
                bh_shbuf_free(w->buf);
        *w = (struct win){ 0 };
}

static void send_msg(const struct bh_gui_msg *m)
{
        size_t len;

        if (bh_gui_encode(m, out, sizeof(out), &len) < 0) {
                printf("ERROR cannot encode %s\n", bh_gui_msg_name(m->type));
                return;
        }
        bh_vchan_set_blocking(v, true);
        if (bh_vchan_send(v, out, len) < 0)
                printf("ERROR send %s\n", bh_gui_msg_name(m->type));
        bh_vchan_set_blocking(v, false);
}

static void print_bytes(const uint8_t *b, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
                        putchar(b[i]);
                else
                        printf("\\x%02x", b[i]);
        }
}

/* ---- what the agent sends --------------------------------------------------------- */

static int on_msg(const struct bh_gui_msg *m)
{
        struct win *w;
        int r;

        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                printf("HELLO %u\n", m->u.hello.version);
                break;
        case BH_GUI_MSG_CREATE:
                win_get(m->window, true);
                printf("CREATE 0x%x %d %d %u %u 0x%x %u\n", m->window, m->u.create.rect.x,
                       m->u.create.rect.y, m->u.create.rect.w, m->u.create.rect.h,
                       m->u.create.transient_for, m->u.create.flags);
                break;
        case BH_GUI_MSG_DESTROY:
                w = win_get(m->window, false);
                if (w)
                        win_drop(w);
                printf("DESTROY 0x%x\n", m->window);
                break;
        case BH_GUI_MSG_MAP:
                printf("MAP 0x%x 0x%x %u\n", m->window, m->u.map.transient_for, m->u.map.flags);
                break;
        case BH_GUI_MSG_UNMAP:
                printf("UNMAP 0x%x\n", m->window);
                break;
        case BH_GUI_MSG_CONFIGURE:
                printf("CONFIGURE 0x%x %d %d %u %u %u\n", m->window, m->u.configure.rect.x,
                       m->u.configure.rect.y, m->u.configure.rect.w, m->u.configure.rect.h,
                       m->u.configure.flags);
                break;
        case BH_GUI_MSG_BUFFER:
                w = win_get(m->window, true);
                if (w->buf)
                        bh_shbuf_free(w->buf);
                w->buf = NULL;
                r = bh_shbuf_map(v, m->u.buffer.desc, m->u.buffer.desc_len, m->u.buffer.size,
                                 false, &w->buf);
                if (r < 0) {
                        printf("VIOLATION BUFFER cannot be mapped: %s\n", strerror(-r));
                        return -EPROTO;
                }
                w->buf_w = m->u.buffer.width;
                w->buf_h = m->u.buffer.height;
                printf("BUFFER 0x%x %u %u\n", m->window, w->buf_w, w->buf_h);
                break;
        case BH_GUI_MSG_DAMAGE:
                w = win_get(m->window, false);
                if (w) {
                        w->damages++;
                        w->pixels += (uint64_t)m->u.damage.w * m->u.damage.h;
                }
                printf("DAMAGE 0x%x %u %u %u %u\n", m->window, m->u.damage.x, m->u.damage.y,
                       m->u.damage.w, m->u.damage.h);
                break;
        case BH_GUI_MSG_TITLE:
                printf("TITLE 0x%x ", m->window);
                print_bytes((const uint8_t *)m->u.title.bytes, m->u.title.len);
                putchar('\n');
                break;
        case BH_GUI_MSG_CLASS:
                printf("CLASS 0x%x %.*s %.*s\n", m->window, (int)m->u.wm_class.instance_len,
                       m->u.wm_class.instance, (int)m->u.wm_class.class_len, m->u.wm_class.class_);
                break;
        case BH_GUI_MSG_SIZE_HINTS:
                printf("SIZE_HINTS 0x%x %u min %u %u max %u %u base %u %u inc %u %u\n",
                       m->window, m->u.hints.flags, m->u.hints.min_w, m->u.hints.min_h,
                       m->u.hints.max_w, m->u.hints.max_h, m->u.hints.base_w, m->u.hints.base_h,
                       m->u.hints.inc_w, m->u.hints.inc_h);
                break;
        case BH_GUI_MSG_WINDOW_FLAGS:
                printf("WINDOW_FLAGS 0x%x %u\n", m->window, m->u.window_flags.flags);
                break;
        case BH_GUI_MSG_CURSOR:
                printf("CURSOR 0x%x %u\n", m->window, m->u.cursor.cursor);
                break;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                printf("CLIPBOARD_DATA %zu ", m->u.clipboard.len);
                print_bytes(m->u.clipboard.bytes, m->u.clipboard.len);
                putchar('\n');
                break;
        }
        return 0;
}

static uint8_t in[BH_GUI_MAX_MSG];
static bool have_hdr;
static uint32_t payload;

/* 0: nothing more now; -EPIPE: the agent is gone; -EPROTO: it broke the protocol. */
static int read_msgs(void)
{
        for (;;) {
                struct bh_gui_msg m;
                const char *why = NULL;
                ssize_t n;

                if (!have_hdr) {
                        n = bh_vchan_recv(v, in, BH_GUI_HDR_SIZE);
                        if (n == -EAGAIN)
                                return 0;
                        if (n < 0)
                                return (int)n;
                        if (bh_gui_check_header(peer, in, &payload, &why) < 0) {
                                printf("VIOLATION %s\n", why);
                                return -EPROTO;
                        }
                        have_hdr = true;
                }
                if (payload) {
                        n = bh_vchan_recv(v, in + BH_GUI_HDR_SIZE, payload);
                        if (n == -EAGAIN)
                                return 0;
                        if (n < 0)
                                return (int)n;
                }
                have_hdr = false;
                if (bh_gui_check(peer, in, BH_GUI_HDR_SIZE + payload, &m, &why) < 0) {
                        printf("VIOLATION %s (%s)\n", why, bh_gui_msg_name(m.type));
                        return -EPROTO;
                }
                if (on_msg(&m) < 0)
                        return -EPROTO;
        }
}

/* ---- commands --------------------------------------------------------------------- */

static bool open_display(void)
{
        if (!dpy && display_name)
                dpy = XOpenDisplay(display_name);
        if (!dpy)
                printf("ERROR no display\n");
        return dpy != NULL;
}

static void key(uint32_t win, unsigned kc, unsigned state, bool pressed)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_KEY, .window = win };

        m.u.key.keycode = kc;
        m.u.key.state = state;
        m.u.key.pressed = pressed;
        send_msg(&m);
}

/* Presses and releases the key for ks, with Shift if its second level has it. */
static void type_keysym(uint32_t win, KeySym ks)
{
        KeyCode kc = XKeysymToKeycode(dpy, ks), shift = XKeysymToKeycode(dpy, XK_Shift_L);
        bool shifted;

        if (!kc) {
                printf("ERROR no key for keysym 0x%lx\n", ks);
                return;
        }
        shifted = XkbKeycodeToKeysym(dpy, kc, 0, 0) != ks && XkbKeycodeToKeysym(dpy, kc, 0, 1) == ks;
        if (shifted)
                key(win, shift, 0, true);
        key(win, kc, shifted ? ShiftMask : 0, true);
        key(win, kc, shifted ? ShiftMask : 0, false);
        if (shifted)
                key(win, shift, ShiftMask, false);
}

static bool pixels(struct win *w, uint32_t id)
{
        XWindowAttributes a;
        XImage *img;
        uint32_t differ = 0, total = 0, colors[4];
        unsigned ncolors = 0;
        const uint8_t *data;

        if (!w || !w->buf || !open_display())
                return false;
        if (!XGetWindowAttributes(dpy, id, &a))
                return false;
        img = XGetImage(dpy, id, 0, 0, (unsigned)a.width, (unsigned)a.height, AllPlanes, ZPixmap);
        if (!img)
                return false;
        data = bh_shbuf_data(w->buf);
        for (int y = 0; y < a.height; y++) {
                for (int x = 0; x < a.width; x++) {
                        uint32_t bx = (uint32_t)(x + a.border_width), by = (uint32_t)(y + a.border_width);
                        uint32_t want = (uint32_t)XGetPixel(img, x, y) & 0xffffff, have;

                        if (bx >= w->buf_w || by >= w->buf_h)
                                continue;
                        memcpy(&have, data + ((size_t)by * w->buf_w + bx) * 4, 4);
                        have &= 0xffffff;
                        total++;
                        if (have != want)
                                differ++;
                        if (ncolors < 4) {
                                bool seen = false;

                                for (unsigned i = 0; i < ncolors; i++)
                                        seen |= colors[i] == have;
                                if (!seen)
                                        colors[ncolors++] = have;
                        }
                }
        }
        XDestroyImage(img);
        if (differ || !total)
                printf("PIXELS 0x%x differ %u of %u\n", id, differ, total);
        else
                printf("PIXELS 0x%x ok colors=%u\n", id, ncolors);
        return true;
}

static void command(char *line)
{
        char cmd[32] = "", rest[4096] = "";
        unsigned win = 0;
        int a = 0, b = 0, c = 0, d = 0, e = 0;
        struct bh_gui_msg m = { 0 };

        if (sscanf(line, "%31s", cmd) != 1)
                return;
        if (strcmp(cmd, "quit") == 0) {
                fflush(stdout);
                exit(0);
        } else if (strcmp(cmd, "paste") == 0) {
                const char *text = line + strlen("paste");

                text += *text == ' ';
                m.type = BH_GUI_MSG_CLIPBOARD_DATA;
                m.u.clipboard.bytes = (const uint8_t *)text;
                m.u.clipboard.len = strlen(text);
                send_msg(&m);
        } else if (sscanf(line, "clipreq %d", &a) == 1) {
                m.type = BH_GUI_MSG_CLIPBOARD_REQ;
                m.u.clipboard_req.max_bytes = (uint32_t)a;
                bh_gui_peer_expect_clipboard(peer, (uint32_t)a);
                send_msg(&m);
        } else if (sscanf(line, "screen %d %d", &a, &b) == 2) {
                m.type = BH_GUI_MSG_SCREEN;
                m.u.screen.width = (uint32_t)a;
                m.u.screen.height = (uint32_t)b;
                send_msg(&m);
        } else if (sscanf(line, "key %x %d %d %d", &win, &a, &b, &c) == 4) {
                key(win, (unsigned)a, (unsigned)b, c);
        } else if (sscanf(line, "type %x %4095[^\n]", &win, rest) == 2) {
                if (!open_display())
                        return;
                for (const char *p = rest; *p; p++)
                        type_keysym(win, (KeySym)(unsigned char)*p);
        } else if (sscanf(line, "keysym %x %63s", &win, rest) == 2) {
                if (open_display())
                        type_keysym(win, XStringToKeysym(rest));
        } else if (sscanf(line, "focus %x", &win) == 1 || sscanf(line, "unfocus %x", &win) == 1) {
                m.type = BH_GUI_MSG_FOCUS;
                m.window = win;
                m.u.focus.in = cmd[0] == 'f';
                send_msg(&m);
        } else if (sscanf(line, "click %x %d %d %d", &win, &a, &b, &c) == 4) {
                m.type = BH_GUI_MSG_BUTTON;
                m.window = win;
                m.u.button.x = a;
                m.u.button.y = b;
                m.u.button.button = (uint32_t)c;
                m.u.button.pressed = true;
                send_msg(&m);
                m.u.button.pressed = false;
                m.u.button.state = Button1Mask << (c - 1);
                if (c > 5)
                        m.u.button.state = 0;
                send_msg(&m);
        } else if (sscanf(line, "motion %x %d %d", &win, &a, &b) == 3) {
                m.type = BH_GUI_MSG_MOTION;
                m.window = win;
                m.u.motion.x = a;
                m.u.motion.y = b;
                send_msg(&m);
        } else if (sscanf(line, "enter %x %d %d", &win, &a, &b) == 3) {
                m.type = BH_GUI_MSG_CROSSING;
                m.window = win;
                m.u.crossing.x = a;
                m.u.crossing.y = b;
                m.u.crossing.entered = true;
                send_msg(&m);
        } else if (sscanf(line, "scroll %x %d %d %d %d", &win, &a, &b, &c, &d) == 5) {
                m.type = BH_GUI_MSG_SCROLL;
                m.window = win;
                m.u.scroll.x = a;
                m.u.scroll.y = b;
                m.u.scroll.dx = c;
                m.u.scroll.dy = d;
                send_msg(&m);
        } else if (sscanf(line, "configure %x %d %d %d %d", &win, &a, &b, &c, &d) == 5) {
                m.type = BH_GUI_MSG_CONFIGURE;
                m.window = win;
                m.u.configure.rect = (struct bh_gui_rect){ a, b, (uint32_t)c, (uint32_t)d };
                send_msg(&m);
        } else if (sscanf(line, "close %x", &win) == 1) {
                m.type = BH_GUI_MSG_CLOSE;
                m.window = win;
                send_msg(&m);
        } else if (sscanf(line, "pixels %x", &win) == 1) {
                if (!pixels(win_get(win, false), win))
                        printf("PIXELS 0x%x unknown\n", win);
        } else if (sscanf(line, "count %x", &win) == 1) {
                struct win *w = win_get(win, false);

                printf("COUNT 0x%x damages=%llu pixels=%llu ms=%lld\n", win,
                       w ? (unsigned long long)w->damages : 0ull,
                       w ? (unsigned long long)w->pixels : 0ull, (long long)now_ms());
        } else {
                printf("ERROR unknown command: %s\n", line);
        }
        (void)e;
}

int main(int argc, char **argv)
{
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_GUI_PORT };
        unsigned sw = 1920, sh = 1080;
        char line[8192];
        size_t line_len = 0;
        bool stdin_open = true;
        int opt, r;

        static const struct option opts[] = {
                { "dir", required_argument, NULL, 'd' },
                { "screen", required_argument, NULL, 's' },
                { "display", required_argument, NULL, 'D' },
                { 0 },
        };
        while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (opt) {
                case 'd':
                        addr.socket_dir = optarg;
                        break;
                case 's':
                        if (sscanf(optarg, "%ux%u", &sw, &sh) != 2)
                                return 2;
                        break;
                case 'D':
                        display_name = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (!addr.socket_dir) {
                fprintf(stderr, "usage: fake-guid --dir DIR [--screen WxH] [--display :N]\n");
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        bh_log_init("fake-guid");
        r = bh_vchan_client_init(&v, &addr, 10000);
        if (r < 0) {
                printf("ERROR connect: %s\n", strerror(-r));
                return 1;
        }
        if (bh_gui_peer_new(&peer, BH_GUI_FROM_AGENT) < 0)
                return 1;
        send_msg(&(struct bh_gui_msg){ .type = BH_GUI_MSG_HELLO,
                                       .u.hello.version = BH_GUI_PROTO_VERSION });
        send_msg(&(struct bh_gui_msg){ .type = BH_GUI_MSG_SCREEN,
                                       .u.screen = { sw, sh } });
        printf("CONNECTED\n");
        for (;;) {
                struct pollfd p[2] = { { .fd = bh_vchan_fd(v), .events = POLLIN },
                                       { .fd = stdin_open ? 0 : -1, .events = POLLIN } };

                r = read_msgs();
                if (r == -EPIPE) {
                        printf("EOF\n");
                        return 0;
                }
                if (r < 0)
                        return 3;
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return 1;
                if (p[0].revents) {
                        r = bh_vchan_wait(v, 0);
                        if (r == -EPROTO)
                                return 3;
                }
                if (p[1].revents) {
                        ssize_t n = read(0, line + line_len, sizeof(line) - 1 - line_len);
                        char *nl;

                        if (n <= 0) {
                                stdin_open = false;
                                continue;
                        }
                        line_len += (size_t)n;
                        line[line_len] = '\0';
                        while ((nl = strchr(line, '\n'))) {
                                *nl = '\0';
                                command(line);
                                line_len -= (size_t)(nl + 1 - line);
                                memmove(line, nl + 1, line_len + 1);
                        }
                        if (line_len == sizeof(line) - 1)
                                line_len = 0; /* an absurd line: dropped */
                }
        }
}
