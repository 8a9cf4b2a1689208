/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Combining findings into a verdict.  Pure.
 *
 * Per topic, each environment scores the sum, over sources, of the
 * strongest finding of that source that allows it: one source cannot
 * outvote the others by saying the same thing five times, and a finding
 * that allows several environments (VirtualBox's KVM-compatible CPUID
 * interface) counts for each of them.  The highest score wins; a tie goes
 * to the environment with more evidence that names few environments, then
 * to "unrecognised", then to "none".  Every finding whose set excludes the
 * winner is a contradiction: shown in the report; a medium or strong one
 * makes the topic disagree.
 *
 * Under Xen, dom0 sees the machine's own firmware tables and devices, and a
 * PV guest runs the CPUID instruction on the real CPU: those findings
 * describe what Xen runs on, not Xen, and move to the "outer" topic.
 */
#include <string.h>

#include "recon.h"
#include "util.h"

static uint64_t topic_candidates(enum recon_topic t)
{
        switch (t) {
        case RECON_TOPIC_VM:
        case RECON_TOPIC_OUTER:
                return RECON_VM_ALL;
        case RECON_TOPIC_CONTAINER:
                return RECON_CT_ALL;
        case RECON_TOPIC_XEN_ROLE:
                return RECON_XEN_ROLE_ALL;
        case RECON_TOPIC_XEN_MODE:
                return RECON_XEN_MODE_ALL;
        default:
                return 0;
        }
}

static enum recon_env topic_other(enum recon_topic t)
{
        return t == RECON_TOPIC_CONTAINER ? RECON_CT_OTHER : RECON_VM_OTHER;
}

static enum recon_env topic_none(enum recon_topic t)
{
        return t == RECON_TOPIC_CONTAINER ? RECON_CT_NONE : RECON_VM_NONE;
}

static void tally(const struct recon_evidence *ev, enum recon_topic topic, struct recon_tally *t)
{
        uint64_t cand = topic_candidates(topic);
        uint8_t best[RECON_SRC_COUNT][RECON_ENV_COUNT] = { { 0 } };
        uint8_t narrow[RECON_SRC_COUNT][RECON_ENV_COUNT] = { { 0 } };
        int secondary[RECON_ENV_COUNT] = { 0 };
        bool have_other = topic == RECON_TOPIC_VM || topic == RECON_TOPIC_OUTER ||
                          topic == RECON_TOPIC_CONTAINER;

        memset(t, 0, sizeof(*t));
        t->winner = RECON_ENV_COUNT;
        for (unsigned i = 0; i < ev->n; i++) {
                const struct recon_finding *f = &ev->f[i];
                uint64_t s = f->suggests & cand;

                if (f->topic != topic || !s || f->strength == RECON_INFO)
                        continue;
                t->decided = true;
                for (int e = 0; e < RECON_ENV_COUNT; e++) {
                        if (!(s & RECON_BIT(e)))
                                continue;
                        if (f->strength > best[f->source][e])
                                best[f->source][e] = (uint8_t)f->strength;
                        if (__builtin_popcountll(s) <= 2 && f->strength > narrow[f->source][e])
                                narrow[f->source][e] = (uint8_t)f->strength;
                }
        }
        if (!t->decided)
                return;
        for (int e = 0; e < RECON_ENV_COUNT; e++)
                for (int src = 0; src < RECON_SRC_COUNT; src++) {
                        t->score[e] += best[src][e];
                        secondary[e] += narrow[src][e];
                }
        for (int e = 0; e < RECON_ENV_COUNT; e++) {
                int w = (int)t->winner;

                if (!(cand & RECON_BIT(e)))
                        continue;
                if (t->winner == RECON_ENV_COUNT || t->score[e] > t->score[w] ||
                    (t->score[e] == t->score[w] && secondary[e] > secondary[w])) {
                        t->winner = (enum recon_env)e;
                        continue;
                }
                if (t->score[e] == t->score[w] && secondary[e] == secondary[w] && have_other) {
                        /* Equal evidence: nothing names the winner better
                         * than "unrecognised" or "none" do. */
                        if ((enum recon_env)e == topic_other(topic) ||
                            ((enum recon_env)e == topic_none(topic) && t->winner != topic_other(topic)))
                                t->winner = (enum recon_env)e;
                }
        }
        t->agree = true;
        for (unsigned i = 0; i < ev->n; i++) {
                const struct recon_finding *f = &ev->f[i];
                uint64_t s = f->suggests & cand;

                if (f->topic != topic || !s || f->strength == RECON_INFO)
                        continue;
                if (!(s & RECON_BIT(t->winner))) {
                        t->contradictions++;
                        if (f->strength >= RECON_MEDIUM)
                                t->agree = false;
                }
        }
}

bool recon_finding_contradicts(const struct recon_finding *f, const struct recon_verdict *v)
{
        const struct recon_tally *t;
        uint64_t s;

        if ((unsigned)f->topic >= RECON_TOPIC_COUNT || f->topic == RECON_TOPIC_INFO)
                return false;
        t = &v->t[f->topic];
        s = f->suggests & topic_candidates(f->topic);
        return t->decided && s && f->strength != RECON_INFO && !(s & RECON_BIT(t->winner));
}

/* Findings that describe the hardware under Xen rather than Xen. */
static bool describes_machine_below_xen(const struct recon_finding *f, bool dom0, bool pv)
{
        /* dom0 gets the machine's firmware tables and devices, whatever
         * they name ("Xen" there means Xen nested in Xen); XMAR is the one
         * mark Xen itself leaves in them. */
        if (dom0 && (f->source == RECON_SRC_DMI || f->source == RECON_SRC_SMBIOS ||
                     (f->source == RECON_SRC_ACPI && strcmp(f->key, "XMAR") != 0) ||
                     f->source == RECON_SRC_PCI || f->source == RECON_SRC_MAC ||
                     (f->source == RECON_SRC_KLOG && strcmp(f->key, "DMI") == 0)))
                return true;
        /* A PV guest's CPUID instruction reaches the real CPU unless Xen
         * can fault it (then it says Xen, and stays). */
        if (f->suggests & RECON_BIT(RECON_VM_XEN))
                return false;
        return pv && (f->source == RECON_SRC_CPUID || f->source == RECON_SRC_CPUINFO ||
                      f->source == RECON_SRC_PCI);
}

void recon_verdict_compute(struct recon_evidence *ev, struct recon_verdict *v)
{
        struct recon_tally *vm = &v->t[RECON_TOPIC_VM];
        struct recon_tally *ct = &v->t[RECON_TOPIC_CONTAINER];

        memset(v, 0, sizeof(*v));
        v->nested_available = RECON_UNKNOWN;
        tally(ev, RECON_TOPIC_XEN_ROLE, &v->t[RECON_TOPIC_XEN_ROLE]);
        tally(ev, RECON_TOPIC_XEN_MODE, &v->t[RECON_TOPIC_XEN_MODE]);
        tally(ev, RECON_TOPIC_VM, vm);

        if (vm->decided && vm->winner == RECON_VM_XEN) {
                const struct recon_tally *role = &v->t[RECON_TOPIC_XEN_ROLE];
                const struct recon_tally *mode = &v->t[RECON_TOPIC_XEN_MODE];
                bool dom0 = role->decided && role->winner == RECON_XEN_DOM0;
                bool pv = mode->decided && mode->winner == RECON_XEN_PV;
                bool moved = false;

                v->xen = true;
                for (unsigned i = 0; i < ev->n; i++)
                        if (ev->f[i].topic == RECON_TOPIC_VM &&
                            describes_machine_below_xen(&ev->f[i], dom0, pv)) {
                                ev->f[i].topic = RECON_TOPIC_OUTER;
                                moved = true;
                        }
                if (moved) {
                        tally(ev, RECON_TOPIC_VM, vm);
                        tally(ev, RECON_TOPIC_OUTER, &v->t[RECON_TOPIC_OUTER]);
                        v->outer_known = v->t[RECON_TOPIC_OUTER].decided;
                }
        }
        tally(ev, RECON_TOPIC_CONTAINER, ct);

        if (!vm->decided)
                v->kernel_klass = RECON_CLASS_UNDETERMINED;
        else
                v->kernel_klass = recon_env_class(vm->winner);
        v->klass = ct->decided && ct->winner != RECON_CT_NONE ? RECON_CLASS_CONTAINER : v->kernel_klass;

        v->agree = true;
        for (int t = RECON_TOPIC_VM; t < RECON_TOPIC_COUNT; t++) {
                /* Role and mode matter only under Xen. */
                if (!v->xen && (t == RECON_TOPIC_XEN_ROLE || t == RECON_TOPIC_XEN_MODE))
                        continue;
                if (v->t[t].decided && !v->t[t].agree)
                        v->agree = false;
        }
}

enum recon_vext recon_vext_judge(const struct recon_hw *hw, bool guest, bool xen_pv_or_dom0)
{
        bool cpuid_has = hw->vmx_cpuid == 1 || hw->svm_cpuid == 1;
        bool cpuid_known = hw->vmx_cpuid != RECON_UNKNOWN || hw->svm_cpuid != RECON_UNKNOWN;
        bool flag_has = hw->vmx_flag == 1 || hw->svm_flag == 1;
        bool flag_known = hw->vmx_flag != RECON_UNKNOWN || hw->svm_flag != RECON_UNKNOWN;

        if (xen_pv_or_dom0) {
                /* Xen keeps VT-x/AMD-V for itself and says whether it can
                 * run HVM guests. */
                if (hw->xen_hvm_cap == 1)
                        return RECON_VEXT_XEN;
                if (hw->xen_hvm_cap == 0)
                        return RECON_VEXT_ABSENT;
                return RECON_VEXT_UNKNOWN;
        }
        if (hw->vext_fw_locked_off == 1)
                return RECON_VEXT_FIRMWARE_DISABLED;
        if (flag_has)
                return RECON_VEXT_ENABLED;
        if (cpuid_has && flag_known)
                /* The CPU has it, the kernel cleared its flag: Linux does
                 * that when firmware locked VMX off. */
                return guest ? RECON_VEXT_HIDDEN : RECON_VEXT_FIRMWARE_DISABLED;
        if (cpuid_known || flag_known)
                return guest ? RECON_VEXT_HIDDEN : RECON_VEXT_ABSENT;
        return RECON_VEXT_UNKNOWN;
}
