# tests/unit: targets added by this directory
