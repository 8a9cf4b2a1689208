# tests/fuzz: targets added by this directory
