# agent/exec.mk
