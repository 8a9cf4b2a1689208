# dom0/registry.mk
