/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: combining findings into a verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recon.h"
#include "recon_tables.h"

static struct recon_evidence *ev;
static struct recon_verdict v;

static int setup(void **state)
{
        (void)state;
        ev = calloc(1, sizeof(*ev));
        recon_evidence_init(ev);
        memset(&v, 0, sizeof(v));
        return ev ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        free(ev);
        return 0;
}

static void vm(enum recon_source s, enum recon_strength st, uint64_t suggests, const char *key)
{
        assert_non_null(recon_add(ev, s, RECON_TOPIC_VM, st, suggests, key, "v", NULL));
}

static void add(enum recon_source s, enum recon_topic t, enum recon_strength st, uint64_t suggests)
{
        assert_non_null(recon_add(ev, s, t, st, suggests, "k", "v", NULL));
}

#define B(e) RECON_BIT(e)

static void test_no_evidence_is_undetermined(void **state)
{
        (void)state;
        recon_verdict_compute(ev, &v);
        assert_false(v.t[RECON_TOPIC_VM].decided);
        assert_int_equal(v.klass, RECON_CLASS_UNDETERMINED);
        assert_true(v.agree);
}

static void test_bare_metal(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_NONE), "hypervisor bit");
        vm(RECON_SRC_CPUINFO, RECON_MEDIUM, B(RECON_VM_NONE), "flags");
        vm(RECON_SRC_DMI, RECON_MEDIUM, B(RECON_VM_NONE), "sys_vendor");
        add(RECON_SRC_NAMESPACES, RECON_TOPIC_CONTAINER, RECON_STRONG, B(RECON_CT_NONE));
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_NONE);
        assert_int_equal(v.klass, RECON_CLASS_BARE_METAL);
        assert_true(v.agree);
}

static void test_virtualbox_kvm_provider_is_virtualbox(void **state)
{
        (void)state;
        /* VirtualBox's default for Linux guests: KVM's CPUID and clock. */
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_KVM_LIKE, "leaf 0x40000000 signature");
        vm(RECON_SRC_KLOG, RECON_STRONG, RECON_KVM_LIKE, "Hypervisor detected");
        vm(RECON_SRC_CLOCKSOURCE, RECON_MEDIUM, RECON_KVM_LIKE, "current");
        vm(RECON_SRC_DMI, RECON_MEDIUM, B(RECON_VM_ORACLE), "sys_vendor");
        vm(RECON_SRC_PCI, RECON_MEDIUM, B(RECON_VM_ORACLE), "80ee:cafe");
        vm(RECON_SRC_MAC, RECON_WEAK, B(RECON_VM_ORACLE), "enp0s3");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_ORACLE);
        assert_int_equal(v.kernel_klass, RECON_CLASS_TYPE2);
        /* KVM's interface allows VirtualBox: nothing contradicts. */
        assert_true(v.agree);
        assert_int_equal(v.t[RECON_TOPIC_VM].contradictions, 0);
}

static void test_plain_kvm_stays_kvm(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_KVM_LIKE, "leaf 0x40000000 signature");
        vm(RECON_SRC_CLOCKSOURCE, RECON_MEDIUM, RECON_KVM_LIKE, "current");
        vm(RECON_SRC_DMI, RECON_MEDIUM, RECON_QEMU_VMM, "sys_vendor");
        vm(RECON_SRC_MAC, RECON_WEAK, RECON_QEMU_VMM, "eth0");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_KVM);
        assert_int_equal(v.kernel_klass, RECON_CLASS_TYPE1);
        assert_true(v.agree);
}

static void test_qemu_without_kvm_is_qemu(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_QEMU), "leaf 0x40000000 signature");
        vm(RECON_SRC_DMI, RECON_MEDIUM, RECON_QEMU_VMM, "sys_vendor");
        vm(RECON_SRC_KLOG, RECON_WEAK, B(RECON_VM_NONE), "Booting paravirtualized kernel on");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_QEMU);
        assert_int_equal(v.kernel_klass, RECON_CLASS_TYPE2);
        /* "bare hardware" from the kernel is weak: shown, not a disagreement. */
        assert_int_equal(v.t[RECON_TOPIC_VM].contradictions, 1);
        assert_true(v.agree);
}

static void test_strong_sources_that_disagree_are_kept(void **state)
{
        (void)state;
        /* This machine: CPUID says bhyve, the kernel found PVM (KVM). */
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_BHYVE), "leaf 0x40000000 signature");
        vm(RECON_SRC_KLOG, RECON_STRONG, B(RECON_VM_KVM), "Hypervisor detected");
        vm(RECON_SRC_CLOCKSOURCE, RECON_MEDIUM, RECON_KVM_LIKE, "current");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_KVM);
        assert_false(v.agree);
        assert_int_equal(v.t[RECON_TOPIC_VM].contradictions, 1);
        assert_true(recon_finding_contradicts(&ev->f[1], &v));
        assert_false(recon_finding_contradicts(&ev->f[0], &v));
}

static void test_a_lone_weak_oddity_keeps_agreement(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_KVM_LIKE, "leaf 0x40000000 signature");
        /* A guest moved from Xen to KVM with its MAC address. */
        vm(RECON_SRC_MAC, RECON_WEAK, B(RECON_VM_XEN), "eth0");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_KVM);
        assert_true(v.agree);
        assert_int_equal(v.t[RECON_TOPIC_VM].contradictions, 1);
}

static void test_unrecognised_hypervisor_is_vm_other(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUINFO, RECON_MEDIUM, RECON_VM_ANY, "flags");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_OTHER);
        assert_int_equal(v.kernel_klass, RECON_CLASS_UNKNOWN_VM);
        teardown(state);
        setup(state);
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_MEDIUM, B(RECON_VM_OTHER), "leaf 0x40000000 signature");
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_OTHER);
}

static void test_xen_dom0_sees_the_machine_below_xen(void **state)
{
        (void)state;
        /* The test bed: Xen PV dom0 inside QEMU. */
        vm(RECON_SRC_HYPERVISOR, RECON_STRONG, B(RECON_VM_XEN), "type");
        vm(RECON_SRC_PROC_XEN, RECON_MEDIUM, B(RECON_VM_XEN), "/proc/xen");
        vm(RECON_SRC_CPUID, RECON_STRONG, RECON_VM_ANY, "hypervisor bit");
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_QEMU), "leaf 0x40000000 signature");
        vm(RECON_SRC_DMI, RECON_MEDIUM, RECON_QEMU_VMM, "sys_vendor");
        vm(RECON_SRC_PCI, RECON_MEDIUM, RECON_QEMU_VMM, "1b36:000d");
        vm(RECON_SRC_KLOG, RECON_MEDIUM, RECON_QEMU_VMM, "DMI");
        vm(RECON_SRC_KLOG, RECON_STRONG, B(RECON_VM_XEN), "Hypervisor detected");
        add(RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_ROLE, RECON_STRONG, B(RECON_XEN_DOM0));
        add(RECON_SRC_PROC_XEN, RECON_TOPIC_XEN_ROLE, RECON_STRONG, B(RECON_XEN_DOM0));
        add(RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_MODE, RECON_STRONG, B(RECON_XEN_PV));
        recon_verdict_compute(ev, &v);
        assert_true(v.xen);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_XEN);
        assert_int_equal(v.t[RECON_TOPIC_XEN_ROLE].winner, RECON_XEN_DOM0);
        assert_int_equal(v.t[RECON_TOPIC_XEN_MODE].winner, RECON_XEN_PV);
        assert_true(v.outer_known);
        assert_int_equal(v.t[RECON_TOPIC_OUTER].winner, RECON_VM_QEMU);
        /* Moved, they no longer contradict Xen. */
        assert_int_equal(v.t[RECON_TOPIC_VM].contradictions, 0);
        assert_true(v.agree);
        assert_int_equal(ev->f[3].topic, RECON_TOPIC_OUTER);
        assert_int_equal(ev->f[6].topic, RECON_TOPIC_OUTER);
        assert_int_equal(ev->f[7].topic, RECON_TOPIC_VM);
        assert_int_equal(v.kernel_klass, RECON_CLASS_TYPE1);
}

static void test_xen_hvm_guest_keeps_its_firmware_facts(void **state)
{
        (void)state;
        vm(RECON_SRC_HYPERVISOR, RECON_STRONG, B(RECON_VM_XEN), "type");
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_XEN), "leaf 0x40000000 signature");
        vm(RECON_SRC_DMI, RECON_MEDIUM, B(RECON_VM_XEN), "sys_vendor");
        /* QEMU's standard VGA in an HVM guest: allowed for Xen. */
        vm(RECON_SRC_PCI, RECON_MEDIUM, RECON_QEMU_VMM | B(RECON_VM_XEN), "1234:1111");
        add(RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_ROLE, RECON_STRONG, B(RECON_XEN_DOMU));
        add(RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_MODE, RECON_STRONG, B(RECON_XEN_HVM));
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_VM].winner, RECON_VM_XEN);
        assert_false(v.outer_known);
        assert_true(v.agree);
}

static void test_xen_role_sources_that_disagree(void **state)
{
        (void)state;
        vm(RECON_SRC_HYPERVISOR, RECON_STRONG, B(RECON_VM_XEN), "type");
        add(RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_ROLE, RECON_STRONG, B(RECON_XEN_DOM0));
        add(RECON_SRC_PROC_XEN, RECON_TOPIC_XEN_ROLE, RECON_MEDIUM, B(RECON_XEN_DOMU));
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_XEN_ROLE].winner, RECON_XEN_DOM0);
        assert_false(v.agree);
}

static void test_leftover_dockerenv_against_the_pid_namespace(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_NONE), "hypervisor bit");
        add(RECON_SRC_CT_FILES, RECON_TOPIC_CONTAINER, RECON_MEDIUM, B(RECON_CT_DOCKER));
        add(RECON_SRC_NAMESPACES, RECON_TOPIC_CONTAINER, RECON_STRONG, B(RECON_CT_NONE));
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_CONTAINER].winner, RECON_CT_NONE);
        assert_false(v.agree);
        assert_int_equal(v.klass, RECON_CLASS_BARE_METAL);
}

static void test_docker_container(void **state)
{
        (void)state;
        vm(RECON_SRC_CPUID, RECON_STRONG, B(RECON_VM_NONE), "hypervisor bit");
        add(RECON_SRC_CT_FILES, RECON_TOPIC_CONTAINER, RECON_MEDIUM, B(RECON_CT_DOCKER));
        add(RECON_SRC_NAMESPACES, RECON_TOPIC_CONTAINER, RECON_STRONG, RECON_CT_ANY);
        add(RECON_SRC_CGROUP, RECON_TOPIC_CONTAINER, RECON_MEDIUM, B(RECON_CT_DOCKER));
        recon_verdict_compute(ev, &v);
        assert_int_equal(v.t[RECON_TOPIC_CONTAINER].winner, RECON_CT_DOCKER);
        assert_int_equal(v.klass, RECON_CLASS_CONTAINER);
        assert_int_equal(v.kernel_klass, RECON_CLASS_BARE_METAL);
        assert_true(v.agree);
}

static void test_info_findings_do_not_vote(void **state)
{
        (void)state;
        assert_non_null(recon_add(ev, RECON_SRC_DMI, RECON_TOPIC_INFO, RECON_STRONG, B(RECON_VM_XEN), "k", "v",
                                  NULL));
        assert_int_equal(ev->f[0].suggests, 0);
        assert_int_equal(ev->f[0].strength, RECON_INFO);
        recon_verdict_compute(ev, &v);
        assert_false(v.t[RECON_TOPIC_VM].decided);
}

static void test_evidence_list_is_bounded(void **state)
{
        (void)state;
        for (int i = 0; i < RECON_MAX_FINDINGS; i++)
                assert_non_null(recon_add(ev, RECON_SRC_PCI, RECON_TOPIC_VM, RECON_WEAK, RECON_VM_ANY, "k", "v", NULL));
        assert_null(recon_add(ev, RECON_SRC_PCI, RECON_TOPIC_VM, RECON_WEAK, RECON_VM_ANY, "k", "v", NULL));
        assert_true(ev->overflow);
        assert_int_equal(ev->n, RECON_MAX_FINDINGS);
}

static void test_vext_judgement(void **state)
{
        struct recon_hw hw;

        (void)state;
        memset(&hw, 0, sizeof(hw));
        hw.vmx_cpuid = hw.svm_cpuid = hw.vmx_flag = hw.svm_flag = RECON_UNKNOWN;
        hw.vext_fw_locked_off = hw.xen_hvm_cap = RECON_UNKNOWN;
        assert_int_equal(recon_vext_judge(&hw, false, false), RECON_VEXT_UNKNOWN);
        hw.vmx_cpuid = 1;
        hw.vmx_flag = 1;
        assert_int_equal(recon_vext_judge(&hw, false, false), RECON_VEXT_ENABLED);
        /* The kernel clears vmx when firmware locked it off. */
        hw.vmx_flag = 0;
        assert_int_equal(recon_vext_judge(&hw, false, false), RECON_VEXT_FIRMWARE_DISABLED);
        hw.vmx_cpuid = 0;
        assert_int_equal(recon_vext_judge(&hw, false, false), RECON_VEXT_ABSENT);
        assert_int_equal(recon_vext_judge(&hw, true, false), RECON_VEXT_HIDDEN);
        hw.svm_cpuid = 1;
        hw.svm_flag = 1;
        hw.vext_fw_locked_off = 1;
        assert_int_equal(recon_vext_judge(&hw, false, false), RECON_VEXT_FIRMWARE_DISABLED);
        hw.xen_hvm_cap = 1;
        assert_int_equal(recon_vext_judge(&hw, true, true), RECON_VEXT_XEN);
        hw.xen_hvm_cap = 0;
        assert_int_equal(recon_vext_judge(&hw, true, true), RECON_VEXT_ABSENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_no_evidence_is_undetermined, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bare_metal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_virtualbox_kvm_provider_is_virtualbox, setup, teardown),
                cmocka_unit_test_setup_teardown(test_plain_kvm_stays_kvm, setup, teardown),
                cmocka_unit_test_setup_teardown(test_qemu_without_kvm_is_qemu, setup, teardown),
                cmocka_unit_test_setup_teardown(test_strong_sources_that_disagree_are_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_a_lone_weak_oddity_keeps_agreement, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unrecognised_hypervisor_is_vm_other, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xen_dom0_sees_the_machine_below_xen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xen_hvm_guest_keeps_its_firmware_facts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_xen_role_sources_that_disagree, setup, teardown),
                cmocka_unit_test_setup_teardown(test_leftover_dockerenv_against_the_pid_namespace, setup, teardown),
                cmocka_unit_test_setup_teardown(test_docker_container, setup, teardown),
                cmocka_unit_test_setup_teardown(test_info_findings_do_not_vote, setup, teardown),
                cmocka_unit_test_setup_teardown(test_evidence_list_is_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_vext_judgement, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
