/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket transport end to end in one process: both ends as the API
 * gives them, and hostile peers speaking the wire format by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"
#include "vchan.h"
#include "vchan_ring.h"
#include "vchan_wire.h"

struct fixture {
        char dir[64];
        struct bh_vchan_addr addr;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        strcpy(f->dir, "/tmp/bh-vchan-test.XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        f->addr = (struct bh_vchan_addr){ .transport = BH_VCHAN_SOCKET, .port = 5,
                                          .socket_dir = f->dir };
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
        (void)!system(cmd);
        free(f);
        return 0;
}

static bool readable(struct bh_vchan *v)
{
        struct pollfd p = { .fd = bh_vchan_fd(v), .events = POLLIN };

        return poll(&p, 1, 0) == 1;
}

/* Connects a server and a client in this process without blocking. */
static void connect_pair(struct fixture *f, struct bh_vchan **s, struct bh_vchan **c, size_t ring)
{
        assert_int_equal(bh_vchan_server_init(s, &f->addr, ring, ring), 0);
        assert_int_equal(bh_vchan_client_init_async(c, &f->addr), 0);
        assert_int_equal(bh_vchan_connect_finish(*c), -EAGAIN);
        assert_int_equal(bh_vchan_is_open(*s), 1); /* accepts and sends the rings */
        assert_int_equal(bh_vchan_connect_finish(*c), 0);
        assert_int_equal(bh_vchan_is_open(*c), 1);
}

static void test_socket_client_waits_for_late_server(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;

        assert_int_equal(bh_vchan_client_init_async(&c, &f->addr), 0);
        assert_int_equal(bh_vchan_connect_finish(c), -EAGAIN);
        assert_false(readable(c));
        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        assert_int_equal(bh_vchan_is_open(s), 2);
        assert_true(readable(c)); /* the directory watch saw the socket appear */
        assert_int_equal(bh_vchan_connect_finish(c), -EAGAIN);
        assert_int_equal(bh_vchan_is_open(s), 1);
        assert_int_equal(bh_vchan_connect_finish(c), 0);
}

static void test_socket_client_times_out_without_server(void **state)
{
        struct fixture *f = *state;
        struct bh_vchan *c = NULL;

        assert_int_equal(bh_vchan_client_init(&c, &f->addr, 50), -ETIMEDOUT);
        assert_null(c);
}

static void test_socket_second_client_is_refused(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL, *c2 = NULL;

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_client_init(&c2, &f->addr, 50), -ETIMEDOUT);
}

static void test_socket_recv_is_all_or_nothing(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;
        char buf[16];

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_send(s, "hello", 5), 5);
        assert_int_equal(bh_vchan_data_ready(c), 5);
        assert_int_equal(bh_vchan_recv(c, buf, 10), -EAGAIN);
        assert_int_equal(bh_vchan_data_ready(c), 5);
        assert_int_equal(bh_vchan_send(s, "world", 5), 5);
        assert_int_equal(bh_vchan_recv(c, buf, 10), 10);
        assert_memory_equal(buf, "helloworld", 10);
        assert_int_equal(bh_vchan_read(c, buf, 10), -EAGAIN);
}

static void test_socket_send_refuses_what_cannot_fit(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;
        static char big[8192];

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_buffer_space(s), 4096);
        assert_int_equal(bh_vchan_send(s, big, 4097), -EMSGSIZE);
        assert_int_equal(bh_vchan_send(s, big, 4000), 4000);
        assert_int_equal(bh_vchan_buffer_space(s), 96);
        assert_int_equal(bh_vchan_send(s, big, 100), -EAGAIN);
        assert_int_equal(bh_vchan_write(s, big, 100), 96); /* stream: what fits */
        assert_int_equal(bh_vchan_write(s, big, 100), -EAGAIN);
}

static void test_socket_reader_is_woken_by_writer(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;
        char buf[4];

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_wait(c, 0), -ETIMEDOUT);
        assert_int_equal(bh_vchan_read(c, buf, 4), -EAGAIN); /* arms the wake-up */
        assert_false(readable(c));
        assert_int_equal(bh_vchan_write(s, "ping", 4), 4);
        assert_true(readable(c));
        assert_int_equal(bh_vchan_wait(c, 0), 0);
        assert_false(readable(c));
        assert_int_equal(bh_vchan_read(c, buf, 4), 4);
}

static void test_socket_writer_is_woken_by_reader(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;
        static char big[4096];

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_write(s, big, sizeof(big)), 4096);
        assert_int_equal(bh_vchan_write(s, big, 1), -EAGAIN); /* ring full, arms */
        assert_int_equal(bh_vchan_wait(s, 0), -ETIMEDOUT);
        assert_int_equal(bh_vchan_read(c, big, 100), 100);
        assert_int_equal(bh_vchan_wait(s, 0), 0);
        assert_int_equal(bh_vchan_buffer_space(s), 100);
}

static void test_socket_peer_close_reports_epipe_after_data(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *c = NULL;
        struct bh_vchan *s = NULL;
        char buf[8];

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_vchan_write(s, "bye", 3), 3);
        bh_vchan_close(s);
        assert_int_equal(bh_vchan_wait(c, 1000), -EPIPE);
        assert_int_equal(bh_vchan_is_open(c), 0);
        assert_int_equal(bh_vchan_read(c, buf, sizeof(buf)), 3);
        assert_memory_equal(buf, "bye", 3);
        assert_int_equal(bh_vchan_read(c, buf, sizeof(buf)), -EPIPE);
        assert_int_equal(bh_vchan_write(c, "x", 1), -EPIPE);
        bh_vchan_set_blocking(c, true);
        assert_int_equal(bh_vchan_read(c, buf, sizeof(buf)), -EPIPE); /* no hang */
}

static void test_socket_server_socket_gone_after_close(void **state)
{
        struct fixture *f = *state;
        struct bh_vchan *s = NULL;
        char path[128];

        snprintf(path, sizeof(path), "%s/vchan.5.sock", f->dir);
        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        assert_int_equal(access(path, F_OK), 0);
        bh_vchan_close(s);
        assert_int_equal(access(path, F_OK), -1);
}

static void test_shbuf_share_and_map(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL, *c = NULL;
        _cleanup_shbuf_ struct bh_shbuf *shared = NULL, *mapped = NULL, *wrong = NULL;
        const void *desc;
        size_t len;

        connect_pair(f, &s, &c, 4096);
        assert_int_equal(bh_shbuf_share(c, 10000, &shared), 0);
        memset(bh_shbuf_data(shared), 0x5a, 10000);
        assert_int_equal(bh_shbuf_desc(shared, &desc, &len), 0);
        /* A size that does not match the descriptor is refused... */
        assert_int_equal(bh_shbuf_map(s, desc, len, 20000, false, &wrong), -EPROTO);
        /* ...and the right one maps and shows the sharer's writes. */
        assert_int_equal(bh_shbuf_map(s, desc, len, 10000, false, &mapped), 0);
        assert_int_equal(((uint8_t *)bh_shbuf_data(mapped))[9999], 0x5a);
        ((uint8_t *)bh_shbuf_data(shared))[0] = 0x11;
        assert_int_equal(((uint8_t *)bh_shbuf_data(mapped))[0], 0x11);
        /* A buffer maps once; the same descriptor again is unknown. */
        assert_int_equal(bh_shbuf_map(s, desc, len, 10000, false, &wrong), -EPROTO);
        assert_int_equal(bh_vchan_is_open(s), 1);
}

/* ---- hostile peers ------------------------------------------------------- */

static int raw_send(int fd, uint16_t type, uint32_t a0, uint32_t a1, int pass_fd)
{
        struct bh_vchan_ctl rec;
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } cm;
        struct iovec iov = { .iov_base = &rec, .iov_len = sizeof(rec) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        bh_vchan_ctl_make(&rec, type, a0, a1);
        if (pass_fd >= 0) {
                struct cmsghdr *h;
                memset(&cm, 0, sizeof(cm));
                msg.msg_control = cm.buf;
                msg.msg_controllen = sizeof(cm.buf);
                h = CMSG_FIRSTHDR(&msg);
                h->cmsg_level = SOL_SOCKET;
                h->cmsg_type = SCM_RIGHTS;
                h->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(h), &pass_fd, sizeof(int));
        }
        return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int raw_connect(struct fixture *f)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vchan.%d.sock", f->dir, f->addr.port);
        assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return s;
}

static int raw_listen(struct fixture *f)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vchan.%d.sock", f->dir, f->addr.port);
        assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(s, 1), 0);
        return s;
}

/* Receives SETUP as a client and maps the rings. */
static void *raw_take_setup(int s, size_t *len)
{
        struct bh_vchan_ctl rec;
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } cm;
        struct iovec iov = { .iov_base = &rec, .iov_len = sizeof(rec) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                              .msg_controllen = sizeof(cm.buf) };
        int memfd;
        void *mem;

        assert_int_equal(recvmsg(s, &msg, 0), sizeof(rec));
        assert_int_equal(rec.type, BH_VCHAN_CTL_SETUP);
        memcpy(&memfd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
        *len = BH_RING_HEADER_SIZE + rec.arg0 + rec.arg1;
        mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        assert_true(mem != MAP_FAILED);
        close(memfd);
        return mem;
}

static int sealed_memfd(size_t size, bool seal)
{
        int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        assert_int_equal(ftruncate(fd, (off_t)size), 0);
        if (seal)
                assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
        return fd;
}

static void test_hostile_client_bad_producer_index_closes_channel(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL;
        _cleanup_close_ int raw = -1;
        struct bh_ring_shared *to_server;
        char buf[16];
        size_t len;
        void *mem;

        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        raw = raw_connect(f);
        assert_int_equal(bh_vchan_is_open(s), 1);
        mem = raw_take_setup(raw, &len);
        to_server = (struct bh_ring_shared *)((uint8_t *)mem + BH_RING_SHARED_STRIDE);
        to_server->prod = 0x7fffffff; /* claims 2 GiB in a 4 KiB ring */
        assert_int_equal(raw_send(raw, BH_VCHAN_CTL_NOTIFY, 0, 0, -1), 0);
        assert_int_equal(bh_vchan_wait(s, 1000), 0);
        assert_int_equal(bh_vchan_read(s, buf, sizeof(buf)), -EPROTO);
        assert_int_equal(bh_vchan_is_open(s), 0);
        assert_int_equal(bh_vchan_write(s, "x", 1), -EPROTO);
        munmap(mem, len);
}

static void test_hostile_client_bad_consumer_index_closes_channel(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL;
        _cleanup_close_ int raw = -1;
        struct bh_ring_shared *to_client;
        size_t len;
        void *mem;

        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        raw = raw_connect(f);
        assert_int_equal(bh_vchan_is_open(s), 1);
        mem = raw_take_setup(raw, &len);
        to_client = mem;
        to_client->cons = 12345; /* consumed what was never written */
        assert_int_equal(bh_vchan_buffer_space(s), 0);
        assert_int_equal(bh_vchan_is_open(s), 0);
        munmap(mem, len);
}

static void test_hostile_client_floods_buffers(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL;
        _cleanup_close_ int raw = -1;
        size_t len;
        void *mem;

        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        raw = raw_connect(f);
        assert_int_equal(bh_vchan_is_open(s), 1);
        mem = raw_take_setup(raw, &len);
        for (uint32_t i = 0; i < 65; i++) {
                _cleanup_close_ int fd = sealed_memfd(4096, true);
                assert_int_equal(raw_send(raw, BH_VCHAN_CTL_SHBUF, i, 1, fd), 0);
        }
        assert_int_equal(bh_vchan_wait(s, 1000), -EPROTO);
        assert_int_equal(bh_vchan_is_open(s), 0);
        munmap(mem, len);
}

static void test_hostile_client_fd_on_notify_closes_channel(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL;
        _cleanup_close_ int raw = -1, fd = -1;
        size_t len;
        void *mem;

        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        raw = raw_connect(f);
        assert_int_equal(bh_vchan_is_open(s), 1);
        mem = raw_take_setup(raw, &len);
        fd = sealed_memfd(4096, true);
        assert_int_equal(raw_send(raw, BH_VCHAN_CTL_NOTIFY, 0, 0, fd), 0);
        assert_int_equal(bh_vchan_wait(s, 1000), -EPROTO);
        assert_int_equal(bh_vchan_is_open(s), 0);
        munmap(mem, len);
}

/* The mapper refuses each bad buffer before mapping; the channel survives. */
static void test_hostile_sharer_bad_buffers_are_refused(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *s = NULL;
        _cleanup_close_ int raw = -1;
        struct bh_shbuf *b = NULL;
        size_t len;
        void *mem;
        struct {
                const char *what;
                size_t file_size;
                bool seal;
                uint32_t pages;
        } cases[] = {
                { "unsealed", 8192, false, 2 },
                { "smaller than announced", 4096, true, 2 },
                { "announced pages differ", 8192, true, 3 },
        };

        assert_int_equal(bh_vchan_server_init(&s, &f->addr, 4096, 4096), 0);
        raw = raw_connect(f);
        assert_int_equal(bh_vchan_is_open(s), 1);
        mem = raw_take_setup(raw, &len);
        for (uint32_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_ int fd = sealed_memfd(cases[i].file_size, cases[i].seal);
                struct bh_shbuf_desc_socket d = { .magic = BH_SHBUF_DESC_MAGIC,
                                                  .transport = BH_VCHAN_SOCKET,
                                                  .id = i, .pages = 2 };

                assert_int_equal(raw_send(raw, BH_VCHAN_CTL_SHBUF, i, cases[i].pages, fd), 0);
                print_message("case: %s\n", cases[i].what);
                assert_int_equal(bh_shbuf_map(s, &d, sizeof(d), 8192, false, &b), -EPROTO);
                assert_null(b);
        }
        {
                /* A pipe is no memfd: F_GET_SEALS fails on it. */
                int p[2];
                struct bh_shbuf_desc_socket d = { .magic = BH_SHBUF_DESC_MAGIC,
                                                  .transport = BH_VCHAN_SOCKET,
                                                  .id = 100, .pages = 1 };
                assert_int_equal(pipe(p), 0);
                assert_int_equal(raw_send(raw, BH_VCHAN_CTL_SHBUF, 100, 1, p[0]), 0);
                close(p[0]);
                close(p[1]);
                assert_int_equal(bh_shbuf_map(s, &d, sizeof(d), 4096, false, &b), -EPROTO);
        }
        assert_int_equal(bh_vchan_is_open(s), 1);
        munmap(mem, len);
}

static void hostile_server_case(struct fixture *f, int memfd, uint32_t a0, uint32_t a1,
                                uint16_t type)
{
        _cleanup_vchan_ struct bh_vchan *c = NULL;
        _cleanup_close_ int l = -1, conn = -1;

        l = raw_listen(f);
        assert_int_equal(bh_vchan_client_init_async(&c, &f->addr), 0);
        assert_int_equal(bh_vchan_connect_finish(c), -EAGAIN);
        conn = accept(l, NULL, NULL);
        assert_true(conn >= 0);
        assert_int_equal(raw_send(conn, type, a0, a1, memfd), 0);
        assert_int_equal(bh_vchan_connect_finish(c), -EPROTO);
        assert_int_equal(bh_vchan_is_open(c), 0);
        {
                char path[128];
                snprintf(path, sizeof(path), "%s/vchan.%d.sock", f->dir, f->addr.port);
                unlink(path);
        }
}

/* The socket directory belongs half to the domain: a symlink it planted
 * there must not lead the client to some other server. */
static void test_client_refuses_planted_symlink(void **state)
{
        struct fixture *f = *state;
        _cleanup_vchan_ struct bh_vchan *other = NULL, *c = NULL;
        struct bh_vchan_addr other_addr = f->addr;
        char target[128], link[128];

        other_addr.port = 6; /* a server that is not the one asked for */
        assert_int_equal(bh_vchan_server_init(&other, &other_addr, 4096, 4096), 0);
        snprintf(target, sizeof(target), "%s/vchan.6.sock", f->dir);
        snprintf(link, sizeof(link), "%s/vchan.5.sock", f->dir);
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(bh_vchan_client_init_async(&c, &f->addr), 0);
        assert_int_equal(bh_vchan_connect_finish(c), -EPROTO);
        assert_int_equal(bh_vchan_is_open(other), 2); /* nobody reached it */
}

static void test_hostile_server_bad_setup_is_refused(void **state)
{
        struct fixture *f = *state;
        int fd;

        fd = sealed_memfd(4096 + 4096 + 4096, false);
        hostile_server_case(f, fd, 4096, 4096, BH_VCHAN_CTL_SETUP); /* unsealed */
        close(fd);
        fd = sealed_memfd(4096 + 4096 + 4096, true);
        hostile_server_case(f, fd, 4096, 8192, BH_VCHAN_CTL_SETUP); /* sizes overflow memory */
        hostile_server_case(f, fd, 4096, 3000, BH_VCHAN_CTL_SETUP); /* not a power of two */
        close(fd);
        hostile_server_case(f, -1, 0, 0, BH_VCHAN_CTL_NOTIFY); /* no SETUP first */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_socket_client_waits_for_late_server, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_client_times_out_without_server, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_second_client_is_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_recv_is_all_or_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_send_refuses_what_cannot_fit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_reader_is_woken_by_writer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_writer_is_woken_by_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_peer_close_reports_epipe_after_data, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_server_socket_gone_after_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shbuf_share_and_map, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_client_bad_producer_index_closes_channel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_client_bad_consumer_index_closes_channel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_client_floods_buffers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_client_fd_on_notify_closes_channel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_sharer_bad_buffers_are_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_server_bad_setup_is_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client_refuses_planted_symlink, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
