/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/gui: how many frames a second of a 1920x1080 window repainted
 * continuously reach dom0's desktop, and how long a frame takes from the
 * domain's X server to the desktop, through Bulkhead's GUI path and through
 * Xpra in the same run.  Prints one JSON document.
 *
 *   bench/gui [--quick] [--seconds N] [--rate HZ] [--no-xpra] [--bulkhead DIR]
 *
 * Everything runs as plain processes on this machine, no domain needed:
 *
 *   desktop    Xvfb :M at 2560x1440 (so the window and its frame fit whole)
 *   bulkhead   agent/bulkhead-gui-agent with its own Xvfb (socket transport,
 *              a temporary vchan directory) and gui-daemon/bulkhead-guid
 *              --domain benchgui showing on :M
 *   xpra       "xpra start" with its own Xvfb and "xpra attach" showing on :M
 *              (encoding rgb, speed 100, mmap as xpra chooses for a local
 *              socket; sound, notifications, clipboard and mdns off)
 *
 * On each side bench/peers/gui-painter paints the window in the domain's X
 * server, each frame carrying its number in a marker at its top-left and
 * bottom-left corners, and writes down when it drew each frame
 * (CLOCK_MONOTONIC after XSync).  This program watches the desktop: it
 * finds the shown window by its title, locates the marker once, then reads
 * one row through each marker (XGetImage of the root window) whenever the
 * desktop reports damage (XDamage on its root) and at least every 2 ms.  A
 * frame counts as visible when both markers show its number, so a frame
 * half drawn is not counted.
 *
 *   fps        distinct frames visible per second while the painter paints
 *              as fast as the domain's X server takes it (after a warm-up)
 *   latency    visible time - drawn time, for every frame seen, while the
 *              painter paints at a fixed rate (default 30 Hz, so that one
 *              frame is through before the next comes); the same figures
 *              while painting flat out are given too
 *
 * Bulkhead runs first, then Xpra.  If xpra is not installed, or its window
 * does not show in time, "xpra" is null and "peer_skipped" says why; with
 * --quick that time is 20 s.
 *
 * stdout carries the JSON and nothing else; the programs' logs go to a
 * temporary directory, shown on stderr when a side fails.  Exit status: 0 ok
 * (also when no Xvfb is installed: the JSON then says "skipped"), 1 failed,
 * 2 usage.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "util.h"

#define WIN_W 1920
#define WIN_H 1080
/* The desktop is larger than the window so that the window, its frame and
 * anything a client adds are shown whole, unclipped. */
#define DESK_W 2560
#define DESK_H 1440
#define TITLE "bh-bench-gui-painter"
#define DOMAIN "benchgui"

/* The marker bench/peers/gui-painter.c draws: 32 blocks of 8x8 pixels,
 * white 1 and black 0, most significant first: 1, 0, a 22-bit frame
 * number, 8 check bits. */
#define MARKER_BLOCK 8
#define MARKER_BLOCKS 32
#define MARKER_WIDTH (MARKER_BLOCK * MARKER_BLOCKS)
#define MARKER_FRAME_MASK 0x3fffffu

/* Frames numbered past this are ignored: flat out is some hundreds a
 * second, runs are seconds long. */
#define MAX_FRAMES (1u << 20)
#define POLL_MS 2
/* After the painter stops, frames still in flight get this long to show. */
#define SETTLE_MS 500

#define FULL_SECONDS 10.0
#define QUICK_SECONDS 2.0
#define DEFAULT_RATE 30.0
#define START_TIMEOUT_MS 30000
#define XPRA_TIMEOUT_MS 60000
#define XPRA_QUICK_TIMEOUT_MS 20000

struct stats {
        double p50, p99, mean;
        unsigned n;
};

struct result {
        bool ok;
        double fps, painter_fps, seen_fraction;
        struct stats lat_fixed, lat_flat;
        unsigned fixed_frames, fixed_seen;
};

/* One side's run: the desktop reader and the painter. */
struct run {
        Display *dpy;
        Window root;
        int damage_event;
        Damage damage;
        int sx, sy; /* root coordinates of the top marker's first sample */
        pid_t painter;
        FILE *to_painter;
        int from_painter;
        char times[PATH_MAX];
        uint64_t *seen; /* ns each frame first became visible, 0 if not */
        uint64_t *drawn;
};

static char build_dir[PATH_MAX];
static char work[] = "/tmp/bh-bench-gui.XXXXXX";
static bool quick;
static double seconds = FULL_SECONDS;
static double rate = DEFAULT_RATE;

/* Processes this program started, each the leader of its own group. */
static pid_t children[16];
static unsigned n_children;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* Starts argv in its own process group with env (NAME=VALUE, NULL-ended)
 * added; stdin from in_fd (-1: /dev/null), stdout to out_fd (-1: the log),
 * stderr to the log file work/LOG. */
static pid_t spawn(char *const argv[], char *const env[], int in_fd, int out_fd, const char *log)
{
        char path[sizeof(work) + 64];
        pid_t pid;

        snprintf(path, sizeof(path), "%s/%s", work, log);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                int lf = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

                setpgid(0, 0);
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO);
                dup2(out_fd >= 0 ? out_fd : lf, STDOUT_FILENO);
                dup2(lf, STDERR_FILENO);
                for (unsigned i = 0; env && env[i]; i++)
                        putenv(env[i]);
                execvp(argv[0], argv);
                fprintf(stderr, "bench/gui: %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        setpgid(pid, pid);
        if (n_children < ELEMENTSOF(children))
                children[n_children++] = pid;
        return pid;
}

/* SIGTERM to pid's group, SIGKILL after timeout_ms; reaps it. */
static void stop(pid_t pid, unsigned timeout_ms)
{
        if (pid <= 0)
                return;
        kill(-pid, SIGTERM);
        for (unsigned i = 0; i < timeout_ms / 10; i++) {
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        goto gone;
                sleep_ms(10);
        }
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
gone:
        /* Whatever it left in its group (an Xvfb). */
        kill(-pid, SIGKILL);
        for (unsigned i = 0; i < n_children; i++)
                if (children[i] == pid)
                        children[i] = 0;
}

static void stop_all(void)
{
        for (unsigned i = n_children; i-- > 0;)
                stop(children[i], 3000);
}

static bool in_path(const char *prog)
{
        const char *p = getenv("PATH");
        char buf[PATH_MAX];

        while (p && *p) {
                size_t n = strcspn(p, ":");
                snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
                if (access(buf, X_OK) == 0)
                        return true;
                p += n + (p[n] == ':');
        }
        return false;
}

/* A display number no X server has, other than those in taken[]. */
static int free_display(const int *taken, unsigned n_taken)
{
        for (int d = 90; d < 200; d++) {
                char a[64], b[64];
                bool used = false;

                for (unsigned i = 0; i < n_taken; i++)
                        used |= taken[i] == d;
                snprintf(a, sizeof(a), "/tmp/.X11-unix/X%d", d);
                snprintf(b, sizeof(b), "/tmp/.X%d-lock", d);
                if (!used && access(a, F_OK) != 0 && access(b, F_OK) != 0)
                        return d;
        }
        return -1;
}

static int ignore_x_error(Display *dpy, XErrorEvent *e)
{
        return 0;
}

/* Opens display :d, retrying until timeout_ms; NULL if it never answers. */
static Display *open_display(int d, unsigned timeout_ms)
{
        char name[16];

        snprintf(name, sizeof(name), ":%d", d);
        for (unsigned i = 0; i < timeout_ms / 50; i++) {
                Display *dpy = XOpenDisplay(name);
                if (dpy)
                        return dpy;
                sleep_ms(50);
        }
        return NULL;
}

static bool wait_path(const char *path, unsigned timeout_ms)
{
        for (unsigned i = 0; i < timeout_ms / 20; i++) {
                if (access(path, F_OK) == 0)
                        return true;
                sleep_ms(20);
        }
        return false;
}

/* The frame number in a row sampled every MARKER_BLOCK pixels, or -1. */
static long marker_decode(XImage *img, int x0, int y)
{
        uint32_t bits = 0, f, check;

        for (int i = 0; i < MARKER_BLOCKS; i++) {
                unsigned long p = XGetPixel(img, x0 + i * MARKER_BLOCK, y);
                unsigned lum = (unsigned)((p >> 16 & 0xff) + (p >> 8 & 0xff) + (p & 0xff));
                bits = bits << 1 | (lum > 384);
        }
        f = bits >> 8 & MARKER_FRAME_MASK;
        check = (f ^ f >> 8 ^ f >> 16 ^ 0xa5) & 0xff;
        if (bits >> 30 != 2 || (bits & 0xff) != check)
                return -1;
        return (long)f;
}

/* The desktop window whose name contains TITLE, and where it is. */
static bool find_window(Display *dpy, Window root, int *x, int *y, unsigned *w, unsigned *h)
{
        Window r, parent, *kids = NULL;
        unsigned n = 0;
        bool found = false;

        if (!XQueryTree(dpy, root, &r, &parent, &kids, &n))
                return false;
        for (unsigned i = n; i-- > 0 && !found;) {
                XWindowAttributes a;
                char *name = NULL;
                Window child;

                if (!XGetWindowAttributes(dpy, kids[i], &a) || a.map_state != IsViewable)
                        continue;
                if (XFetchName(dpy, kids[i], &name) && name && strstr(name, TITLE)) {
                        XTranslateCoordinates(dpy, kids[i], root, 0, 0, x, y, &child);
                        *w = (unsigned)a.width;
                        *h = (unsigned)a.height;
                        found = true;
                }
                if (name)
                        XFree(name);
        }
        if (kids)
                XFree(kids);
        return found;
}

/* Finds the shown window and its top marker (frame 0) on the desktop. */
static int calibrate(struct run *r, unsigned timeout_ms)
{
        uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
        bool shown = false;

        while (now_ns() < end) {
                int x, y, minx = INT_MAX, maxx = -1, miny = INT_MAX, maxy = -1;
                unsigned w = 0, h = 0, cw, ch;
                XImage *img;

                sleep_ms(50);
                if (!find_window(r->dpy, r->root, &x, &y, &w, &h) || w < WIN_W || h < WIN_H)
                        continue;
                if (x < 0 || y < 0 || x + WIN_W + 64 > DESK_W || y + WIN_H + 64 > DESK_H)
                        continue;
                shown = true;
                /* The content may sit inside a frame: look at the window's
                 * first 64 rows and columns beyond the marker. */
                cw = MARKER_WIDTH + 64;
                ch = MARKER_BLOCK + 64;
                img = XGetImage(r->dpy, r->root, x, y, cw, ch, AllPlanes, ZPixmap);
                if (!img)
                        continue;
                for (int dy = 0; dy < (int)ch; dy++)
                        for (int dx = 0; dx + MARKER_WIDTH <= (int)cw; dx++)
                                if (marker_decode(img, dx, dy) == 0) {
                                        minx = dx < minx ? dx : minx;
                                        maxx = dx > maxx ? dx : maxx;
                                        miny = dy < miny ? dy : miny;
                                        maxy = dy > maxy ? dy : maxy;
                                }
                XDestroyImage(img);
                if (maxx < 0)
                        continue;
                /* The middle of the positions that decode: block centres. */
                r->sx = x + (minx + maxx) / 2;
                r->sy = y + (miny + maxy) / 2;
                return 0;
        }
        /* A window whose pixels never carry frame 0's marker: they reach
         * the desktop altered. */
        return shown ? -EBADMSG : -ETIMEDOUT;
}

/* Reads both markers once; records the frame they agree on. */
static void sample(struct run *r)
{
        XImage *top, *bottom;
        long a = -1, b = -1;
        uint64_t t;

        top = XGetImage(r->dpy, r->root, r->sx, r->sy, MARKER_WIDTH, 1, AllPlanes, ZPixmap);
        bottom = XGetImage(r->dpy, r->root, r->sx, r->sy + WIN_H - MARKER_BLOCK, MARKER_WIDTH, 1,
                           AllPlanes, ZPixmap);
        t = now_ns();
        if (top)
                a = marker_decode(top, 0, 0);
        if (bottom)
                b = marker_decode(bottom, 0, 0);
        if (top)
                XDestroyImage(top);
        if (bottom)
                XDestroyImage(bottom);
        if (a >= 0 && a == b && a < MAX_FRAMES && !r->seen[a])
                r->seen[a] = t;
}

/* Sends "run HZ SECONDS" and watches the desktop until the painter is done
 * and SETTLE_MS more; *first and *last get the frames it painted. */
static int paint(struct run *r, double hz, double secs, unsigned *first, unsigned *last)
{
        char line[128];
        size_t have = 0;
        uint64_t settle_end = 0;
        bool done = false;

        fprintf(r->to_painter, "run %g %g\n", hz, secs);
        fflush(r->to_painter);
        for (;;) {
                struct pollfd p[2] = { { ConnectionNumber(r->dpy), POLLIN, 0 },
                                       { r->from_painter, POLLIN, 0 } };
                int n;

                if (done && now_ns() >= settle_end)
                        return 0;
                n = poll(p, done ? 1 : 2, POLL_MS);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (!done && (p[1].revents & (POLLIN | POLLHUP))) {
                        ssize_t k = read(r->from_painter, line + have, sizeof(line) - 1 - have);
                        if (k <= 0)
                                return -EPIPE;
                        have += (size_t)k;
                        line[have] = '\0';
                        if (strchr(line, '\n')) {
                                if (sscanf(line, "done %u %u", first, last) != 2)
                                        return -EPROTO;
                                done = true;
                                settle_end = now_ns() + SETTLE_MS * 1000000ull;
                        }
                }
                while (XPending(r->dpy)) {
                        XEvent ev;
                        XNextEvent(r->dpy, &ev);
                }
                XDamageSubtract(r->dpy, r->damage, None, None);
                sample(r);
        }
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static struct stats latency(struct run *r, unsigned first, unsigned last)
{
        struct stats s = { 0 };
        _cleanup_free_ double *v = calloc(last - first + 1, sizeof(double));
        double sum = 0;

        if (!v)
                return s;
        for (unsigned f = first; f <= last && f < MAX_FRAMES; f++)
                if (r->seen[f] && r->drawn[f]) {
                        /* A frame seen before its draw returned: the
                         * painter's XSync reply came after the frame was
                         * already out; that is 0 latency, not negative. */
                        double ms = r->seen[f] > r->drawn[f] ? (double)(r->seen[f] - r->drawn[f]) / 1e6 : 0;
                        v[s.n++] = ms;
                        sum += ms;
                }
        if (s.n == 0)
                return s;
        qsort(v, s.n, sizeof(double), cmp_double);
        s.p50 = v[(unsigned)(0.5 * (s.n - 1) + 0.5)];
        s.p99 = v[(unsigned)(0.99 * (s.n - 1) + 0.5)];
        s.mean = sum / s.n;
        return s;
}

static int read_times(struct run *r)
{
        _cleanup_fclose_ FILE *f = fopen(r->times, "r");
        unsigned fr;
        unsigned long long ns;

        if (!f)
                return -errno;
        while (fscanf(f, "%u %llu", &fr, &ns) == 2)
                if (fr < MAX_FRAMES)
                        r->drawn[fr] = ns;
        return 0;
}

/* Starts the painter on display :d, waits for its "ready", finds its window
 * on the desktop, paints flat out then at the fixed rate, and computes the
 * side's figures. */
static int measure(struct run *r, int d, unsigned timeout_ms, struct result *res)
{
        char painter[PATH_MAX + 64], disp[32], wh[2][16];
        int to[2], from[2], rc;
        unsigned f1, l1, f2, l2, counted = 0;
        double warm = quick ? 0.5 : 1.0;

        snprintf(painter, sizeof(painter), "%s/bench/peers/gui-painter", build_dir);
        snprintf(disp, sizeof(disp), "DISPLAY=:%d", d);
        snprintf(wh[0], sizeof(wh[0]), "%d", WIN_W);
        snprintf(wh[1], sizeof(wh[1]), "%d", WIN_H);
        snprintf(r->times, sizeof(r->times), "%s/times.%d", work, d);
        unlink(r->times);
        if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
                return -errno;
        {
                char *argv[] = { painter, wh[0], wh[1], TITLE, r->times, NULL };
                char *env[] = { disp, NULL };
                r->painter = spawn(argv, env, to[0], from[1], "painter.log");
        }
        close(to[0]);
        close(from[1]);
        r->to_painter = fdopen(to[1], "w");
        r->from_painter = from[0];
        if (r->painter < 0 || !r->to_painter)
                return -ECHILD;
        {
                char line[16] = "";
                struct pollfd p = { r->from_painter, POLLIN, 0 };
                if (poll(&p, 1, (int)timeout_ms) <= 0 ||
                    read(r->from_painter, line, sizeof(line) - 1) <= 0 || strncmp(line, "ready", 5)) {
                        fprintf(stderr, "bench/gui: the painter did not start on :%d\n", d);
                        return -ETIMEDOUT;
                }
        }
        rc = calibrate(r, timeout_ms);
        if (rc < 0) {
                fprintf(stderr, "bench/gui: %s\n",
                        rc == -EBADMSG ? "the painter's window showed, but never with its pixels intact"
                                       : "the painter's window did not show on the desktop");
                return rc;
        }
        rc = paint(r, 0, seconds, &f1, &l1);
        if (rc == 0)
                rc = paint(r, rate, seconds, &f2, &l2);
        if (rc < 0)
                return rc;
        rc = read_times(r);
        if (rc < 0 || l1 < f1 || l2 < f2 || l2 >= MAX_FRAMES || !r->drawn[f1] || !r->drawn[l1])
                return rc < 0 ? rc : -EPROTO;
        {
                uint64_t t0 = r->drawn[f1] + (uint64_t)(warm * 1e9), t1 = r->drawn[l1];

                for (unsigned f = f1; f <= l1; f++)
                        counted += r->seen[f] >= t0 && r->seen[f] <= t1;
                res->fps = t1 > t0 ? counted / ((double)(t1 - t0) / 1e9) : 0;
                res->painter_fps = (l1 - f1) / ((double)(t1 - r->drawn[f1]) / 1e9);
        }
        res->lat_flat = latency(r, f1, l1);
        res->lat_fixed = latency(r, f2, l2);
        res->fixed_frames = l2 - f2 + 1;
        res->fixed_seen = res->lat_fixed.n;
        res->seen_fraction = (double)res->lat_flat.n / (l1 - f1 + 1);
        res->ok = true;
        return 0;
}

static void end_run(struct run *r)
{
        if (r->to_painter)
                fclose(r->to_painter);
        r->to_painter = NULL;
        if (r->from_painter > 0)
                close(r->from_painter);
        r->from_painter = -1;
        stop(r->painter, 2000);
        r->painter = 0;
}

static int bulkhead_side(struct run *r, int desk, const int *taken, struct result *res)
{
        char agent[PATH_MAX + 64], guid[PATH_MAX + 64], vchan[sizeof(work) + 16],
                sock[sizeof(work) + 48], rundir[sizeof(work) + 16];
        char e_dir[sizeof(vchan) + 32], e_disp[48], e_desk[32], e_run[sizeof(rundir) + 32];
        int d = free_display(taken, 1);
        pid_t a, g;
        int rc;

        if (d < 0)
                return -EBUSY;
        snprintf(agent, sizeof(agent), "%s/agent/bulkhead-gui-agent", build_dir);
        snprintf(guid, sizeof(guid), "%s/gui-daemon/bulkhead-guid", build_dir);
        snprintf(vchan, sizeof(vchan), "%s/vchan", work);
        snprintf(rundir, sizeof(rundir), "%s/run", work);
        snprintf(sock, sizeof(sock), "%s/vchan.6000.sock", vchan);
        snprintf(e_dir, sizeof(e_dir), "BULKHEAD_VCHAN_DIR=%s", vchan);
        snprintf(e_disp, sizeof(e_disp), "BULKHEAD_GUI_DISPLAY=:%d", d);
        snprintf(e_desk, sizeof(e_desk), "DISPLAY=:%d", desk);
        snprintf(e_run, sizeof(e_run), "BULKHEAD_RUNTIME_DIR=%s", rundir);
        mkdir(vchan, 0700);
        mkdir(rundir, 0700);
        {
                char *argv[] = { agent, NULL };
                char *env[] = { e_dir, e_disp, "BULKHEAD_TRANSPORT=socket", NULL };
                /* The agent starts its own X server only without DISPLAY. */
                char *saved = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
                unsetenv("DISPLAY");
                a = spawn(argv, env, -1, -1, "agent.log");
                if (saved) {
                        setenv("DISPLAY", saved, 1);
                        free(saved);
                }
        }
        if (a < 0 || !wait_path(sock, START_TIMEOUT_MS)) {
                fprintf(stderr, "bench/gui: the agent made no channel\n");
                return -ETIMEDOUT;
        }
        {
                char *argv[] = { guid, "--domain", DOMAIN, "--label", "blue", "--vchan-dir", vchan,
                                 NULL };
                /* GTK keeps memory until exit: a sanitizer build must not
                 * call that a leak. */
                char *env[] = { e_desk, e_run, "NO_AT_BRIDGE=1", "ASAN_OPTIONS=detect_leaks=0",
                                NULL };
                g = spawn(argv, env, -1, -1, "guid.log");
        }
        if (g < 0)
                return -ECHILD;
        {
                /* The agent starts its X server once guid has connected. */
                Display *x = open_display(d, START_TIMEOUT_MS);
                if (!x) {
                        fprintf(stderr, "bench/gui: the agent's X server :%d did not start\n", d);
                        return -ETIMEDOUT;
                }
                XCloseDisplay(x);
        }
        rc = measure(r, d, START_TIMEOUT_MS, res);
        end_run(r);
        stop(g, 3000);
        stop(a, 3000);
        return rc;
}

static const char *const xpra_common[] = {
        "--mdns=no", "--notifications=no", "--pulseaudio=no", "--speaker=disabled",
        "--microphone=disabled", "--webcam=no", "--bell=no", "--clipboard=no", "--printing=no",
        "--file-transfer=no", "--open-files=no", "--dbus-proxy=no", "--av-sync=no", "--tray=no",
        "--system-tray=no", "--cursors=no", "--xsettings=no", "--remote-logging=no",
        "--encoding=rgb", "--speed=100", "--quality=100", "--video-encoders=none",
        "--csc-modules=none", "--video-scaling=off", NULL
};

static int xpra_side(struct run *r, int desk, const int *taken, struct result *res,
                     const char **why)
{
        char sockdir[sizeof(work) + 16], xdg[sizeof(work) + 16], home[sizeof(work) + 16],
                disp[16], xvfb[160], o_sock[sizeof(sockdir) + 32], o_socks[sizeof(sockdir) + 32],
                o_log[sizeof(work) + 32], o_xvfb[sizeof(xvfb) + 32];
        char e_xdg[sizeof(xdg) + 32], e_home[sizeof(home) + 16], e_desk[32];
        char *argv[64];
        unsigned n = 0, timeout = quick ? XPRA_QUICK_TIMEOUT_MS : XPRA_TIMEOUT_MS;
        int d = free_display(taken, 2);
        pid_t s, c;
        int rc;

        if (d < 0)
                return -EBUSY;
        snprintf(sockdir, sizeof(sockdir), "%s/xpra", work);
        snprintf(xdg, sizeof(xdg), "%s/xdg", work);
        snprintf(home, sizeof(home), "%s/home", work);
        mkdir(sockdir, 0700);
        mkdir(xdg, 0700);
        mkdir(home, 0700);
        snprintf(disp, sizeof(disp), ":%d", d);
        snprintf(xvfb, sizeof(xvfb),
                 "Xvfb +extension Composite -screen 0 %dx%dx24+32 -nolisten tcp -noreset", DESK_W,
                 DESK_H);
        snprintf(o_xvfb, sizeof(o_xvfb), "--xvfb=%s", xvfb);
        snprintf(o_sock, sizeof(o_sock), "--socket-dir=%s", sockdir);
        snprintf(o_socks, sizeof(o_socks), "--socket-dirs=%s", sockdir);
        snprintf(o_log, sizeof(o_log), "--log-dir=%s", work);
        snprintf(e_xdg, sizeof(e_xdg), "XDG_RUNTIME_DIR=%s", xdg);
        snprintf(e_home, sizeof(e_home), "HOME=%s", home);
        snprintf(e_desk, sizeof(e_desk), "DISPLAY=:%d", desk);

        argv[n++] = "xpra";
        argv[n++] = "start";
        argv[n++] = disp;
        argv[n++] = "--daemon=no";
        argv[n++] = o_xvfb;
        argv[n++] = o_sock;
        argv[n++] = o_socks;
        argv[n++] = o_log;
        argv[n++] = "--systemd-run=no";
        argv[n++] = "--start-via-proxy=no";
        argv[n++] = "--html=off";
        argv[n++] = "--dbus-control=no";
        argv[n++] = "--exit-with-client=no";
        for (unsigned i = 0; xpra_common[i]; i++)
                argv[n++] = (char *)xpra_common[i];
        argv[n] = NULL;
        {
                char *env[] = { e_xdg, e_home, NULL };
                s = spawn(argv, env, -1, -1, "xpra-server.log");
        }
        if (s < 0) {
                *why = "xpra start could not be run";
                return -ECHILD;
        }
        {
                /* The server is ready for a client once its socket is. */
                uint64_t t0 = now_ns();
                char suffix[16];
                bool up = false;

                snprintf(suffix, sizeof(suffix), "-%d", d);
                while (!up && now_ns() - t0 < (uint64_t)timeout * 1000000ull) {
                        DIR *dir = opendir(sockdir);
                        struct dirent *e;
                        size_t ls = strlen(suffix);

                        while (dir && (e = readdir(dir))) {
                                size_t l = strlen(e->d_name);
                                up |= l > ls && strcmp(e->d_name + l - ls, suffix) == 0;
                        }
                        if (dir)
                                closedir(dir);
                        if (!up)
                                sleep_ms(50);
                }
                if (!up) {
                        *why = quick ? "xpra start made no socket within 20 s (--quick)"
                                     : "xpra start made no socket within 60 s";
                        stop(s, 5000);
                        return -ETIMEDOUT;
                }
                timeout -= (unsigned)((now_ns() - t0) / 1000000ull);
        }
        n = 0;
        argv[n++] = "xpra";
        argv[n++] = "attach";
        argv[n++] = disp;
        argv[n++] = o_sock;
        argv[n++] = o_socks;
        argv[n++] = "--opengl=no";
        argv[n++] = "--desktop-scaling=off";
        argv[n++] = "--title=@title@";
        argv[n++] = "--border=no";
        argv[n++] = "--modal-windows=no";
        argv[n++] = "--pings=0";
        for (unsigned i = 0; xpra_common[i]; i++)
                argv[n++] = (char *)xpra_common[i];
        argv[n] = NULL;
        {
                char *env[] = { e_xdg, e_home, e_desk, "NO_AT_BRIDGE=1", NULL };
                c = spawn(argv, env, -1, -1, "xpra-client.log");
        }
        if (c < 0) {
                *why = "xpra attach could not be run";
                stop(s, 5000);
                return -ECHILD;
        }
        rc = measure(r, d, timeout, res);
        if (rc == -EBADMSG)
                *why = "xpra showed the window, but its pixels never matched the painter's: "
                       "the frame-number marker could not be read (see docs/bench.md)";
        else if (rc == -ETIMEDOUT)
                *why = quick ? "xpra's window did not show within 20 s (--quick)"
                             : "xpra's window did not show within 60 s";
        else if (rc < 0)
                *why = "the xpra run failed (logs on stderr)";
        end_run(r);
        stop(c, 3000);
        stop(s, 5000);
        return rc;
}

static void print_stats(const char *name, const struct stats *s, const char *tail)
{
        if (s->n == 0) {
                printf("\"%s\": null%s", name, tail);
                return;
        }
        printf("\"%s\": {\"p50\": %.2f, \"p99\": %.2f, \"mean\": %.2f, \"frames\": %u}%s", name,
               s->p50, s->p99, s->mean, s->n, tail);
}

static void print_side(const char *name, const struct result *res, const char *extra)
{
        if (!res->ok) {
                printf("  \"%s\": null,\n", name);
                return;
        }
        printf("  \"%s\": {\n    \"fps\": %.1f,\n    ", name, res->fps);
        print_stats("latency_ms", &res->lat_fixed, ",\n    ");
        printf("\"latency_frames_painted\": %u,\n    \"painter_fps\": %.1f,\n    "
               "\"seen_fraction_flat_out\": %.3f,\n    ",
               res->fixed_frames, res->painter_fps, res->seen_fraction);
        print_stats("latency_ms_flat_out", &res->lat_flat, extra ? ",\n    " : "\n");
        if (extra)
                printf("%s\n", extra);
        printf("  },\n");
}

/* Prints the logs of a failed side on stderr. */
static void show_logs(void)
{
        char cmd[sizeof(work) + 128];

        snprintf(cmd, sizeof(cmd), "tail -n 15 %s/*.log >&2", work);
        (void)!system(cmd);
}

static void cleanup_work(void)
{
        char cmd[sizeof(work) + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
        (void)!system(cmd);
}

static void on_signal(int sig)
{
        stop_all();
        cleanup_work();
        _exit(128 + sig);
}

static void xpra_version(char *buf, size_t len)
{
        FILE *p = popen("xpra --version 2>/dev/null", "r");

        snprintf(buf, len, "unknown");
        if (p) {
                char line[128];
                if (fgets(line, sizeof(line), p)) {
                        line[strcspn(line, "\n\"\\")] = '\0';
                        snprintf(buf, len, "%s", line);
                }
                pclose(p);
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "quick", no_argument, NULL, 'q' },
                { "seconds", required_argument, NULL, 's' },
                { "rate", required_argument, NULL, 'r' },
                { "no-xpra", no_argument, NULL, 'n' },
                { "bulkhead", required_argument, NULL, 'b' },
                {}
        };
        struct result bh = { 0 }, xp = { 0 };
        struct run r = { 0 };
        const char *xpra_why = NULL;
        bool secs_set = false, no_xpra = false;
        char version[128] = "";
        int desk, taken[2], c, rc;
        pid_t desk_pid;
        struct utsname u;

        bench_build_dir(build_dir, sizeof(build_dir));
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quick = true;
                        break;
                case 's':
                        seconds = atof(optarg);
                        secs_set = true;
                        break;
                case 'r':
                        rate = atof(optarg);
                        break;
                case 'n':
                        no_xpra = true;
                        break;
                case 'b':
                        snprintf(build_dir, sizeof(build_dir), "%s", optarg);
                        break;
                default:
                        fprintf(stderr, "usage: bench/gui [--quick] [--seconds N] [--rate HZ] "
                                        "[--no-xpra] [--bulkhead DIR]\n");
                        return 2;
                }
        }
        if (quick && !secs_set)
                seconds = QUICK_SECONDS;
        if (seconds < 1.5 || seconds > 600 || rate <= 0 || rate > 1000) {
                fprintf(stderr, "bench/gui: --seconds 1.5-600, --rate 0-1000\n");
                return 2;
        }
        if (!in_path("Xvfb")) {
                printf("{\n  \"benchmark\": \"gui\",\n  \"skipped\": \"Xvfb is not installed\"\n}\n");
                return 0;
        }
        if (!mkdtemp(work))
                return 1;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        XSetErrorHandler(ignore_x_error);
        r.seen = calloc(MAX_FRAMES, sizeof(uint64_t));
        r.drawn = calloc(MAX_FRAMES, sizeof(uint64_t));
        r.from_painter = -1;
        desk = free_display(NULL, 0);
        taken[0] = desk;
        {
                char dname[16], geom[32];
                snprintf(dname, sizeof(dname), ":%d", desk);
                snprintf(geom, sizeof(geom), "%dx%dx24", DESK_W, DESK_H);
                char *xv[] = { "Xvfb", dname, "-screen", "0", geom, "-nolisten", "tcp", "-noreset",
                               NULL };
                desk_pid = spawn(xv, NULL, -1, -1, "desktop.log");
        }
        r.dpy = open_display(desk, START_TIMEOUT_MS);
        {
                int ev, err;
                if (!r.seen || !r.drawn || desk_pid < 0 || !r.dpy ||
                    !XDamageQueryExtension(r.dpy, &ev, &err)) {
                        fprintf(stderr, "bench/gui: no desktop X server (Xvfb :%d)\n", desk);
                        show_logs();
                        stop_all();
                        cleanup_work();
                        return 1;
                }
                r.damage_event = ev;
        }
        r.root = DefaultRootWindow(r.dpy);
        r.damage = XDamageCreate(r.dpy, r.root, XDamageReportNonEmpty);

        fprintf(stderr, "bench/gui: bulkhead, %g s flat out and %g s at %g Hz\n", seconds, seconds,
                rate);
        rc = bulkhead_side(&r, desk, taken, &bh);
        if (rc < 0) {
                fprintf(stderr, "bench/gui: the bulkhead side failed: %s\n", strerror(-rc));
                show_logs();
        }
        /* A display the first side used may not be free yet: keep off it. */
        taken[1] = free_display(taken, 1);
        if (no_xpra) {
                xpra_why = "--no-xpra";
        } else if (!in_path("xpra")) {
                xpra_why = "xpra is not installed";
        } else {
                xpra_version(version, sizeof(version));
                memset(r.seen, 0, MAX_FRAMES * sizeof(uint64_t));
                memset(r.drawn, 0, MAX_FRAMES * sizeof(uint64_t));
                fprintf(stderr, "bench/gui: %s, the same\n", version);
                if (xpra_side(&r, desk, taken, &xp, &xpra_why) < 0) {
                        fprintf(stderr, "bench/gui: the xpra side failed: %s\n",
                                xpra_why ? xpra_why : "");
                        show_logs();
                        xp.ok = false;
                }
        }

        uname(&u);
        printf("{\n  \"benchmark\": \"gui\",\n  \"tool\": \"bulkhead %s\",\n", PACKAGE_VERSION);
        printf("  \"host\": {\"nproc\": %ld, \"kernel\": \"%s\"},\n", sysconf(_SC_NPROCESSORS_ONLN),
               u.release);
        printf("  \"window\": \"%dx%d\",\n  \"desktop\": \"%dx%d\",\n", WIN_W, WIN_H, DESK_W, DESK_H);
        printf("  \"what\": \"a window repainted whole (noise and a frame-number marker) in the "
               "domain's X server, read back from the desktop X server: fps = distinct frames "
               "visible per second painting flat out; latency = visible minus drawn, painting "
               "at %g Hz\",\n",
               rate);
        printf("  \"quick\": %s,\n  \"seconds_per_phase\": %g,\n  \"latency_rate_hz\": %g,\n",
               quick ? "true" : "false", seconds, rate);
        printf("  \"poll_ms\": %d,\n", POLL_MS);
        print_side("bulkhead", &bh, NULL);
        if (xp.ok) {
                print_side("xpra", &xp,
                           "\"options\": \"encoding rgb, speed 100, quality 100, no video encoders "
                           "or scaling, opengl no; local socket, mmap\"");
                printf("  \"peer\": \"%s\",\n", version);
        } else {
                printf("  \"xpra\": null,\n  \"peer\": null,\n  \"peer_skipped\": \"%s\",\n",
                       xpra_why ? xpra_why : "failed");
        }
        if (bh.ok && xp.ok && xp.fps > 0)
                printf("  \"ratio_fps\": %.2f,\n", bh.fps / xp.fps);
        else
                printf("  \"ratio_fps\": null,\n");
        if (bh.ok && xp.ok && bh.lat_fixed.n && xp.lat_fixed.n)
                printf("  \"ratio_latency_p50\": %.2f,\n", bh.lat_fixed.p50 / xp.lat_fixed.p50);
        printf("  \"targets\": {\"fps_min\": 60, \"fps_over_xpra_min\": 2.0, "
               "\"latency_p50_ms_max\": 16},\n");
        printf("  \"targets_met\": {\"fps\": %s, \"fps_over_xpra\": %s, \"latency_p50\": %s}\n}\n",
               !bh.ok ? "null" : bh.fps >= 60 ? "true" : "false",
               !(bh.ok && xp.ok && xp.fps > 0) ? "null" : bh.fps / xp.fps >= 2 ? "true" : "false",
               !(bh.ok && bh.lat_fixed.n) ? "null" : bh.lat_fixed.p50 <= 16 ? "true" : "false");

        XDamageDestroy(r.dpy, r.damage);
        XCloseDisplay(r.dpy);
        free(r.seen);
        free(r.drawn);
        stop_all();
        cleanup_work();
        return bh.ok ? 0 : 1;
}
