# tests/gui-e2e/local.mk: the GUI end to end, as a user sees it
# (tests/gui-e2e/desktop.sh): a real bulkheadd showing real container
# domains' windows on a desktop X server, checked from outside.
if HAVE_GUI
TESTS += tests/gui-e2e/desktop.sh
endif
EXTRA_DIST += tests/gui-e2e/desktop.sh scripts/close-window
