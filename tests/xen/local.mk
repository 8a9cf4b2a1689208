# tests/xen: targets added by this directory
