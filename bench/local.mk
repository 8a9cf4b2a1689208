# bench: targets added by this directory
