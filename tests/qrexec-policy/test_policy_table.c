/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy conformance table (cases.table): every "=== name" entry is one
 * cmocka test.  An entry writes its policy files into a fresh directory,
 * loads it as the daemon would, and checks the expected errors, warnings
 * and decisions.  The format is described at the top of cases.table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"

#ifndef BH_POLICY_TABLE
#define BH_POLICY_TABLE "tests/qrexec-policy/cases.table"
#endif

/* The domains every entry sees unless it has its own "--- @domains". */
static const char default_domains[] =
        "work tags=work,mail default_dispvm=dvm state=running\n"
        "personal default_dispvm=dvm\n"
        "vault tags=secret\n"
        "mail tags=mail state=running\n"
        "dvm class=dispvm-template tags=work\n"
        "dvm2 class=dispvm-template\n"
        "debian type=TemplateVM\n"
        "disp1 type=DispVM tags=work\n"
        "nodvm default_dispvm=vault\n";

struct entry {
        char *name;
        char *body; /* the lines after "=== name" */
        unsigned line;
};

static struct entry *entries;
static size_t n_entries;

/* Writes the text after each "--- PATH" header into dir/PATH. */
static void write_files(const char *dir, const char *body, char **domains, char **evals,
                        char **errors, char **warnings)
{
        const char *p = body;
        FILE *f = NULL;
        char **sink = NULL;

        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t ll = nl ? (size_t)(nl - p) : strlen(p);
                char line[8192];

                assert_true(ll < sizeof(line));
                memcpy(line, p, ll);
                line[ll] = '\0';
                p += ll + (nl ? 1 : 0);
                if (strncmp(line, "--- ", 4) == 0) {
                        const char *what = line + 4;
                        if (f)
                                fclose(f);
                        f = NULL;
                        sink = NULL;
                        if (strcmp(what, "@domains") == 0)
                                sink = domains;
                        else if (strcmp(what, "@eval") == 0)
                                sink = evals;
                        else if (strcmp(what, "@errors") == 0)
                                sink = errors;
                        else if (strcmp(what, "@warnings") == 0)
                                sink = warnings;
                        else {
                                char path[12800], *slash;
                                snprintf(path, sizeof(path), "%s/%s", dir, what);
                                for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
                                     slash = strchr(slash + 1, '/')) {
                                        *slash = '\0';
                                        mkdir(path, 0700);
                                        *slash = '/';
                                }
                                if (what[strlen(what) - 1] == '/')
                                        continue; /* an empty directory */
                                f = fopen(path, "w");
                                assert_non_null(f);
                        }
                        if (sink && !*sink)
                                *sink = calloc(1, 1);
                        continue;
                }
                if (f) {
                        /* "\x01" style escapes let an entry hold control bytes;
                         * a line ending in "\no-eol" is written without its newline. */
                        bool eol = true;
                        if (ll >= 7 && strcmp(line + ll - 7, "\\no-eol") == 0) {
                                line[ll - 7] = '\0';
                                eol = false;
                        }
                        for (char *s = line; *s; s++) {
                                if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
                                        char hex[3] = { s[2], s[3], 0 };
                                        fputc((int)strtol(hex, NULL, 16), f);
                                        s += 3;
                                } else
                                        fputc(*s, f);
                        }
                        if (eol)
                                fputc('\n', f);
                } else if (sink) {
                        size_t have = strlen(*sink);
                        *sink = realloc(*sink, have + ll + 2);
                        memcpy(*sink + have, line, ll);
                        (*sink)[have + ll] = '\n';
                        (*sink)[have + ll + 1] = '\0';
                }
        }
        if (f)
                fclose(f);
}

static const char *rel(const char *dir, const char *path)
{
        size_t n = strlen(dir);

        return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

/* Every expected "FILE:LINE: text" must match one message (FILE relative to
 * the entry's directory, text a substring), and there are no others. */
static void check_messages(const char *dir, const char *kind, const char *expected,
                           size_t (*count)(const struct bh_policy *),
                           const char *(*get)(const struct bh_policy *, size_t),
                           const struct bh_policy *p)
{
        size_t n_expected = 0, n = count(p);
        const char *e = expected ? expected : "";

        while (*e) {
                const char *nl = strchr(e, '\n');
                size_t ll = nl ? (size_t)(nl - e) : strlen(e);
                char want[1024], *sep;
                bool found = false;

                snprintf(want, sizeof(want), "%.*s", (int)ll, e);
                e += ll + (nl ? 1 : 0);
                if (!want[0])
                        continue;
                n_expected++;
                sep = strstr(want, ": ");
                assert_non_null(sep);
                *sep = '\0';
                for (size_t i = 0; i < n && !found; i++) {
                        const char *msg = rel(dir, get(p, i));
                        found = strncmp(msg, want, strlen(want)) == 0 &&
                                msg[strlen(want)] == ':' && strstr(msg + strlen(want), sep + 2);
                }
                if (!found) {
                        print_error("expected %s '%s: %s'; got:\n", kind, want, sep + 2);
                        for (size_t i = 0; i < n; i++)
                                print_error("  %s\n", get(p, i));
                        fail();
                }
        }
        if (n != n_expected) {
                print_error("expected %zu %s, got %zu:\n", n_expected, kind, n);
                for (size_t i = 0; i < n; i++)
                        print_error("  %s\n", get(p, i));
                fail();
        }
}

/* "SRC TARGET SERVICE[+ARG] => VERDICT key=value..." ('' is an empty target). */
static void check_eval(const char *dir, const struct bh_policy *p,
                       const struct bh_policy_domains *t, const char *line)
{
        char buf[1024], *arrow, *save = NULL, *src, *tgt, *svc, *plus, *verdict;
        struct bh_policy_request req;
        struct bh_policy_decision d;

        snprintf(buf, sizeof(buf), "%s", line);
        arrow = strstr(buf, " => ");
        assert_non_null(arrow);
        *arrow = '\0';
        src = strtok_r(buf, " ", &save);
        tgt = strtok_r(NULL, " ", &save);
        svc = strtok_r(NULL, " ", &save);
        assert_non_null(svc);
        if (strcmp(tgt, "''") == 0)
                tgt = (char *)"";
        plus = strchr(svc, '+');
        if (plus)
                *plus++ = '\0';
        req = (struct bh_policy_request){ src, tgt, svc, plus ? plus : "" };
        assert_int_equal(bh_policy_eval(p, t, &req, &d), 0);

        save = NULL;
        verdict = strtok_r(arrow + 4, " ", &save);
        if (strcmp(verdict, bh_policy_verdict_name(d.verdict)) != 0) {
                print_error("%s: got %s (%s)\n", line, bh_policy_verdict_name(d.verdict), d.reason);
                fail();
        }
        for (char *kv = strtok_r(NULL, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
                char *v = strchr(kv, '='), got[1024];
                assert_non_null(v);
                *v++ = '\0';
                if (strcmp(kv, "target") == 0)
                        snprintf(got, sizeof(got), "%s", d.target);
                else if (strcmp(kv, "rule") == 0) {
                        if (d.rule_file[0])
                                snprintf(got, sizeof(got), "%s:%u", rel(dir, d.rule_file),
                                         d.rule_line);
                        else
                                snprintf(got, sizeof(got), "-");
                } else if (strcmp(kv, "user") == 0)
                        snprintf(got, sizeof(got), "%s", d.user);
                else if (strcmp(kv, "autostart") == 0)
                        snprintf(got, sizeof(got), "%s", d.autostart ? "yes" : "no");
                else if (strcmp(kv, "notify") == 0)
                        snprintf(got, sizeof(got), "%s", d.notify ? "yes" : "no");
                else if (strcmp(kv, "default") == 0)
                        snprintf(got, sizeof(got), "%s", d.default_target);
                else if (strcmp(kv, "reason") == 0) {
                        /* a substring, '_' for a space */
                        for (char *s = v; *s; s++)
                                if (*s == '_')
                                        *s = ' ';
                        if (!strstr(d.reason, v)) {
                                print_error("%s: reason '%s' lacks '%s'\n", line, d.reason, v);
                                fail();
                        }
                        continue;
                } else if (strcmp(kv, "targets") == 0) {
                        size_t o = 0;
                        got[0] = '\0';
                        for (size_t i = 0; i < d.n_targets; i++)
                                o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", i ? "," : "",
                                                      d.targets[i]);
                } else if (strcmp(kv, "answer") == 0) {
                        /* answer=X: the user picks X; then target= etc. apply */
                        bh_policy_answer(&d, strcmp(v, "-") == 0 ? NULL : v);
                        continue;
                } else if (strcmp(kv, "then") == 0) {
                        snprintf(got, sizeof(got), "%s", bh_policy_verdict_name(d.verdict));
                } else {
                        print_error("unknown key %s\n", kv);
                        fail();
                }
                if (strcmp(got, v) != 0) {
                        print_error("%s: %s is '%s', expected '%s' (%s)\n", line, kv, got, v,
                                    d.reason);
                        fail();
                }
        }
        bh_policy_decision_free(&d);
}

static void rm_rf(const char *dir)
{
        char cmd[4200];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void run_entry(void **state)
{
        const struct entry *e = *state;
        char dir[] = "/tmp/bh-policy-table.XXXXXX", path[4200];
        char *domains = NULL, *evals = NULL, *errors = NULL, *warnings = NULL;
        struct bh_policy *p = NULL;
        struct bh_policy_domains t;
        char err[512];
        int r;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/policy.d", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        write_files(path, e->body, &domains, &evals, &errors, &warnings);

        r = bh_policy_load_dir(path, &p);
        assert_non_null(p);
        check_messages(path, "errors", errors, bh_policy_n_errors, bh_policy_error, p);
        check_messages(path, "warnings", warnings, bh_policy_n_warnings, bh_policy_warning, p);
        assert_int_equal(r, bh_policy_n_errors(p) ? -EINVAL : 0);

        assert_int_equal(bh_policy_domains_init(&t), 0);
        if (domains)
                r = bh_policy_domains_parse(&t, domains, strlen(domains), "@domains", err, sizeof(err));
        else
                r = bh_policy_domains_parse(&t, default_domains, strlen(default_domains), "default",
                                            err, sizeof(err));
        if (r < 0)
                print_error("domains: %s\n", err);
        assert_int_equal(r, 0);

        for (const char *l = evals ? evals : ""; *l;) {
                const char *nl = strchr(l, '\n');
                char one[1024];
                snprintf(one, sizeof(one), "%.*s", (int)(nl ? nl - l : (long)strlen(l)), l);
                l += strlen(one) + (nl ? 1 : 0);
                if (one[0])
                        check_eval(path, p, &t, one);
        }
        bh_policy_domains_free(&t);
        bh_policy_free(p);
        free(domains);
        free(evals);
        free(errors);
        free(warnings);
        rm_rf(dir);
}

static void load_table(const char *path)
{
        FILE *f = fopen(path, "r");
        char line[8192];
        unsigned lineno = 0;
        struct entry *cur = NULL;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                exit(1);
        }
        while (fgets(line, sizeof(line), f)) {
                lineno++;
                if (strncmp(line, "=== ", 4) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        entries = realloc(entries, (n_entries + 1) * sizeof(*entries));
                        cur = &entries[n_entries++];
                        cur->name = strdup(line + 4);
                        cur->body = calloc(1, 1);
                        cur->line = lineno;
                        continue;
                }
                if (!cur || (line[0] == '#' && line[1] == '#'))
                        continue; /* the header, and "##" notes */
                cur->body = realloc(cur->body, strlen(cur->body) + strlen(line) + 1);
                strcat(cur->body, line);
        }
        fclose(f);
}

int main(int argc, char **argv)
{
        struct CMUnitTest *tests;
        int r;

        load_table(argc > 1 ? argv[1] : BH_POLICY_TABLE);
        tests = calloc(n_entries, sizeof(*tests));
        for (size_t i = 0; i < n_entries; i++) {
                tests[i].name = entries[i].name;
                tests[i].test_func = run_entry;
                tests[i].initial_state = &entries[i];
        }
        r = _cmocka_run_group_tests("qrexec_policy_table", tests, n_entries, NULL, NULL);
        for (size_t i = 0; i < n_entries; i++) {
                free(entries[i].name);
                free(entries[i].body);
        }
        free(entries);
        free(tests);
        return r;
}
