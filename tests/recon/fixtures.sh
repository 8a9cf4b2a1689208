#!/bin/sh
# Runs bulkhead-recon on every fixture tree (tests/recon/fixtures/NAME/root)
# and checks its JSON report against NAME/expect (see check.py).  Then: the
# text report gives the same exit status; a --snapshot of a fixture reads
# back to the same report; bad usage and an unreadable root give their exit
# codes.  Speaks TAP.
set -u
srcdir=${srcdir:-.}
fixtures=$srcdir/tests/recon/fixtures
prog=./dom0/bulkhead-recon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=$(cd "$fixtures" && ls -d */ | tr -d /)
n_fix=$(echo "$names" | wc -w)
echo "1..$((n_fix * 2 + 4))"
n=0
have_python=1
command -v python3 >/dev/null 2>&1 || have_python=0

for name in $names; do
        dir=$fixtures/$name
        n=$((n + 1))
        "$prog" --root "$dir/root" --json >"$tmp/$name.json" 2>"$tmp/$name.err"
        rc=$?
        if [ "$have_python" = 0 ]; then
                echo "ok $n - fixture $name # SKIP python3 missing"
        elif python3 "$srcdir/tests/recon/check.py" "$dir/expect" "$tmp/$name.json" "$rc"; then
                echo "ok $n - fixture $name"
        else
                echo "not ok $n - fixture $name (exit $rc)"
                sed 's/^/# /' "$tmp/$name.err"
        fi
        n=$((n + 1))
        "$prog" --root "$dir/root" >"$tmp/$name.txt" 2>&1
        rc_text=$?
        if [ "$rc_text" = "$rc" ] && grep -q '^Verdict' "$tmp/$name.txt"; then
                echo "ok $n - fixture $name: text report, same exit status"
        else
                echo "not ok $n - fixture $name: text report exit $rc_text, JSON $rc"
        fi
done

# A snapshot of a fixture is a fixture that gives the same report.
n=$((n + 1))
"$prog" --root "$fixtures/xen-dom0/root" --snapshot "$tmp/snap" --json >"$tmp/a.json"
"$prog" --root "$tmp/snap" --json >"$tmp/b.json"
sed '/"root":/d' "$tmp/a.json" >"$tmp/a2.json"
sed '/"root":/d' "$tmp/b.json" >"$tmp/b2.json"
if cmp -s "$tmp/a2.json" "$tmp/b2.json"; then
        echo "ok $n - snapshot reads back to the same report"
else
        echo "not ok $n - snapshot reads back to the same report"
        diff "$tmp/a2.json" "$tmp/b2.json" | head -20 | sed 's/^/# /'
fi

# Without root, root-only sources are listed, not read.
n=$((n + 1))
"$prog" --root "$fixtures/vmware/root" --unprivileged --json >"$tmp/u.json"
if grep -q '"privileged": false' "$tmp/u.json" && grep -q 'DMI serial number' "$tmp/u.json" &&
        ! grep -q 'VMware-56' "$tmp/u.json"; then
        echo "ok $n - --unprivileged lists what root would add and skips it"
else
        echo "not ok $n - --unprivileged lists what root would add and skips it"
fi

n=$((n + 1))
"$prog" --bogus >/dev/null 2>&1
rc=$?
if [ "$rc" = 2 ]; then echo "ok $n - bad usage exits 2"; else echo "not ok $n - bad usage exits $rc, want 2"; fi

n=$((n + 1))
"$prog" --root "$tmp/does-not-exist" >/dev/null 2>&1
rc=$?
if [ "$rc" = 3 ]; then echo "ok $n - unreadable root exits 3"; else echo "not ok $n - unreadable root exits $rc, want 3"; fi
