/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The report: readable text, or JSON (see docs/recon.md for the fields). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "recon.h"
#include "recon_json.h"
#include "util.h"

/* Version of the JSON document's layout; bumped when a field changes meaning. */
#define RECON_JSON_FORMAT 1

static const struct recon_tally *T(const struct recon_result *r, enum recon_topic t)
{
        return &r->verdict.t[t];
}

static const char *winner_id(const struct recon_result *r, enum recon_topic t)
{
        return T(r, t)->decided ? recon_env_id(T(r, t)->winner) : NULL;
}

static const char *tri_word(recon_tri t, const char *yes, const char *no)
{
        return t == 1 ? yes : t == 0 ? no : "unknown";
}

/* "kvm|oracle", "any hypervisor", "any container". */
static void suggests_text(uint64_t s, char *out, size_t size)
{
        size_t o = 0;

        out[0] = 0;
        if ((s & RECON_VM_ANY) == RECON_VM_ANY) {
                snprintf(out, size, "any hypervisor");
                return;
        }
        if ((s & RECON_CT_ANY) == RECON_CT_ANY) {
                snprintf(out, size, "any container");
                return;
        }
        for (int e = 0; e < RECON_ENV_COUNT && o + 1 < size; e++) {
                const char *id;

                if (!(s & RECON_BIT(e)))
                        continue;
                id = e == RECON_VM_NONE ? "bare-metal" : recon_env_id((enum recon_env)e);
                o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "|" : "", id);
        }
}

static void format_mem(uint64_t kib, char *out, size_t size)
{
        if (kib == 0)
                snprintf(out, size, "unknown");
        else
                snprintf(out, size, "%.1f GiB (%" PRIu64 " KiB)", (double)kib / (1024.0 * 1024.0), kib);
}

/* --- text ----------------------------------------------------------------- */

static void text_finding(FILE *out, const struct recon_result *r, const struct recon_finding *f)
{
        char s[96];
        bool against = recon_finding_contradicts(f, &r->verdict);

        suggests_text(f->suggests, s, sizeof(s));
        fprintf(out, "  %s %-15s %-26s %-30s", against ? "!" : " ", recon_source_id(f->source), f->key,
                f->value);
        if (f->topic != RECON_TOPIC_INFO)
                fprintf(out, " -> %s (%s)", s, recon_strength_id(f->strength));
        if (f->note[0])
                fprintf(out, "%s%s", f->topic != RECON_TOPIC_INFO ? ": " : " ", f->note);
        fputc('\n', out);
}

static void text_topic(FILE *out, const struct recon_result *r, enum recon_topic t, const char *title)
{
        bool any = false;

        for (unsigned i = 0; i < r->ev.n; i++) {
                if (r->ev.f[i].topic != t)
                        continue;
                if (!any)
                        fprintf(out, "\n%s\n", title);
                any = true;
                text_finding(out, r, &r->ev.f[i]);
        }
}

static void text_disagreements(FILE *out, const struct recon_result *r)
{
        static const struct {
                enum recon_topic t;
                const char *what;
        } topics[] = {
                { RECON_TOPIC_VM, "what our kernel runs on" },
                { RECON_TOPIC_OUTER, "what Xen runs on" },
                { RECON_TOPIC_XEN_ROLE, "which Xen domain we are" },
                { RECON_TOPIC_XEN_MODE, "how Xen runs us" },
                { RECON_TOPIC_CONTAINER, "whether we run in a container" },
        };
        bool header = false;

        for (size_t k = 0; k < ELEMENTSOF(topics); k++) {
                const struct recon_tally *t = T(r, topics[k].t);

                if (!t->decided || t->contradictions == 0)
                        continue;
                if (!r->verdict.xen && (topics[k].t == RECON_TOPIC_XEN_ROLE || topics[k].t == RECON_TOPIC_XEN_MODE))
                        continue;
                if (!header)
                        fprintf(out, "\nDisagreements (the verdict keeps the most supported answer; "
                                     "these findings say otherwise)\n");
                header = true;
                fprintf(out, "  %s: %s (score %d)%s\n", topics[k].what, recon_env_id(t->winner),
                        t->score[t->winner], t->agree ? ", only weak findings against it" : "");
                for (unsigned i = 0; i < r->ev.n; i++) {
                        const struct recon_finding *f = &r->ev.f[i];

                        if (f->topic == topics[k].t && recon_finding_contradicts(f, &r->verdict))
                                text_finding(out, r, f);
                }
        }
}

static void text_verdict(FILE *out, const struct recon_result *r)
{
        const struct recon_verdict *v = &r->verdict;
        const struct recon_tally *vm = T(r, RECON_TOPIC_VM), *ct = T(r, RECON_TOPIC_CONTAINER);
        const struct recon_tally *role = T(r, RECON_TOPIC_XEN_ROLE), *mode = T(r, RECON_TOPIC_XEN_MODE);
        const struct recon_tally *outer = T(r, RECON_TOPIC_OUTER);

        fprintf(out, "\nVerdict%s\n", v->agree ? "" : " (sources disagree: see Disagreements)");
        if (!vm->decided)
                fprintf(out, "  kernel runs on: undetermined (no source could be read)\n");
        else if (vm->winner == RECON_VM_NONE)
                fprintf(out, "  kernel runs on: bare metal\n");
        else
                fprintf(out, "  kernel runs on: %s, a %s\n", recon_env_name(vm->winner),
                        recon_class_name(recon_env_class(vm->winner)));
        if (v->xen) {
                fprintf(out, "  Xen domain:     %s, %s\n",
                        role->decided ? recon_env_name(role->winner) : "role unknown",
                        mode->decided ? recon_env_name(mode->winner) : "mode unknown");
                if (outer->decided)
                        fprintf(out, "  Xen runs on:    %s%s\n",
                                outer->winner == RECON_VM_NONE ? "bare metal" : recon_env_name(outer->winner),
                                outer->winner == RECON_VM_NONE ? "" : " (nested virtualization)");
                else
                        fprintf(out, "  Xen runs on:    unknown (nothing below Xen is visible from here)\n");
        }
        fprintf(out, "  container:      %s\n",
                !ct->decided ? "unknown (no container source could be read)"
                : ct->winner == RECON_CT_NONE ? "none"
                                              : recon_env_name(ct->winner));
        if (vm->decided && vm->winner != RECON_VM_NONE)
                fprintf(out, "  nested virt:    %s\n",
                        tri_word(v->nested_available, "available: this guest sees VT-x/AMD-V and can run guests",
                                 "not available to this guest"));
        fprintf(out, "  class:          %s\n", recon_class_name(v->klass));
}

static void text_hw(FILE *out, const struct recon_result *r)
{
        const struct recon_hw *hw = &r->hw;
        char mem[64];

        fprintf(out, "\nHardware\n");
        fprintf(out, "  CPU:            %s (%s", hw->cpu_model[0] ? hw->cpu_model : "unknown",
                hw->cpu_vendor[0] ? hw->cpu_vendor : "vendor unknown");
        if (hw->family >= 0)
                fprintf(out, ", family %d model %d stepping %d", hw->family, hw->model, hw->stepping);
        fprintf(out, ")\n");
        fprintf(out, "  %-15s %s (CPUID: %s, kernel flag: %s)%s%s\n",
                hw->amd ? "AMD-V (SVM):" : hw->intel ? "VT-x (VMX):" : "VT-x/AMD-V:", recon_vext_id(hw->vext),
                hw->amd ? tri_word(hw->svm_cpuid, "yes", "no") : tri_word(hw->vmx_cpuid, "yes", "no"),
                hw->amd ? tri_word(hw->svm_flag, "yes", "no") : tri_word(hw->vmx_flag, "yes", "no"),
                hw->vext_fw_how[0] ? "; " : "", hw->vext_fw_how);
        if (hw->xen_hap != RECON_UNKNOWN)
                fprintf(out, "  %-15s %s\n", hw->amd ? "NPT:" : hw->intel ? "EPT:" : "EPT/NPT:",
                        tri_word(hw->xen_hap, "yes (Xen uses it: hap)", "no (Xen has no hap)"));
        else
                fprintf(out, "  %-15s %s\n", hw->amd ? "NPT:" : hw->intel ? "EPT:" : "EPT/NPT:",
                        hw->amd ? tri_word(hw->npt, "yes", "no") : tri_word(hw->ept, "yes", "no"));
        if (hw->xen_hvm_cap != RECON_UNKNOWN)
                fprintf(out, "  Xen HVM/PVH:    %s\n",
                        hw->xen_hvm_cap == 1 ? "yes (Xen lists hvm capabilities)" : "no (PV guests only)");
        if (hw->kvm_dev != RECON_UNKNOWN)
                fprintf(out, "  /dev/kvm:       %s%s\n", tri_word(hw->kvm_dev, "present", "absent"),
                        hw->kvm_nested == 1 ? " (nested=1: its guests may run hypervisors)" : "");
        fprintf(out, "  IOMMU:          %s: firmware table %s, kernel %s%s, %d unit(s), ",
                hw->iommu_kind[0] ? hw->iommu_kind : "none found", tri_word(hw->iommu_firmware, "yes", "no"),
                tri_word(hw->iommu_kernel, "uses it", "does not use it"),
                hw->iommu_xen == 1 ? " (Xen owns it)" : "", hw->iommu_units);
        if (hw->iommu_groups >= 0)
                fprintf(out, "%d group(s)\n", hw->iommu_groups);
        else
                fprintf(out, "groups unknown\n");
        fprintf(out, "  interrupt remapping: supported %s, enabled %s\n",
                tri_word(hw->intr_remap_supported, "yes", "no"), tri_word(hw->intr_remap_enabled, "yes", "no"));
        if (hw->iommu_cmdline[0])
                fprintf(out, "  IOMMU options:  %s\n", hw->iommu_cmdline);
        format_mem(hw->mem_total_kib, mem, sizeof(mem));
        fprintf(out, "  memory:         %s for this kernel", mem);
        if (hw->xen_total_kib) {
                format_mem(hw->xen_total_kib, mem, sizeof(mem));
                fprintf(out, "; %s in the machine (Xen)", mem);
        }
        fprintf(out, "\n  firmware:       %s\n", tri_word(hw->uefi, "UEFI", "BIOS or none"));
}

static void text_ready(FILE *out, const struct recon_result *r)
{
        const struct recon_ready *rd = &r->ready;

        fprintf(out, "\nReadiness for Bulkhead\n");
        fprintf(out, "  Xen backend:       %s", tri_word(rd->xen_backend, "ready", "no"));
        if (rd->xen_running != 1)
                fprintf(out, " (Xen is not running)\n");
        else if (rd->xen_dom0 != 1)
                fprintf(out, " (not dom0: Bulkhead runs in dom0)\n");
        else
                fprintf(out, " (dom0; privcmd %s, xenstored %s, libxl %s: %s)\n",
                        tri_word(rd->privcmd, "yes", "no"), tri_word(rd->xenstore, "running", "not running"),
                        tri_word(rd->libxl, "works", "fails"), rd->libxl_detail);
        if (rd->xen_version[0])
                fprintf(out, "  Xen version:       %s\n", rd->xen_version);
        if (rd->xen_hvm_directio != RECON_UNKNOWN)
                fprintf(out, "  PCI passthrough:   %s\n",
                        tri_word(rd->xen_hvm_directio, "possible (Xen has an IOMMU)", "not possible (no IOMMU in Xen)"));
        fprintf(out, "  container backend: %s", tri_word(rd->container_backend, "ready", "no"));
        if (rd->container_missing[0])
                fprintf(out, " (missing: %s)", rd->container_missing);
        fprintf(out, "\n    user namespaces %s%s%s, overlayfs %s, cgroup v2 %s%s%s%s, seccomp %s\n",
                tri_word(rd->userns, "yes", "no"), rd->userns_detail[0] ? " - " : "", rd->userns_detail,
                tri_word(rd->overlayfs, "yes", "no"), tri_word(rd->cgroup2, "yes", "no"),
                rd->cgroup2_controllers[0] ? " (" : "", rd->cgroup2_controllers,
                rd->cgroup2_controllers[0] ? ")" : "", tri_word(rd->seccomp, "yes", "no"));
}

int recon_report_text(FILE *out, const struct recon_result *r)
{
        fprintf(out, "bulkhead recon: %s%s, %s\n", r->live ? "this machine" : "tree ", r->live ? "" : r->root,
                r->privileged ? "as root" : "without root");
        text_verdict(out, r);
        text_disagreements(out, r);
        text_hw(out, r);
        text_ready(out, r);
        fprintf(out, "\nEvidence (\"!\" marks a finding against the verdict)\n");
        text_topic(out, r, RECON_TOPIC_VM, " what our kernel runs on:");
        text_topic(out, r, RECON_TOPIC_OUTER, " what Xen runs on (machine facts seen through Xen):");
        text_topic(out, r, RECON_TOPIC_XEN_ROLE, " which Xen domain:");
        text_topic(out, r, RECON_TOPIC_XEN_MODE, " how Xen runs this domain:");
        text_topic(out, r, RECON_TOPIC_CONTAINER, " container:");
        text_topic(out, r, RECON_TOPIC_INFO, " other facts:");
        if (r->n_root_notes) {
                fprintf(out, "\nRoot would add\n");
                for (unsigned i = 0; i < r->n_root_notes; i++)
                        fprintf(out, "  - %s\n", r->root_notes[i]);
        }
        if (r->n_notes) {
                fprintf(out, "\nNotes\n");
                for (unsigned i = 0; i < r->n_notes; i++)
                        fprintf(out, "  - %s\n", r->notes[i]);
        }
        fflush(out);
        return ferror(out) ? -EIO : 0;
}

/* --- JSON ----------------------------------------------------------------- */

static void json_tri(struct json_writer *w, const char *key, recon_tri t)
{
        if (t == RECON_UNKNOWN)
                json_null(w, key);
        else
                json_bool(w, key, t == 1);
}

static void json_suggests(struct json_writer *w, const char *key, uint64_t s)
{
        json_begin_array(w, key);
        for (int e = 0; e < RECON_ENV_COUNT; e++)
                if (s & RECON_BIT(e))
                        json_string(w, NULL, recon_env_id((enum recon_env)e));
        json_end_array(w);
}

static void json_finding(struct json_writer *w, const struct recon_result *r, const struct recon_finding *f)
{
        json_begin_object(w, NULL);
        json_string(w, "source", recon_source_id(f->source));
        json_string(w, "topic", recon_topic_id(f->topic));
        json_string(w, "key", f->key);
        json_string(w, "value", f->value);
        json_suggests(w, "suggests", f->suggests);
        json_string(w, "strength", recon_strength_id(f->strength));
        json_string(w, "note", f->note[0] ? f->note : NULL);
        json_bool(w, "contradicts_verdict", recon_finding_contradicts(f, &r->verdict));
        json_end_object(w);
}

static void json_verdict(struct json_writer *w, const struct recon_result *r)
{
        const struct recon_verdict *v = &r->verdict;
        const struct recon_tally *vm = T(r, RECON_TOPIC_VM);

        json_begin_object(w, "verdict");
        json_string(w, "class", recon_class_id(v->klass));
        json_string(w, "class_name", recon_class_name(v->klass));
        json_string(w, "vm", winner_id(r, RECON_TOPIC_VM));
        json_string(w, "vm_name", vm->decided ? recon_env_name(vm->winner) : NULL);
        json_string(w, "vm_class", recon_class_id(v->kernel_klass));
        json_string(w, "container", winner_id(r, RECON_TOPIC_CONTAINER));
        json_string(w, "xen_role", v->xen ? winner_id(r, RECON_TOPIC_XEN_ROLE) : NULL);
        json_string(w, "xen_guest_type", v->xen ? winner_id(r, RECON_TOPIC_XEN_MODE) : NULL);
        json_string(w, "outer", v->xen && v->outer_known ? winner_id(r, RECON_TOPIC_OUTER) : NULL);
        json_tri(w, "nested_available", v->nested_available);
        json_bool(w, "agree", v->agree);
        json_begin_object(w, "topics");
        for (int t = RECON_TOPIC_VM; t < RECON_TOPIC_COUNT; t++) {
                const struct recon_tally *tl = T(r, (enum recon_topic)t);

                json_begin_object(w, recon_topic_id((enum recon_topic)t));
                json_string(w, "winner", tl->decided ? recon_env_id(tl->winner) : NULL);
                json_bool(w, "agree", !tl->decided || tl->agree);
                json_uint(w, "contradictions", tl->contradictions);
                json_begin_object(w, "scores");
                for (int e = 0; e < RECON_ENV_COUNT; e++)
                        if (tl->score[e] > 0)
                                json_int(w, recon_env_id((enum recon_env)e), tl->score[e]);
                json_end_object(w);
                json_end_object(w);
        }
        json_end_object(w);
        json_begin_array(w, "disagreements");
        for (unsigned i = 0; i < r->ev.n; i++)
                if (recon_finding_contradicts(&r->ev.f[i], v) &&
                    (v->xen || (r->ev.f[i].topic != RECON_TOPIC_XEN_ROLE && r->ev.f[i].topic != RECON_TOPIC_XEN_MODE)))
                        json_finding(w, r, &r->ev.f[i]);
        json_end_array(w);
        json_end_object(w);
}

static void json_hw(struct json_writer *w, const struct recon_hw *hw)
{
        json_begin_object(w, "hardware");
        json_string(w, "cpu_vendor", hw->cpu_vendor[0] ? hw->cpu_vendor : NULL);
        json_string(w, "cpu_model", hw->cpu_model[0] ? hw->cpu_model : NULL);
        if (hw->family >= 0) {
                json_int(w, "family", hw->family);
                json_int(w, "model", hw->model);
                json_int(w, "stepping", hw->stepping);
        }
        json_string(w, "virtualization_extension", recon_vext_id(hw->vext));
        json_tri(w, "vmx_cpuid", hw->vmx_cpuid);
        json_tri(w, "svm_cpuid", hw->svm_cpuid);
        json_tri(w, "vmx_flag", hw->vmx_flag);
        json_tri(w, "svm_flag", hw->svm_flag);
        json_tri(w, "firmware_disabled", hw->vext_fw_locked_off);
        json_string(w, "firmware_disabled_how", hw->vext_fw_how[0] ? hw->vext_fw_how : NULL);
        json_tri(w, "ept", hw->ept);
        json_tri(w, "npt", hw->npt);
        json_tri(w, "vpid", hw->vpid);
        json_tri(w, "unrestricted_guest", hw->unrestricted_guest);
        json_tri(w, "kvm_device", hw->kvm_dev);
        json_tri(w, "kvm_nested", hw->kvm_nested);
        json_tri(w, "xen_hvm", hw->xen_hvm_cap);
        json_tri(w, "xen_hap", hw->xen_hap);
        json_begin_object(w, "iommu");
        json_string(w, "kind", hw->iommu_kind[0] ? hw->iommu_kind : NULL);
        json_tri(w, "firmware_table", hw->iommu_firmware);
        json_tri(w, "kernel_enabled", hw->iommu_kernel);
        json_tri(w, "owned_by_xen", hw->iommu_xen);
        json_int(w, "units", hw->iommu_units);
        if (hw->iommu_groups >= 0)
                json_int(w, "groups", hw->iommu_groups);
        else
                json_null(w, "groups");
        json_tri(w, "interrupt_remapping_supported", hw->intr_remap_supported);
        json_tri(w, "interrupt_remapping_enabled", hw->intr_remap_enabled);
        json_string(w, "cmdline", hw->iommu_cmdline[0] ? hw->iommu_cmdline : NULL);
        json_end_object(w);
        json_uint(w, "mem_total_kib", hw->mem_total_kib);
        if (hw->xen_total_kib)
                json_uint(w, "machine_mem_kib", hw->xen_total_kib);
        else
                json_null(w, "machine_mem_kib");
        json_tri(w, "uefi", hw->uefi);
        json_end_object(w);
}

static void json_ready(struct json_writer *w, const struct recon_ready *rd)
{
        json_begin_object(w, "readiness");
        json_begin_object(w, "xen");
        json_tri(w, "ready", rd->xen_backend);
        json_tri(w, "xen_running", rd->xen_running);
        json_tri(w, "dom0", rd->xen_dom0);
        json_tri(w, "privcmd", rd->privcmd);
        json_tri(w, "xenstored", rd->xenstore);
        json_tri(w, "libxl", rd->libxl);
        json_string(w, "libxl_detail", rd->libxl_detail[0] ? rd->libxl_detail : NULL);
        json_string(w, "xen_version", rd->xen_version[0] ? rd->xen_version : NULL);
        json_tri(w, "pci_passthrough", rd->xen_hvm_directio);
        json_end_object(w);
        json_begin_object(w, "container");
        json_tri(w, "ready", rd->container_backend);
        json_tri(w, "user_namespaces", rd->userns);
        json_tri(w, "user_namespaces_unprivileged", rd->userns_unpriv);
        json_tri(w, "overlayfs", rd->overlayfs);
        json_tri(w, "cgroup2", rd->cgroup2);
        json_string(w, "cgroup2_controllers", rd->cgroup2_controllers[0] ? rd->cgroup2_controllers : NULL);
        json_tri(w, "seccomp", rd->seccomp);
        json_string(w, "missing", rd->container_missing[0] ? rd->container_missing : NULL);
        json_end_object(w);
        json_end_object(w);
}

int recon_report_json(FILE *out, const struct recon_result *r)
{
        struct json_writer w;
        int e;

        json_init(&w, out);
        json_begin_object(&w, NULL);
        json_int(&w, "format", RECON_JSON_FORMAT);
        json_string(&w, "root", r->root);
        json_bool(&w, "live", r->live);
        json_bool(&w, "privileged", r->privileged);
        json_verdict(&w, r);
        json_hw(&w, &r->hw);
        json_ready(&w, &r->ready);
        json_begin_array(&w, "evidence");
        for (unsigned i = 0; i < r->ev.n; i++)
                json_finding(&w, r, &r->ev.f[i]);
        json_end_array(&w);
        json_bool(&w, "evidence_truncated", r->ev.overflow);
        json_begin_array(&w, "root_would_add");
        for (unsigned i = 0; i < r->n_root_notes; i++)
                json_string(&w, NULL, r->root_notes[i]);
        json_end_array(&w);
        json_begin_array(&w, "notes");
        for (unsigned i = 0; i < r->n_notes; i++)
                json_string(&w, NULL, r->notes[i]);
        json_end_array(&w);
        json_end_object(&w);
        e = json_end(&w);
        fflush(out);
        return e ? e : ferror(out) ? -EIO : 0;
}
