# templates/local.mk: the recipes built like templates/debian
# (templates/debian/build --recipe DIR; docs/templates.md), installed beside
# it for `bulkhead template build`, and their tests.
whonixgatewaydir = $(pkgdatadir)/templates/whonix-gateway
dist_whonixgateway_SCRIPTS = templates/whonix-gateway/accounts templates/whonix-gateway/customize
dist_whonixgateway_DATA = templates/whonix-gateway/packages
whonixworkstationdir = $(pkgdatadir)/templates/whonix-workstation
dist_whonixworkstation_SCRIPTS = templates/whonix-workstation/customize
dist_whonixworkstation_DATA = templates/whonix-workstation/packages

# The numbers the gateway's torrc and dom0's firewall share.
EXTRA_DIST += lib/tor_gateway.h

# The customize scripts on a bare root, against lib/tor_gateway.h (no root,
# no network); the gateway's host form in a real domain (root and the
# host's tor, else skipped).
TESTS += templates/test-recipes tests/domains/whonix-gateway.sh
EXTRA_DIST += templates/test-recipes tests/domains/whonix-gateway.sh
