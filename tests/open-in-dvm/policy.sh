#!/bin/sh
# The default policy (qrexec/policy.d/50-bulkhead.policy) lints clean and
# decides as its comments say, checked with the build's qrexec-policy-lint
# and qrexec-policy-eval on a table of domains.  Speaks TAP.
build=${BUILD_DIR:-$PWD}
srcdir=${srcdir:-.}
lint=$build/qrexec/qrexec-policy-lint
eval_=$build/qrexec/qrexec-policy-eval
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
check() {
        name=$1
        shift
        n=$((n + 1))
        if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fi
}
# decides SOURCE TARGET SERVICE EXPECTED: the decision's first words.
decides() {
        got=$("$eval_" --policy-dir "$tmp/policy" --domains "$tmp/domains" "$1" "$2" "$3" 2>&1)
        case $got in
        "$4"*) return 0 ;;
        esac
        echo "# $1 -> $2 $3: got: $got"
        return 1
}

mkdir "$tmp/policy"
cp "$srcdir/qrexec/policy.d/50-bulkhead.policy" "$tmp/policy/"
cat >"$tmp/domains" <<'DOMS'
work default_dispvm=dvm state=running
mail state=running
dvm class=dispvm-template
dom0 default_dispvm=dvm
DOMS

echo "1..11"
check "default policy lints clean, no warnings" sh -c "[ -z \"\$('$lint' --policy-dir '$tmp/policy' 2>&1)\" ]"
check "Filecopy between domains asks" decides work mail bulkhead.Filecopy "ask"
check "OpenInVM to the caller's default disposable is allowed" decides work @dispvm bulkhead.OpenInVM "allow target=@dispvm:dvm"
check "OpenInVM to a disposable the caller names is denied (only its own default)" decides work @dispvm:dvm bulkhead.OpenInVM "deny"
check "OpenInVM to an ordinary domain is denied" decides work mail bulkhead.OpenInVM "deny"
check "VMShell from dom0 is allowed" decides dom0 work bulkhead.VMShell "allow target=work"
check "VMShell between domains is denied" decides work mail bulkhead.VMShell "deny"
check "VMShell from a domain to its disposable is denied" decides work @dispvm bulkhead.VMShell "deny"
check "ClipboardPaste from dom0 (the user's keystroke) is allowed" decides dom0 work bulkhead.ClipboardPaste "allow target=work"
check "ClipboardPaste between domains (the user's two keystrokes) is allowed" decides work mail bulkhead.ClipboardPaste "allow target=mail"
check "an unlisted service is denied" decides work mail bulkhead.Other "deny"
