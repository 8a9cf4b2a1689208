/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The list of findings and the report's notes: bounded, sanitized on entry. */
#include <stdarg.h>
#include <string.h>

#include "recon.h"
#include "recon_parse.h"

void recon_evidence_init(struct recon_evidence *ev)
{
        memset(ev, 0, sizeof(*ev));
}

struct recon_finding *recon_add(struct recon_evidence *ev, enum recon_source src,
                                enum recon_topic topic, enum recon_strength strength,
                                uint64_t suggests, const char *key, const char *value,
                                const char *note_fmt, ...)
{
        struct recon_finding *f;
        va_list ap;

        if (ev->n >= RECON_MAX_FINDINGS) {
                ev->overflow = true;
                return NULL;
        }
        f = &ev->f[ev->n++];
        memset(f, 0, sizeof(*f));
        f->source = src;
        f->topic = topic;
        f->strength = topic == RECON_TOPIC_INFO ? RECON_INFO : strength;
        f->suggests = topic == RECON_TOPIC_INFO ? 0 : suggests;
        recon_sanitize(f->key, sizeof(f->key), key ? key : "", SIZE_MAX);
        recon_sanitize(f->value, sizeof(f->value), value ? value : "", SIZE_MAX);
        if (note_fmt) {
                char buf[RECON_NOTE_MAX];

                va_start(ap, note_fmt);
                vsnprintf(buf, sizeof(buf), note_fmt, ap);
                va_end(ap);
                recon_sanitize(f->note, sizeof(f->note), buf, SIZE_MAX);
        }
        return f;
}

static __attribute__((format(printf, 3, 0))) void add_line(char lines[][RECON_NOTE_MAX], unsigned *n,
                                                         const char *fmt, va_list ap)
{
        char buf[RECON_NOTE_MAX];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        /* The same remark twice (two files, one reason) is shown once. */
        for (unsigned i = 0; i < *n; i++)
                if (strcmp(lines[i], buf) == 0)
                        return;
        if (*n >= RECON_MAX_NOTES)
                return;
        recon_sanitize(lines[*n], RECON_NOTE_MAX, buf, SIZE_MAX);
        (*n)++;
}

void recon_note(struct recon_result *r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        add_line(r->notes, &r->n_notes, fmt, ap);
        va_end(ap);
}

void recon_root_note(struct recon_result *r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        add_line(r->root_notes, &r->n_root_notes, fmt, ap);
        va_end(ap);
}
