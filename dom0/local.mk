# dom0/local.mk
