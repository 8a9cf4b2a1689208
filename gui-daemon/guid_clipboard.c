/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dom0's clipboard buffer file and the paste policy question; see guid_clipboard.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_proto.h"
#include "guid_clipboard.h"
#include "util.h"

#define CLIP_DIR "clipboard"
#define CLIP_FILE "buffer"
/* The header is short: magic, a name of at most GUID_NAME_MAX, a length. */
#define CLIP_HEADER_MAX 160u
/* Longest policy reply read: a handful of short fields. */
#define POLICY_REPLY_MAX 8192u

static const char *line(const uint8_t *buf, size_t len, size_t *pos, size_t *ret_len)
{
        const uint8_t *nl;

        if (*pos >= len)
                return NULL;
        nl = memchr(buf + *pos, '\n', len - *pos);
        if (!nl)
                return NULL;
        *ret_len = (size_t)(nl - (buf + *pos));
        const char *s = (const char *)buf + *pos;
        *pos += *ret_len + 1;
        return s;
}

int guid_clip_parse(const uint8_t *buf, size_t len, char source[GUID_NAME_MAX + 1],
                    size_t *data_off, size_t *data_len)
{
        const size_t magic_len = strlen(GUID_CLIP_MAGIC);
        size_t pos = 0, n, value = 0;
        const char *l;

        l = line(buf, len, &pos, &n);
        if (!l || n != magic_len || memcmp(l, GUID_CLIP_MAGIC, n) != 0)
                return -EBADMSG;
        l = line(buf, len, &pos, &n);
        if (!l || n < 8 || n - 7 > GUID_NAME_MAX || memcmp(l, "source=", 7) != 0)
                return -EBADMSG;
        memcpy(source, l + 7, n - 7);
        source[n - 7] = '\0';
        if (strlen(source) != n - 7 || !guid_domain_name_ok(source))
                return -EBADMSG;
        l = line(buf, len, &pos, &n);
        if (!l || n < 8 || n > 7 + 10 || memcmp(l, "length=", 7) != 0)
                return -EBADMSG;
        for (size_t i = 7; i < n; i++) {
                if (l[i] < '0' || l[i] > '9' || (i == 7 && l[i] == '0' && n > 8))
                        return -EBADMSG;
                value = value * 10 + (size_t)(l[i] - '0');
        }
        l = line(buf, len, &pos, &n);
        if (!l || n != 0)
                return -EBADMSG;
        if (value > BH_GUI_MAX_CLIPBOARD_BYTES)
                return -EFBIG;
        if (len - pos != value)
                return -EBADMSG;
        *data_off = pos;
        *data_len = value;
        return 0;
}

/* RUNTIME/clipboard, made if missing, opened without following links. */
static int clip_dir(const char *runtime_dir)
{
        _cleanup_close_ int rfd = -1;
        int fd;

        if (mkdir(runtime_dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        rfd = open(runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return -errno;
        if (mkdirat(rfd, CLIP_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(rfd, CLIP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int write_all(int fd, const void *data, size_t len)
{
        const uint8_t *p = data;

        while (len > 0) {
                ssize_t k = write(fd, p, len);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

int guid_clip_store(const char *runtime_dir, const char *source, const void *data, size_t len)
{
        _cleanup_close_ int dfd = -1, fd = -1;
        char header[CLIP_HEADER_MAX], tmp[64];
        int n, r;

        if (len > BH_GUI_MAX_CLIPBOARD_BYTES)
                return -EFBIG;
        if (!guid_domain_name_ok(source))
                return -EINVAL;
        dfd = clip_dir(runtime_dir);
        if (dfd < 0)
                return dfd;
        n = snprintf(header, sizeof(header), "%s\nsource=%s\nlength=%zu\n\n", GUID_CLIP_MAGIC,
                     source, len);
        if (n < 0 || (size_t)n >= sizeof(header))
                return -EINVAL;
        snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", CLIP_FILE, (int)getpid());
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, header, (size_t)n);
        if (r == 0)
                r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && renameat(dfd, tmp, dfd, CLIP_FILE) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dfd, tmp, 0);
                return r;
        }
        (void)fsync(dfd);
        return 0;
}

int guid_clip_load(const char *runtime_dir, size_t max, char source[GUID_NAME_MAX + 1],
                   uint8_t **data, size_t *len, ino_t *ino)
{
        const size_t cap = CLIP_HEADER_MAX + BH_GUI_MAX_CLIPBOARD_BYTES + 1;
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t got = 0, off, n;
        struct stat st;
        int r;

        dfd = clip_dir(runtime_dir);
        if (dfd < 0)
                return dfd;
        fd = openat(dfd, CLIP_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        while (got < cap) {
                ssize_t k = read(fd, buf + got, cap - got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                got += (size_t)k;
        }
        r = guid_clip_parse(buf, got, source, &off, &n);
        if (r < 0)
                return r;
        if (n > max)
                return -EFBIG;
        *data = malloc(n ? n : 1);
        if (!*data)
                return -ENOMEM;
        memcpy(*data, buf + off, n);
        *len = n;
        *ino = st.st_ino;
        return 0;
}

int guid_clip_take(const char *runtime_dir, ino_t ino)
{
        _cleanup_close_ int dfd = -1;
        char claimed[64];
        struct stat st;

        dfd = clip_dir(runtime_dir);
        if (dfd < 0)
                return dfd;
        /* Claim by renaming, so two daemons pasting at once cannot both
         * take it, then check it is the one that was asked about. */
        snprintf(claimed, sizeof(claimed), ".%s.%d.taken", CLIP_FILE, (int)getpid());
        if (renameat(dfd, CLIP_FILE, dfd, claimed) < 0)
                return errno == ENOENT ? -ESTALE : -errno;
        if (fstatat(dfd, claimed, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (st.st_ino != ino) {
                /* A newer copy: put it back unless one came after it too. */
                if (renameat2(dfd, claimed, dfd, CLIP_FILE, RENAME_NOREPLACE) < 0)
                        unlinkat(dfd, claimed, 0);
                return -ESTALE;
        }
        unlinkat(dfd, claimed, 0);
        return 0;
}

int guid_policy_ask(const char *runtime_dir, const char *source, const char *target, int *ret_fd)
{
        _cleanup_close_ int fd = -1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct bh_api_buf b;
        ssize_t k;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qrexec-policy.sock",
                             runtime_dir) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        bh_api_buf_init(&b);
        bh_api_add(&b, "bulkhead-policy/1");
        bh_api_add(&b, "eval");
        bh_api_add(&b, source);
        bh_api_add(&b, target);
        bh_api_add(&b, GUID_PASTE_SERVICE);
        if (b.err < 0) {
                int r = b.err;

                bh_api_buf_free(&b);
                return r;
        }
        k = send(fd, b.data, b.len, MSG_NOSIGNAL);
        bh_api_buf_free(&b);
        if (k < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int guid_policy_answer(int fd, bool *allow)
{
        _cleanup_free_ char *buf = malloc(POLICY_REPLY_MAX);
        struct bh_api_msg m;
        const char *v;
        ssize_t k;
        int r;

        if (!buf)
                return -ENOMEM;
        k = recv(fd, buf, POLICY_REPLY_MAX, MSG_DONTWAIT);
        if (k < 0)
                return -errno;
        if (k == 0)
                return -ECONNRESET;
        r = bh_api_parse(buf, (size_t)k, &m);
        if (r < 0)
                return r;
        if (m.n < 1 || strcmp(m.f[0], "ok") != 0) {
                bh_api_msg_free(&m);
                return -EPROTO;
        }
        v = bh_api_get(&m, 1, "result");
        *allow = v && strcmp(v, "allow") == 0;
        bh_api_msg_free(&m);
        return 0;
}
