/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_proto.h"

int bh_api_parse(const void *untrusted, size_t untrusted_len, struct bh_api_msg *m)
{
        const char *p;
        size_t i;

        memset(m, 0, sizeof(*m));
        if (untrusted_len == 0 || untrusted_len > BH_API_MSG_MAX)
                return -EPROTO;
        if (((const char *)untrusted)[untrusted_len - 1] != '\0')
                return -EPROTO;
        m->buf = malloc(untrusted_len);
        if (!m->buf)
                return -ENOMEM;
        memcpy(m->buf, untrusted, untrusted_len);
        for (p = m->buf, i = 0; p < m->buf + untrusted_len; p += strlen(p) + 1) {
                if (i >= BH_API_FIELDS_MAX) {
                        bh_api_msg_free(m);
                        return -EPROTO;
                }
                m->f[i++] = p;
        }
        m->n = i;
        return 0;
}

void bh_api_msg_free(struct bh_api_msg *m)
{
        free(m->buf);
        m->buf = NULL;
        m->n = 0;
}

void bh_api_buf_init(struct bh_api_buf *b)
{
        memset(b, 0, sizeof(*b));
}

static void add_bytes(struct bh_api_buf *b, const char *s, size_t len)
{
        if (b->err)
                return;
        if (memchr(s, '\0', len)) {
                b->err = -EINVAL;
                return;
        }
        if (b->len + len + 1 > BH_API_MSG_MAX) {
                b->err = -EMSGSIZE;
                return;
        }
        if (b->len + len + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                char *d;
                while (cap < b->len + len + 1)
                        cap *= 2;
                d = realloc(b->data, cap);
                if (!d) {
                        b->err = -ENOMEM;
                        return;
                }
                b->data = d;
                b->cap = cap;
        }
        memcpy(b->data + b->len, s, len);
        b->data[b->len + len] = '\0';
        b->len += len + 1;
}

void bh_api_add(struct bh_api_buf *b, const char *field)
{
        add_bytes(b, field, strlen(field));
}

void bh_api_addf(struct bh_api_buf *b, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0) {
                if (!b->err)
                        b->err = -ENOMEM;
                return;
        }
        add_bytes(b, s, (size_t)n);
        free(s);
}

void bh_api_buf_free(struct bh_api_buf *b)
{
        free(b->data);
        bh_api_buf_init(b);
}

const char *bh_api_get(const struct bh_api_msg *m, size_t from, const char *key)
{
        size_t kl = strlen(key);

        for (size_t i = from; i < m->n; i++)
                if (strncmp(m->f[i], key, kl) == 0 && m->f[i][kl] == '=')
                        return m->f[i] + kl + 1;
        return NULL;
}

static const struct {
        int err;
        const char *name;
} errnames[] = {
        { EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { ESRCH, "ESRCH" },
        { EIO, "EIO" },         { ENOMEM, "ENOMEM" },   { EACCES, "EACCES" },
        { EBUSY, "EBUSY" },     { EEXIST, "EEXIST" },   { EINVAL, "EINVAL" },
        { ENOSPC, "ENOSPC" },   { ENAMETOOLONG, "ENAMETOOLONG" },
        { ENOTSUP, "ENOTSUP" }, { EPROTO, "EPROTO" },   { ETIMEDOUT, "ETIMEDOUT" },
        { EALREADY, "EALREADY" }, { ENOTCONN, "ENOTCONN" }, { EAGAIN, "EAGAIN" },
        { ECHILD, "ECHILD" },   { ENOEXEC, "ENOEXEC" }, { EBADMSG, "EBADMSG" },
};

const char *bh_errno_name(int err)
{
        if (err < 0)
                err = -err;
        for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
                if (errnames[i].err == err)
                        return errnames[i].name;
        return "EIO";
}

int bh_errno_from_name(const char *name)
{
        for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
                if (strcmp(errnames[i].name, name) == 0)
                        return errnames[i].err;
        return EIO;
}
