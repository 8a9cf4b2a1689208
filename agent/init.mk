# agent/init.mk
