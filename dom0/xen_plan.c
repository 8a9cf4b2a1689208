/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xen_plan.h"

int bh_xen_plan_make(const struct bh_start_spec *spec, struct bh_xen_plan *ret)
{
        const char *root = spec->root;
        size_t n, dir;
        int w;

        memset(ret, 0, sizeof(*ret));
        if (!root || !spec->d)
                return -EINVAL;
        n = strlen(root);
        /* The version directory holds root/ and xen/ side by side. */
        if (n < 6 || strcmp(root + n - 5, "/root") != 0)
                return -EINVAL;
        dir = n - 5;
        w = snprintf(ret->kernel, sizeof(ret->kernel), "%.*s/%s", (int)dir, root, BH_XEN_KERNEL_FILE);
        if (w < 0 || (size_t)w >= sizeof(ret->kernel))
                return -ENAMETOOLONG;
        w = snprintf(ret->ramdisk, sizeof(ret->ramdisk), "%.*s/%s", (int)dir, root, BH_XEN_RAMDISK_FILE);
        if (w < 0 || (size_t)w >= sizeof(ret->ramdisk))
                return -ENAMETOOLONG;
        snprintf(ret->name, sizeof(ret->name), "%s", spec->d->name);
        snprintf(ret->cmdline, sizeof(ret->cmdline), "%s%s", BH_XEN_CMDLINE_BASE,
                 spec->gui ? " bulkhead.gui=1" : "");
        ret->memory_mib = spec->d->memory_mib;
        ret->vcpus = spec->d->vcpus ? spec->d->vcpus : 1;
        return 0;
}

/* xl.cfg strings are double-quoted; our names and paths have no quote or
 * backslash in them (names are checked, paths are bulkheadd's own), but a
 * state directory could, so escape them rather than print a broken file. */
static void print_string(FILE *out, const char *key, const char *v)
{
        fprintf(out, "%s = \"", key);
        for (; *v; v++) {
                if (*v == '"' || *v == '\\')
                        fputc('\\', out);
                fputc(*v, out);
        }
        fputs("\"\n", out);
}

int bh_xen_plan_print_xl(const struct bh_xen_plan *p, FILE *out)
{
        fputs("# What bulkheadd gives libxl for this domain, as an xl configuration.\n"
              "# bulkheadd itself destroys the domain when it powers off or crashes;\n"
              "# xl does the same with the on_* lines below.\n",
              out);
        print_string(out, "name", p->name);
        print_string(out, "type", "pv");
        print_string(out, "kernel", p->kernel);
        print_string(out, "ramdisk", p->ramdisk);
        print_string(out, "extra", p->cmdline);
        fprintf(out, "memory = %u\n", p->memory_mib);
        fprintf(out, "maxmem = %u\n", p->memory_mib);
        fprintf(out, "vcpus = %u\n", p->vcpus);
        print_string(out, "on_poweroff", "destroy");
        print_string(out, "on_reboot", "destroy");
        print_string(out, "on_crash", "destroy");
        return ferror(out) ? -EIO : 0;
}
