# dom0/container.mk
