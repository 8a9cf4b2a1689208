/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "container_idmap.h"
#include "util.h"

#define IDMAP_DIR BH_CT_RUN_DIR "/idmap"

struct claim {
        pid_t pid;
        uint64_t starttime;
        char name[BH_NAME_MAX + 1];
};

static int mkdir_chain(void)
{
        static const char *const dirs[] = { "/run/bulkhead", BH_CT_RUN_DIR, IDMAP_DIR };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdir(dirs[i], i == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
                        return -errno;
        return 0;
}

static void slot_path(char *buf, size_t len, unsigned slot)
{
        snprintf(buf, len, IDMAP_DIR "/%u", slot);
}

static int claim_parse(const char *text, struct claim *c)
{
        int pid, n = 0;
        uint64_t st;

        if (sscanf(text, "%d %" SCNu64 " %n", &pid, &st, &n) != 2 || n == 0 || pid <= 0)
                return -EINVAL;
        c->pid = pid;
        c->starttime = st;
        snprintf(c->name, sizeof(c->name), "%.*s", (int)strcspn(text + n, "\n"), text + n);
        return 0;
}

static int claim_read_fd(int fd, struct claim *c)
{
        char buf[128];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return claim_parse(buf, c);
}

static int claim_read(const char *path, struct claim *c)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return -errno;
        return claim_read_fd(fd, c);
}

static bool claim_alive(const struct claim *c)
{
        uint64_t st;

        return bh_ct_proc_starttime(c->pid, &st) == 0 && st == c->starttime;
}

/* Writes a claim into a fresh temporary file and returns its path. */
static int claim_write_tmp(const char *name, pid_t pid, uint64_t starttime, char *tmp, size_t len)
{
        char text[128];
        int n = snprintf(text, sizeof(text), "%d %" PRIu64 " %s\n", (int)pid, starttime, name);

        snprintf(tmp, len, IDMAP_DIR "/.tmp.XXXXXX");
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, text, n) != n) {
                int r = errno ? -errno : -EIO;
                unlink(tmp);
                return r;
        }
        return 0;
}

/*
 * Removes the claim at path if its owner is gone.  The flock serialises
 * takers of the same stale claim; the inode check makes sure the file we
 * judged is still the one at path (another taker may have replaced it).
 * Returns 1 when removed, 0 when the claim is live, or -errno.
 */
static int claim_remove_stale(const char *path, const char *name)
{
        struct claim c;
        struct stat a, b;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return errno == ENOENT ? 1 : -errno;
        if (flock(fd, LOCK_EX) < 0)
                return -errno;
        if (fstat(fd, &a) < 0)
                return -errno;
        if (stat(path, &b) < 0)
                return errno == ENOENT ? 1 : -errno;
        if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                return 0; /* replaced meanwhile: judge again next round */
        if (claim_read_fd(fd, &c) == 0 && claim_alive(&c))
                return strcmp(c.name, name) == 0 ? -EBUSY : 0;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 1;
}

static unsigned name_hash(const char *name)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                h = (h ^ *p) * 16777619u;
        return h % BH_CT_ID_SLOTS;
}

int bh_ct_idmap_claim(const char *name, uint32_t *ret_base)
{
        char tmp[sizeof(IDMAP_DIR) + 16], path[sizeof(IDMAP_DIR) + 16];
        uint64_t self_start;
        unsigned first = name_hash(name);
        int r;

        if ((r = mkdir_chain()) < 0)
                return r;
        if ((r = bh_ct_proc_starttime(getpid(), &self_start)) < 0)
                return r;
        /* One live claim per name: a running domain of that name wins. */
        uint32_t existing;
        if (bh_ct_idmap_lookup(name, &existing) == 0)
                return -EBUSY;
        if ((r = claim_write_tmp(name, getpid(), self_start, tmp, sizeof(tmp))) < 0)
                return r;
        for (unsigned i = 0; i < BH_CT_ID_SLOTS; i++) {
                unsigned slot = (first + i) % BH_CT_ID_SLOTS;

                slot_path(path, sizeof(path), slot);
                for (int tries = 0; tries < 3; tries++) {
                        if (link(tmp, path) == 0) {
                                unlink(tmp);
                                *ret_base = BH_CT_ID_FIRST + slot * BH_CT_ID_RANGE;
                                return 0;
                        }
                        if (errno != EEXIST) {
                                r = -errno;
                                unlink(tmp);
                                return r;
                        }
                        r = claim_remove_stale(path, name);
                        if (r < 0) {
                                unlink(tmp);
                                return r;
                        }
                        if (r == 0)
                                break; /* live: next slot */
                }
        }
        unlink(tmp);
        return -ENOSPC;
}

int bh_ct_idmap_own(const char *name, uint32_t base, pid_t pid, uint64_t starttime)
{
        char tmp[sizeof(IDMAP_DIR) + 16], path[sizeof(IDMAP_DIR) + 16];
        int r;

        slot_path(path, sizeof(path), (base - BH_CT_ID_FIRST) / BH_CT_ID_RANGE);
        if ((r = claim_write_tmp(name, pid, starttime, tmp, sizeof(tmp))) < 0)
                return r;
        if (rename(tmp, path) < 0) {
                r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

/* Calls fn for each claim file naming `name`; stops when fn returns nonzero. */
static int claims_of(const char *name, int (*fn)(const char *path, const struct claim *c, void *u),
                     void *userdata)
{
        DIR *d = opendir(IDMAP_DIR);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r == 0 && (de = readdir(d))) {
                char path[sizeof(IDMAP_DIR) + 300];
                struct claim c;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), IDMAP_DIR "/%s", de->d_name);
                if (claim_read(path, &c) < 0 || strcmp(c.name, name) != 0)
                        continue;
                r = fn(path, &c, userdata);
        }
        closedir(d);
        return r;
}

static int release_one(const char *path, const struct claim *c, void *u)
{
        (void)c;
        (void)u;
        unlink(path);
        return 0;
}

void bh_ct_idmap_release(const char *name)
{
        claims_of(name, release_one, NULL);
}

static int lookup_one(const char *path, const struct claim *c, void *u)
{
        const char *slash = strrchr(path, '/');
        unsigned slot;

        if (!claim_alive(c) || sscanf(slash + 1, "%u", &slot) != 1 || slot >= BH_CT_ID_SLOTS)
                return 0;
        *(uint32_t *)u = BH_CT_ID_FIRST + slot * BH_CT_ID_RANGE;
        return 1;
}

int bh_ct_idmap_lookup(const char *name, uint32_t *ret_base)
{
        int r = claims_of(name, lookup_one, ret_base);

        if (r < 0)
                return r;
        return r == 1 ? 0 : -ENOENT;
}
