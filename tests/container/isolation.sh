#!/bin/sh
# Isolation of container domains, checked from inside them (and where it
# must be, from outside): every case runs tests/container/domain-run, which
# starts a real domain from a minimal host-like template and has its init run
# one command.  Speaks TAP; needs root (an ordinary user's case runs through
# setpriv).  At the end nothing of ours may be left on the host: mounts,
# processes, cgroups, id-range claims.
set -u

run=${BH_DOMAIN_RUN:-./tests/container/domain-run}
probe=./tests/container/syscall-probe
init=./agent/bulkhead-init

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
        shift
        [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
        return 0
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check NAME OUTPUT EXPECTED: passes when OUTPUT equals EXPECTED.
check() {
        if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got: $2" "want: $3"; fi
}

if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (real namespaces, id ranges, cgroups)"
        exit 0
fi
for f in "$run" "$probe" "$init"; do
        [ -x "$f" ] || { echo "Bail out! $f not built"; exit 1; }
done

T=$(mktemp -d /tmp/bh-ct-iso.XXXXXX)
prefix="is$$"
cleanup() {
        # A case killed half-way still has its domain destroyed by
        # domain-run's signal handling; what is left here is files only.
        rm -rf "$T"
}
trap cleanup EXIT INT TERM

"$run" --make-template "$T/tmpl" || { echo "Bail out! template"; exit 1; }
mkdir "$T/agent" "$T/priv-a" "$T/priv-b"
cp "$init" "$probe" "$T/agent/"
echo "host only" > "$T/host-marker"

# dom NAME CLASS [domain-run options...] -- CMD...: runs CMD in a fresh
# domain; its output (the console) on stdout.
dom() {
        name="$prefix$1"; class=$2; shift 2
        rm -rf "$T/vol-$name" "$T/vchan-$name"
        mkdir "$T/vol-$name" "$T/vchan-$name"
        "$run" --name "$name" --class "$class" --root "$T/tmpl" --bind /usr \
                --volatile "$T/vol-$name" --vchan "$T/vchan-$name" --agent "$T/agent" \
                --report "$T/report-$name" "$@" 2>>"$T/stderr"
}
sh_in() { name=$1; class=$2; shift 2; dom "$name" "$class" "$@"; }

# 1: the command runs and its exit status comes back.
out=$(dom a app -- /bin/sh -c 'echo hi; exit 7'); st=$?
check "command_runs_and_its_status_comes_back" "$out/$st" "hi/7"

# 2: only the domain's processes are visible; PID 1 is bulkhead-init.
# (ls writes to a file: in a pipe, whether the reader exists yet is a race)
out=$(dom a app -- /bin/sh -c 'cat /proc/1/comm; ls /proc > /tmp/p; grep -c "^[0-9]" /tmp/p')
check "host_processes_invisible" "$(echo $out)" "bulkhead-init 3"

# 3: nothing of the host's file tree but /usr.
out=$(dom a app -- /bin/sh -c "test -e '$T' && echo test-dir; test -e /work && echo work;
        test -e /sys/class && echo sys; test -e /etc/shadow && echo shadow;
        ls /run/bulkhead; echo end")
check "host_files_invisible" "$(echo $out)" "agent vchan end"

# 4: another domain's private volume and run directories are out of reach.
dom a app --private "$T/priv-a" -- /bin/sh -c 'echo secret > /home/a-secret; echo x > /tmp/a-tmp' >/dev/null
out=$(dom b app --private "$T/priv-b" -- /bin/sh -c 'ls -A /home /tmp; cat /home/a-secret 2>&1 | grep -c "No such"')
check "other_domains_files_invisible" "$(echo $out)" "/home: /tmp: 1"

# 5: no network but loopback, which is up.
out=$(dom a app -- /bin/sh -c 'ip -o link | cut -d: -f2; ip -o link show lo | grep -c UP;
        ip route | wc -l; tail -n +3 /proc/net/dev | wc -l')
check "network_is_loopback_only" "$(echo $out)" "lo 1 0 1"

# 6: a minimal /dev, with working nodes and ptys.
out=$(dom a app -- /bin/sh -c 'ls -A /dev | tr "\n" " "; head -c 4 /dev/urandom | wc -c;
        echo x > /dev/null && echo null-ok; ls /dev/pts | tr "\n" " "')
check "dev_is_minimal" "$(echo $out)" \
        "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero 4 null-ok ptmx"

# 7: mounts and new user namespaces are refused, / and /usr stay as set up.
out=$(dom a app -- /bin/sh -c '
        mount -t tmpfs none /mnt 2>/dev/null && echo mounted
        mount -o remount,ro / 2>/dev/null && echo remounted-root
        mount -o remount,rw /usr 2>/dev/null && echo remounted-usr
        umount /home 2>/dev/null && echo unmounted
        unshare -U true 2>/dev/null && echo userns
        touch /usr/x 2>/dev/null && echo wrote-usr
        echo end')
check "mounting_and_new_namespaces_refused" "$(echo $out)" "end"

# 8: the process state init leaves: bounding set, no_new_privs, seccomp.
out=$(dom a app -- /bin/sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "')
check "capabilities_no_new_privs_seccomp" "$(echo $out)" \
        "CapEff: 00000000000405fb CapBnd: 00000000000405fb NoNewPrivs: 1 Seccomp: 2"

# 9: the filter denies what it should, where the same calls work on the host.
inside=$(dom a app -- /run/bulkhead/agent/syscall-probe | tr '\n' ' ')
want="kexec_load=EPERM init_module=EPERM bpf=EPERM perf_event_open=EPERM userfaultfd=EPERM keyctl=EPERM add_key=EPERM io_uring_setup=EPERM open_tree=EPERM fsopen=EPERM mount=EPERM setns=EPERM unshare_user=EPERM clone3=ENOSYS ptrace=ok "
check "seccomp_denies_dangerous_syscalls" "$inside" "$want"
outside=$("$probe" | grep -E '^(open_tree|unshare_user|clone3)=' | tr '\n' ' ')
check "same_syscalls_work_outside" "$outside" "open_tree=ok unshare_user=ok clone3=ok "

# 9b: init has a session of its own and no controlling terminal, even when
# the starting process has one (script(1) gives domain-run a pty).
if command -v script >/dev/null; then
        mkdir -p "$T/vol-t" "$T/vchan-t"
        script -qec "$run --name ${prefix}t --class disposable --root $T/tmpl --bind /usr \
                --volatile $T/vol-t --vchan $T/vchan-t --agent $T/agent --console $T/console-t \
                -- /bin/sh -c 'cut -d\" \" -f6,7 /proc/1/stat; (: < /dev/tty) 2>/dev/null && echo has-tty'" \
                /dev/null >/dev/null 2>>"$T/stderr" </dev/null
        check "no_controlling_terminal" "$(cat "$T/console-t" 2>/dev/null)" "1 0"
else
        skip "no_controlling_terminal" "no script(1)"
fi

# 10: the hostname is the domain's name.
out=$(dom h app -- /bin/sh -c 'hostname; cat /proc/sys/kernel/hostname')
check "hostname_is_domain_name" "$(echo $out)" "${prefix}h ${prefix}h"

# 11: root maps to a private range; the template's root-owned files look root-owned.
out=$(dom a app -- /bin/sh -c 'id -u; cat /proc/self/uid_map; stat -c "%u:%g" /usr/bin/env /etc/passwd')
set -- $out
base=$(sed -n 's/^idbase=//p' "$T/report-${prefix}a")
if [ "$1" = 0 ] && [ "$2" = 0 ] && [ "$3" = "$base" ] && [ "$4" = 65536 ] &&
        [ "$base" -ge 1879048192 ] && [ "$5 $6" = "0:0 0:0" ]; then
        ok "private_id_range_and_idmapped_template"
else
        not_ok "private_id_range_and_idmapped_template" "got: $out" "base: $base"
fi

# 12-14: an app domain's writes outside /home vanish at stop, /home stays,
# and the template is never written.
dom c app --private "$T/priv-a" -- /bin/sh -c 'echo 1 > /etc/written; mkdir /root/dir;
        echo kept > /home/kept; echo 1 > /var/tmp/v'
out=$(dom c app --private "$T/priv-a" -- /bin/sh -c 'ls /etc/written /root/dir /var/tmp/v 2>&1 | grep -c "No such"')
check "writes_outside_home_gone_after_restart" "$out" "3"
out=$(dom c app --private "$T/priv-a" -- /bin/cat /home/kept)
check "home_kept_for_app_domain" "$out" "kept"
out=$(ls -A "$T/tmpl/etc" "$T/tmpl/root")
check "template_unchanged_on_host" "$(echo $out)" \
        "$T/tmpl/etc: group hosts ld.so.cache nsswitch.conf passwd $T/tmpl/root:"

# 15-16: a disposable's /home starts from its lower layer and is thrown away.
out=$(dom d disposable --private-lower "$T/priv-a" -- /bin/sh -c 'cat /home/kept;
        echo changed > /home/kept; echo new > /home/new; rm /home/a-secret; cat /home/kept')
out2=$(dom d disposable --private-lower "$T/priv-a" -- /bin/sh -c 'cat /home/kept; ls /home | tr "\n" " "')
check "disposable_home_from_lower_and_gone" "$(echo $out / $out2)" "kept changed / kept a-secret kept"
out=$(cat "$T/priv-a/kept"; ls "$T/priv-a" | tr '\n' ' ')
check "disposable_leaves_lower_untouched" "$(echo $out)" "kept a-secret kept"
out=$(dom e disposable -- /bin/sh -c 'ls -A /home | wc -l; touch /home/x && echo writable')
check "disposable_without_lower_gets_empty_home" "$(echo $out)" "0 writable"

# 17-18: cgroup limits, where the host has the controllers.
dom m app --memory 64 -- /bin/true
if grep -q '^memory.max=' "$T/report-${prefix}m"; then
        check "memory_limit_written" "$(sed -n 's/^memory.max=//p' "$T/report-${prefix}m")" "67108864"
        # 200 MiB in one shell variable cannot fit in 64 MiB.
        out=$(dom m app --memory 64 -- /bin/sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived')
        st=$?
        check "memory_hog_is_killed" "$out/$st" "/137"
else
        skip "memory_limit_written" "no memory cgroup controller here"
        skip "memory_hog_is_killed" "no memory cgroup controller here"
fi
if grep -q '^pids.max=' "$T/report-${prefix}m"; then
        check "pids_limit_written" "$(sed -n 's/^pids.max=//p' "$T/report-${prefix}m")" "4096"
else
        skip "pids_limit_written" "no pids cgroup controller here"
fi

# 19-20: the desktop programs a domain runs work under the filter.
if [ -x /usr/bin/Xvfb ] && [ -x /usr/bin/xdpyinfo ]; then
        out=$(dom x app -- /bin/sh -c '
                Xvfb :7 -nolisten tcp >/dev/null 2>&1 &
                xpid=$!
                for i in $(seq 100); do [ -S /tmp/.X11-unix/X7 ] && break; sleep 0.05; done
                xdpyinfo -display :7 | grep -c "^screen #0"
                if [ -x /usr/bin/xterm ]; then
                        DISPLAY=:7 xterm -e "echo inside-xterm > /tmp/xt" && cat /tmp/xt
                else
                        echo no-xterm
                fi
                kill $xpid 2>/dev/null')
        check "xvfb_runs_in_domain" "$(echo "$out" | head -1)" "1"
        case "$(echo "$out" | tail -1)" in
        inside-xterm) ok "xterm_runs_in_domain" ;;
        no-xterm) skip "xterm_runs_in_domain" "xterm not installed" ;;
        *) not_ok "xterm_runs_in_domain" "got: $out" ;;
        esac
else
        skip "xvfb_runs_in_domain" "Xvfb or xdpyinfo not installed"
        skip "xterm_runs_in_domain" "Xvfb or xdpyinfo not installed"
fi

# 21: an ordinary user runs a domain too (weaker: one uid, no cgroups).
if command -v setpriv >/dev/null; then
        u="$T/user"
        mkdir -p "$u/vol" "$u/vchan" "$u/priv"
        chown -R 65534:65534 "$u"
        chmod 755 "$T"
        # (its console is a file: the test's stdout pipe is root's)
        setpriv --reuid=65534 --regid=65534 --clear-groups \
                "$run" --name "${prefix}u" --root "$T/tmpl" --bind /usr --volatile "$u/vol" \
                --vchan "$u/vchan" --agent "$T/agent" --private "$u/priv" --console "$u/console" -- \
                /bin/sh -c 'id -u; cat /proc/self/uid_map; echo x > /home/f && echo home-ok;
                        echo y > /tmp/y && echo tmp-ok;
                        (echo y > /etc/y) 2>/dev/null || echo etc-is-hosts-root; ip -o link | wc -l;
                        grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "' \
                2>>"$T/stderr"
        out=$(cat "$u/console" 2>/dev/null)
        check "ordinary_user_runs_a_domain" "$(echo $out)" \
                "0 0 65534 1 home-ok tmp-ok etc-is-hosts-root 1 NoNewPrivs: 1 Seccomp: 2"
else
        skip "ordinary_user_runs_a_domain" "no setpriv"
fi

# 22: nothing of ours is left on the host.
left=""
grep -q "$T" /proc/self/mountinfo && left="$left mounts"
for d in /sys/fs/cgroup/bulkhead /sys/fs/cgroup/unified/bulkhead /sys/fs/cgroup/*/bulkhead \
        /sys/fs/cgroup/*/*/*/bulkhead; do
        [ -d "$d" ] || continue
        ls "$d" | grep -q "^$prefix" && left="$left cgroups:$d"
done
grep -qs "$prefix" /run/bulkhead/container/idmap/[0-9]* && left="$left id-claims"
for p in /proc/[0-9]*; do
        case "$(cat "$p/cgroup" 2>/dev/null)" in
        *"/bulkhead/$prefix"*) left="$left process:${p#/proc/}" ;;
        esac
done
[ -z "$left" ] && ok "nothing_left_on_host" || not_ok "nothing_left_on_host" "left:$left"

if [ "$failed" -ne 0 ] && [ -s "$T/stderr" ]; then
        echo "# domain-run said:"
        sed 's/^/#   /' "$T/stderr"
fi
echo "1..$n"
