# lib/exec.mk
