/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log of qrexec calls: one line per call, appended with one
 * write(2) so lines from many daemons never interleave.  Names reach here
 * checked, but a log reader must never be fooled by a domain: every byte
 * outside a plain set is written as \xHH.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

static size_t escape(char *out, size_t size, const char *in)
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < size; p++) {
                unsigned char c = *p;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("@:._+-()", c)) {
                        out[o++] = (char)c;
                } else if (c == ' ') {
                        out[o++] = '_';
                } else {
                        out[o++] = '\\';
                        out[o++] = 'x';
                        out[o++] = hex[c >> 4];
                        out[o++] = hex[c & 15];
                }
        }
        if (o == 0 && size > 1)
                out[o++] = '-';
        out[o] = '\0';
        return o;
}

void qd_audit(const char *path, const char *source, const char *target, const char *service,
              const char *arg, const char *decision, int status)
{
        char s[160], t[160], sv[160], a[160], d[160], line[1024], when[32];
        struct tm tm;
        time_t now = time(NULL);
        int fd, n;

        escape(s, sizeof(s), source);
        escape(t, sizeof(t), target);
        escape(sv, sizeof(sv), service);
        escape(a, sizeof(a), arg);
        escape(d, sizeof(d), decision);
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (status >= 0)
                n = snprintf(line, sizeof(line), "%s source=%s target=%s service=%s arg=%s decision=%s status=%d\n",
                             when, s, t, sv, a, d, status);
        else
                n = snprintf(line, sizeof(line), "%s source=%s target=%s service=%s arg=%s decision=%s status=-\n",
                             when, s, t, sv, a, d);
        bh_log_info("%.*s", n - 1 - (int)strlen(when) - 1, line + strlen(when) + 1);
        if (!path)
                return;
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                bh_log_errno(-errno, "audit log %s", path);
                return;
        }
        (void)!write(fd, line, (size_t)n);
        close(fd);
}
