/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain names and the words for classes, labels and states. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "util.h"

static const char *const class_names[] = {
        [BH_CLASS_TEMPLATE] = "template",
        [BH_CLASS_APP] = "app",
        [BH_CLASS_DISPVM_TEMPLATE] = "dispvm-template",
        [BH_CLASS_DISPOSABLE] = "disposable",
};

static const char *const label_names[] = {
        [BH_LABEL_RED] = "red",       [BH_LABEL_ORANGE] = "orange",
        [BH_LABEL_YELLOW] = "yellow", [BH_LABEL_GREEN] = "green",
        [BH_LABEL_GRAY] = "gray",     [BH_LABEL_BLUE] = "blue",
        [BH_LABEL_PURPLE] = "purple", [BH_LABEL_BLACK] = "black",
};

static const char *const state_names[] = {
        [BH_STATE_HALTED] = "halted",
        [BH_STATE_RUNNING] = "running",
        [BH_STATE_PAUSED] = "paused",
};

/* Words that mean something else where a domain name is expected: dom0 is
 * the admin domain in qrexec policy, none and default are values of prefs
 * such as netvm. */
static const char *const reserved_names[] = { "dom0", "none", "default" };

static void say(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (!err || errlen == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

int bh_name_check(const char *name, char *err, size_t errlen)
{
        size_t len;

        if (!name || !*name) {
                say(err, errlen, "domain name is empty");
                return -EINVAL;
        }
        /* strnlen: the name may be the caller's untrusted bytes. */
        len = strnlen(name, BH_NAME_MAX + 1);
        if (len > BH_NAME_MAX) {
                say(err, errlen, "domain name is longer than %d bytes", BH_NAME_MAX);
                return -EINVAL;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                say(err, errlen, "domain name '%s' is not allowed", name);
                return -EINVAL;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)name[i];

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-')
                        continue;
                /* Never echo the byte itself unless it is printable. */
                if (c == '/')
                        say(err, errlen, "domain name contains '/' (at byte %zu)", i + 1);
                else if (c < 0x20 || c == 0x7f)
                        say(err, errlen, "domain name contains control character 0x%02x (at byte %zu)",
                            c, i + 1);
                else if (c > 0x7f)
                        say(err, errlen, "domain name contains non-ASCII byte 0x%02x (at byte %zu)",
                            c, i + 1);
                else
                        say(err, errlen,
                            "domain name contains '%c' (at byte %zu); allowed: letters, digits, '_', '.', '-'",
                            c, i + 1);
                return -EINVAL;
        }
        if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
                say(err, errlen, "domain name '%s' must start with a letter", name);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(reserved_names); i++)
                if (strcmp(name, reserved_names[i]) == 0) {
                        say(err, errlen, "domain name '%s' is reserved", name);
                        return -EINVAL;
                }
        return 0;
}

/* "provides network": no, yes (a router), tor (a Tor gateway). */
static const char *const netmode_names[] = {
        [BH_NETMODE_NONE] = "no",
        [BH_NETMODE_ROUTER] = "yes",
        [BH_NETMODE_TOR] = "tor",
};

static const char *to_string(const char *const *names, size_t n, unsigned v)
{
        return v < n ? names[v] : NULL;
}

static int from_string(const char *const *names, size_t n, const char *s, unsigned *ret)
{
        if (!s)
                return -EINVAL;
        for (unsigned i = 0; i < n; i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = i;
                        return 0;
                }
        return -EINVAL;
}

const char *bh_class_to_string(enum bh_class c)
{
        return to_string(class_names, ELEMENTSOF(class_names), (unsigned)c);
}

const char *bh_label_to_string(enum bh_label l)
{
        return to_string(label_names, ELEMENTSOF(label_names), (unsigned)l);
}

const char *bh_state_to_string(enum bh_state s)
{
        return to_string(state_names, ELEMENTSOF(state_names), (unsigned)s);
}

int bh_class_from_string(const char *s, enum bh_class *ret)
{
        unsigned v;
        int r = from_string(class_names, ELEMENTSOF(class_names), s, &v);

        if (r == 0)
                *ret = (enum bh_class)v;
        return r;
}

int bh_label_from_string(const char *s, enum bh_label *ret)
{
        unsigned v;
        int r = from_string(label_names, ELEMENTSOF(label_names), s, &v);

        if (r == 0)
                *ret = (enum bh_label)v;
        return r;
}

int bh_state_from_string(const char *s, enum bh_state *ret)
{
        unsigned v;
        int r = from_string(state_names, ELEMENTSOF(state_names), s, &v);

        if (r == 0)
                *ret = (enum bh_state)v;
        return r;
}

const char *bh_netmode_to_string(enum bh_netmode m)
{
        return to_string(netmode_names, ELEMENTSOF(netmode_names), (unsigned)m);
}

int bh_netmode_from_string(const char *s, enum bh_netmode *ret)
{
        unsigned v;
        int r = from_string(netmode_names, ELEMENTSOF(netmode_names), s, &v);

        if (r == 0)
                *ret = (enum bh_netmode)v;
        return r;
}

static const char *const virt_mode_names[] = {
        [BH_VIRT_PVH] = "pvh",
        [BH_VIRT_PV] = "pv",
};

const char *bh_virt_mode_to_string(enum bh_virt_mode m)
{
        return to_string(virt_mode_names, ELEMENTSOF(virt_mode_names), (unsigned)m);
}

int bh_virt_mode_from_string(const char *s, enum bh_virt_mode *ret)
{
        unsigned v;
        int r = from_string(virt_mode_names, ELEMENTSOF(virt_mode_names), s, &v);

        if (r == 0)
                *ret = (enum bh_virt_mode)v;
        return r;
}
