/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake gui-agent for tests/gui-daemon/hostile.sh: the vchan server on
 * BH_GUI_PORT (socket transport) that plays one case, well-behaved or
 * hostile, against bulkhead-guid, with real memfd buffers.
 *
 *   hostile-agent --dir DIR CASE     play CASE; "ready" on stdout once sent,
 *                                    then report what dom0 sends, one line
 *                                    each, until the channel closes
 *   hostile-agent --policy SOCK allow|deny
 *                                    a stand-in qrexec policy daemon
 *
 * Cases: good, frames, or-huge, titles, geom-huge, geom-negative, coord-out,
 * creates, buffer-huge, buffer-overflow, buffer-stride, buffer-desc-garbage,
 * buffer-desc-mismatch, unknown-window, damage-outside, clip-unrequested,
 * clip-over, or-switch.  A clipboard request is answered with 16 bytes,
 * "secret from work"; in clip-over with one byte more than asked.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_proto.h"
#include "gui_proto.h"
#include "util.h"
#include "vchan.h"

static struct bh_vchan *v;
static struct bh_gui_peer *from_dom0;
static uint8_t buf[BH_GUI_MAX_MSG];
static const char *case_name;
static bool gone;
/* Buffers shared so far: they stay shared until the end. */
static struct bh_shbuf *shared[16];
static size_t n_shared;

static void keep(struct bh_shbuf *b)
{
        if (n_shared < sizeof(shared) / sizeof(shared[0]))
                shared[n_shared++] = b;
}

static void put32(uint8_t *p, uint32_t x)
{
        p[0] = (uint8_t)x;
        p[1] = (uint8_t)(x >> 8);
        p[2] = (uint8_t)(x >> 16);
        p[3] = (uint8_t)(x >> 24);
}

/* Raw bytes, whatever they say: the daemon must cope. */
static void raw(uint32_t type, uint32_t window, const void *payload, uint32_t len)
{
        uint8_t *m = malloc(BH_GUI_HDR_SIZE + len);

        put32(m, type);
        put32(m + 4, window);
        put32(m + 8, len);
        if (len)
                memcpy(m + BH_GUI_HDR_SIZE, payload, len);
        if (!gone && bh_vchan_send(v, m, BH_GUI_HDR_SIZE + len) < 0)
                gone = true;
        free(m);
}

static void send_msg(const struct bh_gui_msg *m)
{
        size_t len;

        if (bh_gui_encode(m, buf, sizeof(buf), &len) < 0) {
                fprintf(stderr, "hostile-agent: cannot encode %s\n", bh_gui_msg_name(m->type));
                exit(1);
        }
        if (!gone && bh_vchan_send(v, buf, len) < 0)
                gone = true;
}

static void create(uint32_t id, int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t flags)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CREATE, .window = id };

        m.u.create.rect = (struct bh_gui_rect){ x, y, w, h };
        m.u.create.flags = flags;
        send_msg(&m);
}

/* CREATE with any values at all (the encoder would refuse them). */
static void create_raw(uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
        uint8_t p[24] = { 0 };

        put32(p, x);
        put32(p + 4, y);
        put32(p + 8, w);
        put32(p + 12, h);
        raw(BH_GUI_MSG_CREATE, id, p, sizeof(p));
}

static void map(uint32_t id, uint32_t flags)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_MAP, .window = id };

        m.u.map.flags = flags;
        send_msg(&m);
}

static void title(uint32_t id, const char *t)
{
        raw(BH_GUI_MSG_TITLE, id, t, (uint32_t)strlen(t));
}

/* A shared buffer of w x h, filled by fill(x, y), announced with BUFFER
 * and DAMAGE.  Kept for the life of the process. */
static void buffer(uint32_t id, uint32_t w, uint32_t h, uint32_t (*fill)(uint32_t, uint32_t))
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_BUFFER, .window = id };
        struct bh_shbuf *b;
        const void *desc;
        size_t desc_len;
        uint32_t *px;

        if (bh_shbuf_share(v, (size_t)w * h * 4, &b) < 0 || bh_shbuf_desc(b, &desc, &desc_len) < 0) {
                fprintf(stderr, "hostile-agent: cannot share a buffer\n");
                exit(1);
        }
        keep(b);
        px = bh_shbuf_data(b);
        for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++)
                        px[y * w + x] = fill(x, y);
        m.u.buffer.width = w;
        m.u.buffer.height = h;
        m.u.buffer.stride = w * 4;
        m.u.buffer.format = BH_GUI_FORMAT_XRGB8888;
        m.u.buffer.size = w * h * 4;
        m.u.buffer.desc = desc;
        m.u.buffer.desc_len = desc_len;
        send_msg(&m);
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_DAMAGE, .window = id };
        m.u.damage.w = w;
        m.u.damage.h = h;
        send_msg(&m);
}

/* The known pattern of the good case: four quadrants. */
static uint32_t quadrants(uint32_t x, uint32_t y)
{
        static const uint32_t q[4] = { 0x1e90ff, 0xffd700, 0x8a2be2, 0x00ced1 };

        return 0xff000000u | q[(y >= 60) * 2 + (x >= 80)];
}

/* White: a window trying to look like something without a frame. */
static uint32_t white(uint32_t x, uint32_t y)
{
        return 0xffffffu;
}

static void buffer_header(uint32_t id, uint32_t w, uint32_t h, uint32_t stride, uint32_t size,
                          const void *desc, uint32_t desc_len)
{
        uint8_t p[BH_GUI_BUFFER_FIXED + 64];

        put32(p, w);
        put32(p + 4, h);
        put32(p + 8, stride);
        put32(p + 12, BH_GUI_FORMAT_XRGB8888);
        put32(p + 16, size);
        memcpy(p + BH_GUI_BUFFER_FIXED, desc, desc_len);
        raw(BH_GUI_MSG_BUFFER, id, p, BH_GUI_BUFFER_FIXED + desc_len);
}

static void play(const char *c)
{
        uint8_t p[64] = { 0 };

        if (!strcmp(c, "good") || !strcmp(c, "clip-over")) {
                struct bh_gui_msg m = { .type = BH_GUI_MSG_CLASS, .window = 0x400001 };

                create(0x400001, 200, 150, 160, 120, 0);
                title(0x400001, "Known pattern");
                m.u.wm_class.instance = "pattern";
                m.u.wm_class.instance_len = 7;
                m.u.wm_class.class_ = "Pattern";
                m.u.wm_class.class_len = 7;
                send_msg(&m);
                buffer(0x400001, 160, 120, quadrants);
                map(0x400001, 0);
        } else if (!strcmp(c, "frames")) {
                /* Every path a window may take to the screen, each trying to
                 * fill its whole area with white. */
                create(1, 100, 100, 300, 200, 0); /* plain */
                buffer(1, 300, 200, white);
                map(1, 0);
                title(1, "plain");
                create(2, 50, 450, 200, 100, 0); /* no buffer yet */
                map(2, 0);
                create(3, 500, 400, 1, 1, 0); /* tiny */
                buffer(3, 1, 1, white);
                map(3, 0);
                create(4, 600, 100, 7, 3, 0); /* odd: shaped windows come as rectangles */
                buffer(4, 3, 7, white);
                map(4, 0);
                create(5, 700, 500, 150, 80, BH_GUI_OVERRIDE_REDIRECT); /* a popup */
                buffer(5, 150, 80, white);
                map(5, BH_GUI_OVERRIDE_REDIRECT);
        } else if (!strcmp(c, "or-huge")) {
                /* an override-redirect window asking for more than the screen */
                create(1, -100, -100, 2000, 2000, BH_GUI_OVERRIDE_REDIRECT);
                buffer(1, 1024, 768, white);
                map(1, BH_GUI_OVERRIDE_REDIRECT);
        } else if (!strcmp(c, "titles")) {
                create(1, 10, 10, 100, 50, 0);
                title(1, "\xe2\x80\xae" "fdp.exe");
                map(1, 0);
                create(2, 10, 100, 100, 50, 0);
                title(2, "\x1b[31m[dom0] Password required\r\nsudo\xc2\x85" "x");
                map(2, 0);
                create(3, 10, 200, 100, 50, 0);
                title(3, "\xe2\x81\xa7[dom0]\xe2\x80\x8f\xe2\x81\xa9\xef\xbb\xbf\xf3\xa0\x80\x81");
                map(3, 0);
        } else if (!strcmp(c, "geom-huge")) {
                create_raw(1, 0, 0, 100000, 100);
        } else if (!strcmp(c, "geom-negative")) {
                create_raw(1, 0, 0, (uint32_t)-5, (uint32_t)-5);
        } else if (!strcmp(c, "coord-out")) {
                create_raw(1, (uint32_t)-40000, 70000, 10, 10);
        } else if (!strcmp(c, "creates")) {
                for (uint32_t i = 1; i <= 10000 && !gone; i++)
                        create(i, (int32_t)(i % 1000), 0, 10, 10, 0);
        } else if (!strcmp(c, "buffer-huge")) {
                create(1, 0, 0, 100, 100, 0);
                buffer_header(1, 8192, 8192, 32768, 268435456u, p, 16);
        } else if (!strcmp(c, "buffer-overflow")) {
                create(1, 0, 0, 100, 100, 0);
                /* 0x40000001 * 4 wraps to 4 */
                buffer_header(1, 0x40000001u, 1, 4, 4, p, 16);
        } else if (!strcmp(c, "buffer-stride")) {
                create(1, 0, 0, 100, 100, 0);
                buffer_header(1, 100, 100, 100, 40000, p, 16);
        } else if (!strcmp(c, "buffer-desc-garbage")) {
                for (int i = 0; i < 32; i++)
                        p[i] = (uint8_t)(0xa5 ^ i * 37);
                create(1, 0, 0, 64, 64, 0);
                buffer_header(1, 64, 64, 256, 16384, p, 32);
        } else if (!strcmp(c, "buffer-desc-mismatch")) {
                struct bh_shbuf *b;
                const void *desc;
                size_t desc_len;

                /* a real buffer of one page, announced as four */
                if (bh_shbuf_share(v, 4096, &b) < 0 || bh_shbuf_desc(b, &desc, &desc_len) < 0)
                        exit(1);
                keep(b);
                create(1, 0, 0, 64, 64, 0);
                buffer_header(1, 64, 64, 256, 16384, desc, (uint32_t)desc_len);
        } else if (!strcmp(c, "unknown-window")) {
                create(1, 0, 0, 64, 64, 0);
                put32(p + 8, 1);
                put32(p + 12, 1);
                raw(BH_GUI_MSG_DAMAGE, 0x99, p, 16);
        } else if (!strcmp(c, "damage-outside")) {
                create(1, 0, 0, 64, 64, 0);
                buffer(1, 64, 64, white);
                put32(p, 0xffffffc0u); /* x + w wraps */
                put32(p + 8, 0x80);
                put32(p + 12, 1);
                raw(BH_GUI_MSG_DAMAGE, 1, p, 16);
        } else if (!strcmp(c, "clip-unrequested")) {
                raw(BH_GUI_MSG_CLIPBOARD_DATA, 0, "pushed into dom0", 16);
        } else if (!strcmp(c, "or-switch")) {
                /* a managed window that turns override-redirect while mapped */
                create(1, 0, 0, 2000, 2000, 0);
                buffer(1, 1024, 768, white);
                map(1, 0);
                map(1, BH_GUI_OVERRIDE_REDIRECT);
        } else {
                fprintf(stderr, "hostile-agent: unknown case %s\n", c);
                exit(2);
        }
}

/* What dom0 sends, one line each; the clipboard cases answer requests. */
static int serve(void)
{
        for (;;) {
                struct bh_gui_msg m;
                const char *why;
                uint32_t len;
                ssize_t r = bh_vchan_recv(v, buf, BH_GUI_HDR_SIZE);

                if (r < 0)
                        return r == -EPIPE ? 0 : 1;
                if (bh_gui_check_header(from_dom0, buf, &len, &why) < 0 ||
                    (len && bh_vchan_recv(v, buf + BH_GUI_HDR_SIZE, len) < 0) ||
                    bh_gui_check(from_dom0, buf, BH_GUI_HDR_SIZE + len, &m, &why) < 0) {
                        printf("bad message from dom0: %s\n", why);
                        return 1;
                }
                switch (m.type) {
                case BH_GUI_MSG_SCREEN:
                        printf("screen %ux%u\n", m.u.screen.width, m.u.screen.height);
                        break;
                case BH_GUI_MSG_KEY:
                        printf("key %u state=0x%x %s\n", m.u.key.keycode, m.u.key.state,
                               m.u.key.pressed ? "pressed" : "released");
                        break;
                case BH_GUI_MSG_CLIPBOARD_REQ:
                        printf("clipboard request %u\n", m.u.clipboard_req.max_bytes);
                        if (strcmp(case_name, "clip-over") != 0) {
                                raw(BH_GUI_MSG_CLIPBOARD_DATA, 0, "secret from work", 16);
                        } else {
                                uint32_t n = m.u.clipboard_req.max_bytes + 1;
                                char *d = calloc(1, n);

                                memset(d, 'x', n);
                                raw(BH_GUI_MSG_CLIPBOARD_DATA, 0, d, n);
                                free(d);
                        }
                        break;
                case BH_GUI_MSG_CLIPBOARD_DATA:
                        printf("paste %zu: %.*s\n", m.u.clipboard.len, (int)m.u.clipboard.len,
                               (const char *)m.u.clipboard.bytes);
                        break;
                default:
                        printf("%s window 0x%x\n", bh_gui_msg_name(m.type), m.window);
                }
                fflush(stdout);
        }
}

static int policy(const char *path, const char *verdict)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        unlink(path);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0) {
                perror("hostile-agent: policy socket");
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                char req[4096];
                struct bh_api_msg m;
                struct bh_api_buf b;
                int c = accept(lfd, NULL, NULL);
                ssize_t k = c < 0 ? -1 : recv(c, req, sizeof(req), 0);

                if (k > 0 && bh_api_parse(req, (size_t)k, &m) == 0) {
                        printf("policy:");
                        for (size_t i = 0; i < m.n; i++)
                                printf(" %s", m.f[i]);
                        printf("\n");
                        fflush(stdout);
                        bh_api_msg_free(&m);
                        bh_api_buf_init(&b);
                        bh_api_add(&b, "ok");
                        bh_api_addf(&b, "result=%s", verdict);
                        send(c, b.data, b.len, MSG_NOSIGNAL);
                        bh_api_buf_free(&b);
                }
                if (c >= 0)
                        close(c);
        }
}

int main(int argc, char **argv)
{
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_GUI_PORT };
        struct bh_gui_msg hello = { .type = BH_GUI_MSG_HELLO };
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 4 && !strcmp(argv[1], "--policy"))
                return policy(argv[2], argv[3]);
        if (argc == 4 && strcmp(argv[1], "--xen") == 0) {
                /* In a Xen domain: the channel and the buffers' grants go
                 * to domain DOMID (dom0's daemon, tests/xen/tests.list). */
                char *end;
                unsigned long id = strtoul(argv[2], &end, 10);

                if (*end || end == argv[2] || id > 0x7fef) {
                        fprintf(stderr, "hostile-agent: --xen DOMID: a domain id\n");
                        return 2;
                }
                addr.transport = BH_VCHAN_XEN;
                addr.peer_domid = (int)id;
        } else if (argc != 4 || strcmp(argv[1], "--dir") != 0) {
                fprintf(stderr, "usage: hostile-agent --dir DIR CASE | --xen DOMID CASE | --policy SOCK allow|deny\n");
                return 2;
        } else {
                addr.socket_dir = argv[2];
        }
        case_name = argv[3];
        bh_log_init("hostile-agent");
        if (bh_vchan_server_init(&v, &addr, BH_GUI_RING_SIZE, BH_GUI_RING_SIZE) < 0 ||
            bh_gui_peer_new(&from_dom0, BH_GUI_FROM_DOM0) < 0)
                return 1;
        bh_vchan_set_blocking(v, true);
        while (bh_vchan_is_open(v) == 2)
                if (bh_vchan_wait(v, -1) < 0 && bh_vchan_is_open(v) != 1)
                        return 1;
        hello.u.hello.version = BH_GUI_PROTO_VERSION;
        send_msg(&hello);
        play(case_name);
        printf(gone ? "ready (channel closed by dom0)\n" : "ready\n");
        fflush(stdout);
        r = serve();
        for (size_t i = 0; i < n_shared; i++)
                bh_shbuf_free(shared[i]);
        bh_vchan_close(v);
        bh_gui_peer_free(from_dom0);
        return r;
}
