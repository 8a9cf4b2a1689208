/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: recon's text parsers and knowledge tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "recon_parse.h"
#include "recon_tables.h"

static void test_sanitize_replaces_control_bytes_and_trims(void **state)
{
        char out[32];

        (void)state;
        recon_sanitize(out, sizeof(out), "  QEMU\x1b[31m\tPC\xff  \n", SIZE_MAX);
        assert_string_equal(out, "QEMU?[31m PC?");
        recon_sanitize(out, sizeof(out), "abc\0def", 7);
        assert_string_equal(out, "abc");
}

static void test_sanitize_marks_a_cut_value(void **state)
{
        char out[8];

        (void)state;
        recon_sanitize(out, sizeof(out), "0123456789", SIZE_MAX);
        assert_string_equal(out, "0123...");
        recon_sanitize(out, sizeof(out), "0123456", SIZE_MAX);
        assert_string_equal(out, "0123456");
}

static void test_field_matches_the_whole_key(void **state)
{
        const char *status = "Name:\tx\nSeccomp_filters:\t1\nSeccomp:\t2\nCapEff:\t0\n";
        char v[16];

        (void)state;
        assert_true(recon_field(status, "Seccomp", v, sizeof(v)));
        assert_string_equal(v, "2");
        assert_true(recon_field(status, "Name", v, sizeof(v)));
        assert_string_equal(v, "x");
        assert_false(recon_field(status, "Seccomp_f", v, sizeof(v)));
        assert_false(recon_field(status, "Missing", v, sizeof(v)));
}

static const char cpuinfo_two[] =
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
        "model name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\nstepping\t: 4\n"
        "flags\t\t: fpu vme de pse tsc msr vmx smx est\n"
        "vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept vpid unrestricted_guest\n"
        "\n"
        "processor\t: 1\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu hypervisor svm npt\n\n";

static void test_cpuinfo_reads_the_first_processor_only(void **state)
{
        struct recon_cpuinfo ci;

        (void)state;
        assert_int_equal(recon_parse_cpuinfo(cpuinfo_two, &ci), 0);
        assert_string_equal(ci.vendor, "GenuineIntel");
        assert_string_equal(ci.model_name, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
        assert_int_equal(ci.family, 6);
        assert_int_equal(ci.model, 85);
        assert_int_equal(ci.stepping, 4);
        assert_true(ci.vmx);
        assert_false(ci.svm);
        assert_false(ci.hypervisor);
        assert_false(ci.npt);
        assert_true(ci.have_vmx_flags);
        assert_true(ci.ept);
        assert_true(ci.vpid);
        assert_true(ci.unrestricted_guest);
}

static void test_cpuinfo_old_kernels_list_ept_among_flags(void **state)
{
        struct recon_cpuinfo ci;

        (void)state;
        assert_int_equal(recon_parse_cpuinfo("vendor_id : GenuineIntel\nflags : vmx ept vpid flexpriority\n", &ci), 0);
        assert_true(ci.ept);
        assert_false(ci.have_vmx_flags);
        /* "ept_ad" is not "ept". */
        assert_int_equal(recon_parse_cpuinfo("vendor_id : GenuineIntel\nflags : vmx ept_ad\n", &ci), 0);
        assert_false(ci.ept);
}

static void test_cpuinfo_rejects_text_without_a_cpu(void **state)
{
        struct recon_cpuinfo ci;

        (void)state;
        assert_int_equal(recon_parse_cpuinfo("", &ci), -EINVAL);
        assert_int_equal(recon_parse_cpuinfo("hello\nworld\n", &ci), -EINVAL);
}

static void test_numbers_reject_garbage_and_overflow(void **state)
{
        uint64_t v;

        (void)state;
        assert_int_equal(recon_parse_hex(" 0x800\n", &v), 0);
        assert_int_equal(v, 0x800);
        assert_int_equal(recon_parse_hex("000028f1", &v), 0);
        assert_int_equal(v, 0x28f1);
        assert_int_equal(recon_parse_hex("0x", &v), -EINVAL);
        assert_int_equal(recon_parse_hex("12g", &v), -EINVAL);
        assert_int_equal(recon_parse_hex("10000000000000000", &v), -ERANGE);
        assert_int_equal(recon_parse_u64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(recon_parse_u64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(recon_parse_u64("-1", &v), -EINVAL);
        assert_int_equal(recon_parse_u64("", &v), -EINVAL);
}

static void test_mac_needs_six_pairs(void **state)
{
        uint8_t mac[6];

        (void)state;
        assert_int_equal(recon_parse_mac("00:16:3e:5a:01:ff\n", mac), 0);
        assert_int_equal(mac[0], 0x00);
        assert_int_equal(mac[2], 0x3e);
        assert_int_equal(mac[5], 0xff);
        assert_int_equal(recon_parse_mac("00:16:3e:5a:01", mac), -EINVAL);
        assert_int_equal(recon_parse_mac("00:16:3e:5a:01:ff:00", mac), -EINVAL);
        assert_int_equal(recon_parse_mac("0:16:3e:5a:01:ff", mac), -EINVAL);
}

static void test_namespace_links(void **state)
{
        uint64_t ino;

        (void)state;
        assert_int_equal(recon_parse_ns_link("pid:[4026531836]", "pid", &ino), 0);
        assert_true(ino == 0xeffffffcu);
        assert_int_equal(recon_parse_ns_link("pid:[4026531836]", "user", &ino), -EINVAL);
        assert_int_equal(recon_parse_ns_link("pid:[]", "pid", &ino), -EINVAL);
        assert_int_equal(recon_parse_ns_link("pid:[12]x", "pid", &ino), -EINVAL);
        assert_true(recon_parse_ns_link("pid:[99999999999999999999999]", "pid", &ino) < 0);
}

static void test_uid_map_identity_and_mappings(void **state)
{
        struct recon_idmap m;

        (void)state;
        assert_int_equal(recon_parse_uid_map("         0          0 4294967295\n", &m), 0);
        assert_true(m.identity);
        assert_int_equal(recon_parse_uid_map("0 1000 1\n1 100000 65536\n", &m), 0);
        assert_false(m.identity);
        assert_int_equal(m.lines, 2);
        assert_int_equal(m.outside, 1000);
        assert_int_equal(recon_parse_uid_map("", &m), 0);
        assert_int_equal(m.lines, 0);
        assert_false(m.identity);
        assert_int_equal(recon_parse_uid_map("0 0\n", &m), -EINVAL);
        assert_int_equal(recon_parse_uid_map("0 0 1 2\n", &m), -EINVAL);
}

static void test_cgroup_names_the_runtime(void **state)
{
        char path[128];
        enum recon_env ct;
        bool all_root;

        (void)state;
        assert_true(recon_cgroup_hint("12:pids:/docker/3f2a9c\n0::/docker/3f2a9c\n", &ct, path, sizeof(path),
                                      &all_root));
        assert_int_equal(ct, RECON_CT_DOCKER);
        assert_string_equal(path, "/docker/3f2a9c");
        assert_false(all_root);
        assert_true(recon_cgroup_hint("0::/user.slice/libpod-a1b2.scope/container\n", &ct, path, sizeof(path),
                                      &all_root));
        assert_int_equal(ct, RECON_CT_PODMAN);
        assert_true(recon_cgroup_hint("0::/machine.slice/machine-web.scope/payload\n", &ct, path, sizeof(path),
                                      &all_root));
        assert_int_equal(ct, RECON_CT_NSPAWN);
        assert_true(recon_cgroup_hint("0::/kubepods/besteffort/pod1/c2\n", &ct, path, sizeof(path), &all_root));
        assert_int_equal(ct, RECON_CT_OTHER);
        assert_false(recon_cgroup_hint("0::/\n", &ct, path, sizeof(path), &all_root));
        assert_true(all_root);
        /* A host's own docker service is not a container. */
        assert_false(recon_cgroup_hint("1:cpu:/\n0::/system.slice/docker.service\n", &ct, path, sizeof(path),
                                       &all_root));
        assert_false(all_root);
        assert_string_equal(path, "0::/system.slice/docker.service");
}

static void test_environ_lookup(void **state)
{
        static const char env[] = "HOME=/\0container=podman\0TERM=dumb";
        char v[32];

        (void)state;
        assert_true(recon_environ_get(env, sizeof(env) - 1, "container", v, sizeof(v)));
        assert_string_equal(v, "podman");
        assert_true(recon_environ_get(env, sizeof(env) - 1, "TERM", v, sizeof(v)));
        assert_string_equal(v, "dumb");
        assert_false(recon_environ_get(env, sizeof(env) - 1, "contain", v, sizeof(v)));
        assert_false(recon_environ_get(env, 3, "HOME", v, sizeof(v)));
}

static void test_klog_finds_the_kernels_words(void **state)
{
        static const char log[] =
                "<6>[    0.000000] Linux version 6.1.0-18-amd64\n"
                "<6>[    0.000000] DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2 04/01/2014\n"
                "<6>[    0.000000] Hypervisor detected: KVM\n"
                "<6>[    0.021000] Booting paravirtualized kernel on KVM\n"
                "<6>[    0.300000] DMAR: IOMMU enabled\n"
                "<6>[    0.310000] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
                "<3>[    1.100000] kvm: disabled by bios\n";
        struct recon_klog k;

        (void)state;
        recon_klog_scan(log, sizeof(log) - 1, &k);
        assert_int_equal(k.lines, 7);
        assert_true(k.complete);
        assert_string_equal(k.hypervisor, "KVM");
        assert_string_equal(k.pv_on, "KVM");
        assert_string_equal(k.dmi, "QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2 04/01/2014");
        assert_true(k.dmar_enabled);
        assert_true(k.ir_enabled);
        assert_true(k.vext_bios_disabled);
        assert_string_equal(k.vext_line, "kvm: disabled by bios");
}

static void test_klog_without_timestamps_or_start(void **state)
{
        static const char log[] = "[   12.5] something\nAMD-Vi: Interrupt remapping enabled\n"
                                  "DMI not present or invalid.\nx86/cpu: VMX (outside TXT) disabled by BIOS\n";
        struct recon_klog k;

        (void)state;
        recon_klog_scan(log, sizeof(log) - 1, &k);
        assert_false(k.complete);
        assert_true(k.amd_vi);
        assert_true(k.ir_enabled);
        assert_true(k.no_dmi);
        assert_true(k.vext_bios_disabled);
        recon_klog_scan("", 0, &k);
        assert_int_equal(k.lines, 0);
}

static void test_firmware_tables(void **state)
{
        uint8_t raw[0x14] = { 0, 0x14 };
        uint8_t hdr[36] = "DSDT....\x01\x02" "BOCHS BXPCDSDT";
        char oem[7], tid[9];

        (void)state;
        raw[0x13] = 1 << 4;
        assert_int_equal(recon_smbios_vm_bit(raw, sizeof(raw)), 1);
        raw[0x13] = 0;
        assert_int_equal(recon_smbios_vm_bit(raw, sizeof(raw)), 0);
        assert_int_equal(recon_smbios_vm_bit(raw, sizeof(raw) - 1), -1);
        raw[1] = 0x12;
        assert_int_equal(recon_smbios_vm_bit(raw, sizeof(raw)), -1);
        assert_true(recon_acpi_oem(hdr, sizeof(hdr), oem, tid));
        assert_string_equal(oem, "BOCHS");
        assert_string_equal(tid, "BXPCDSDT");
        assert_false(recon_acpi_oem(hdr, 35, oem, tid));
}

static void test_msr_bits(void **state)
{
        (void)state;
        assert_int_equal(recon_msr_intel_vmx_allowed(0x0), 1); /* unlocked */
        assert_int_equal(recon_msr_intel_vmx_allowed(0x5), 1); /* locked, on */
        assert_int_equal(recon_msr_intel_vmx_allowed(0x1), 0); /* locked, off */
        assert_int_equal(recon_msr_amd_svm_allowed(0x0), 1);
        assert_int_equal(recon_msr_amd_svm_allowed(0x18), 0);
}

static void test_tables_share_what_hypervisors_share(void **state)
{
        struct recon_match m;
        const uint8_t vbox_mac[6] = { 0x08, 0x00, 0x27, 1, 2, 3 }, intel_mac[6] = { 0x3c, 0xfd, 0xfe, 1, 2, 3 };

        (void)state;
        /* VirtualBox's KVM provider speaks KVM's CPUID. */
        assert_true(recon_match_cpuid_sig("KVMKVMKVM", &m));
        assert_true(m.suggests & RECON_BIT(RECON_VM_ORACLE));
        assert_true(m.suggests & RECON_BIT(RECON_VM_KVM));
        assert_int_equal(m.strength, RECON_STRONG);
        assert_true(recon_match_cpuid_sig("Microsoft Hv", &m));
        assert_true(m.suggests & RECON_BIT(RECON_VM_XEN));
        assert_true(recon_match_cpuid_sig("NewVisorXYZ!", &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_OTHER));
        assert_false(recon_match_cpuid_sig("", &m));
        /* VMSVGA: VirtualBox reuses VMware's SVGA ID. */
        assert_true(recon_match_pci(0x15ad, 0x0405, &m));
        assert_true(m.suggests & RECON_BIT(RECON_VM_ORACLE));
        assert_true(recon_match_pci(0x15ad, 0x07b0, &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_VMWARE));
        assert_false(recon_match_pci(0x8086, 0x100e, &m));
        assert_true(recon_match_pci_subsystem(0x8086, 0x1af4, &m));
        assert_false(recon_match_pci_subsystem(0x1af4, 0x1af4, &m));
        assert_true(recon_match_oui(vbox_mac, &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_ORACLE));
        assert_int_equal(m.strength, RECON_WEAK);
        assert_false(recon_match_oui(intel_mac, &m));
        assert_true(recon_match_acpi_oem("VRTUAL", &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_MICROSOFT));
        assert_true(recon_match_clocksource("kvm-clock", &m));
        assert_false(recon_match_clocksource("tsc", &m));
}

static void test_dmi_strings_that_need_their_vendor(void **state)
{
        struct recon_match m;

        (void)state;
        assert_true(recon_match_dmi("product_name", "Virtual Machine", "Microsoft Corporation", &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_MICROSOFT));
        assert_false(recon_match_dmi("product_name", "Virtual Machine", "Some Vendor", &m));
        assert_true(recon_match_dmi("product_name", "Surface Pro 7", "Microsoft Corporation", &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_NONE));
        assert_true(recon_match_dmi("sys_vendor", "QEMU", "QEMU", &m));
        assert_true(m.suggests & RECON_BIT(RECON_VM_KVM));
        assert_true(m.suggests & RECON_BIT(RECON_VM_QEMU));
        assert_true(recon_match_dmi("sys_vendor", "Dell Inc.", "Dell Inc.", &m));
        assert_true(m.suggests == RECON_BIT(RECON_VM_NONE));
        /* Oracle's servers are not VirtualBox. */
        assert_false(recon_match_dmi("board_vendor", "Oracle Corporation", "Oracle Corporation", &m));
        assert_true(recon_match_dmi("board_name", "VirtualBox", "innotek GmbH", &m));
        assert_false(recon_match_dmi("product_version", "", "x", &m));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sanitize_replaces_control_bytes_and_trims),
                cmocka_unit_test(test_sanitize_marks_a_cut_value),
                cmocka_unit_test(test_field_matches_the_whole_key),
                cmocka_unit_test(test_cpuinfo_reads_the_first_processor_only),
                cmocka_unit_test(test_cpuinfo_old_kernels_list_ept_among_flags),
                cmocka_unit_test(test_cpuinfo_rejects_text_without_a_cpu),
                cmocka_unit_test(test_numbers_reject_garbage_and_overflow),
                cmocka_unit_test(test_mac_needs_six_pairs),
                cmocka_unit_test(test_namespace_links),
                cmocka_unit_test(test_uid_map_identity_and_mappings),
                cmocka_unit_test(test_cgroup_names_the_runtime),
                cmocka_unit_test(test_environ_lookup),
                cmocka_unit_test(test_klog_finds_the_kernels_words),
                cmocka_unit_test(test_klog_without_timestamps_or_start),
                cmocka_unit_test(test_firmware_tables),
                cmocka_unit_test(test_msr_bits),
                cmocka_unit_test(test_tables_share_what_hypervisors_share),
                cmocka_unit_test(test_dmi_strings_that_need_their_vendor),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
