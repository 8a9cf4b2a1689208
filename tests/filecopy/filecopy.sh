#!/usr/bin/env bash
# Integration tests of inter-domain file copy (docs/filecopy.md):
# bulkhead-filecopy-pack piped into bulkhead-filecopy-unpack, and
# hand-made hostile streams (tests/filecopy/filecopy-craft) into the
# unpacker, with HOME a temporary directory.  Speaks TAP.
#
# Checked from outside: files, modes, times and sizes on disk, what is left
# in ~/Incoming, exit codes and the messages the sender shows.
set -u
pack=./agent/bulkhead-filecopy-pack
unpack=./agent/bulkhead-filecopy-unpack
craft=./tests/filecopy/filecopy-craft
srcdir=${srcdir:-.}
copy_to_vm=$srcdir/agent/bulkhead-copy-to-vm
for b in "$pack" "$unpack" "$craft"; do
        [ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done
pack=$(realpath "$pack")
unpack=$(realpath "$unpack")
craft=$(realpath "$craft")
copy_to_vm=$(realpath "$copy_to_vm")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bh-filecopy.XXXXXX")
home=$tmp/home
src=$tmp/src
cleanup() {
        for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        [ -s "$tmp/why" ] && sed 's/^/#   /' "$tmp/why"
        return 0
}
# check NAME FUNCTION: the function returns 0 to pass; what it writes to
# fd 3 explains a failure.
check() {
        local name=$1 t0 t1
        shift
        : >"$tmp/why"
        rm -rf "$home" "$src"
        mkdir -p "$home" "$src"
        t0=$(date +%s%N)
        if "$@" 3>"$tmp/why"; then
                t1=$(date +%s%N)
                ok "$name ($(( (t1 - t0) / 1000000 )) ms)"
        else
                not_ok "$name"
        fi
}
why() { echo "$*" >&3; }

# copy [DOMAIN] -- ARGS: pack ARGS (run in $src) into the unpacker through
# two pipes, as qrexec-client-vm connects them.  Sets pack_rc, unpack_rc;
# the sender's messages are in $tmp/pack.err, the receiver's in
# $tmp/unpack.err.
copy() {
        local dom=sender
        if [ "$1" != -- ]; then dom=$1; shift; fi
        shift
        rm -f "$tmp/s2u" "$tmp/u2s"
        mkfifo "$tmp/s2u" "$tmp/u2s"
        QREXEC_REMOTE_DOMAIN=$dom HOME=$home "$unpack" <"$tmp/s2u" >"$tmp/u2s" 2>"$tmp/unpack.err" &
        local upid=$!
        (cd "$src" && "$pack" "$@" >"$tmp/s2u" <"$tmp/u2s" 2>"$tmp/pack.err")
        pack_rc=$?
        wait "$upid"
        unpack_rc=$?
}

# receive ARGS: the crafted stream into the unpacker from domain "evil".
# Sets unpack_rc and status_code (the STATUS code as a number).
receive() {
        "$craft" "$@" >"$tmp/stream" || { why "craft failed: $*"; return 1; }
        QREXEC_REMOTE_DOMAIN=${dom-evil} HOME=$home "$unpack" <"$tmp/stream" >"$tmp/status" \
                2>"$tmp/unpack.err"
        unpack_rc=$?
        status_code=$(od -An -tu4 -N4 "$tmp/status" | tr -d ' ')
}

# The copy was refused and left nothing behind: no file in
# Incoming/<source> (but what was there before) and no staging directory.
refused_and_clean() {
        local before=${1:-0} left
        if [ "$unpack_rc" -eq 0 ] || [ "${status_code:-1}" = 0 ]; then
                why "accepted (rc $unpack_rc, status ${status_code:-?}): $(cat "$tmp/unpack.err")"
                return 1
        fi
        left=$(find "$home/Incoming" -mindepth 1 -name '.incoming-*' | wc -l)
        [ "$left" -eq 0 ] || { why "staging directory left: $(ls -A "$home/Incoming")"; return 1; }
        left=$(find "$home/Incoming" -mindepth 2 | wc -l)
        [ "$left" -eq "$before" ] || { why "left in Incoming: $(find "$home/Incoming" -mindepth 2)"; return 1; }
        return 0
}

# ---- the tests ------------------------------------------------------------------------

test_round_trip_keeps_tree_modes_and_times() {
        local t=$src/tree in=$home/Incoming/sender/tree
        mkdir -p "$t/sub dir/deeper" "$t/caf"$'\xc3\xa9'
        printf 'hello\n' >"$t/a file.txt"
        : >"$t/empty"
        head -c 200000 /dev/urandom >"$t/sub dir/random.bin"
        printf 'utf8\n' >"$t/caf"$'\xc3\xa9'/$'\xe6\x97\xa5\xe6\x9c\xac.txt'
        printf 'x\n' >"$t/sub dir/deeper/x"
        ln -s "../a file.txt" "$t/sub dir/link"
        ln -s "deeper/x" "$t/sub dir/link2"
        chmod 0640 "$t/a file.txt"
        chmod 0755 "$t/sub dir/random.bin"
        chmod 0444 "$t/empty"
        chmod 4755 "$t/sub dir/deeper/x" # setuid: stripped on arrival
        chmod 0750 "$t/sub dir"
        touch -h -d '2001-02-03 04:05:06.123456789' "$t/a file.txt" "$t/sub dir/link" "$t/sub dir"
        touch -d '1999-12-31 23:59:59' "$t/sub dir/deeper"
        copy -- tree
        [ "$pack_rc" -eq 0 ] && [ "$unpack_rc" -eq 0 ] ||
                { why "rc pack $pack_rc unpack $unpack_rc: $(cat "$tmp/pack.err" "$tmp/unpack.err")"; return 1; }
        diff -r --no-dereference "$t" "$in" >&3 || return 1
        local f a b
        for f in "a file.txt" empty "sub dir" "sub dir/random.bin" "sub dir/deeper" "sub dir/link" \
                "caf"$'\xc3\xa9'/$'\xe6\x97\xa5\xe6\x9c\xac.txt'; do
                a=$(stat -c '%a %s %.9Y %F' "$t/$f")
                b=$(stat -c '%a %s %.9Y %F' "$in/$f")
                [ "$a" = "$b" ] || { why "$f: sent $a, arrived $b"; return 1; }
        done
        [ "$(stat -c %a "$in/sub dir/deeper/x")" = 755 ] || { why "setuid kept: $(stat -c %a "$in/sub dir/deeper/x")"; return 1; }
        [ "$(readlink "$in/sub dir/link")" = "../a file.txt" ] || { why "link target"; return 1; }
        [ "$(cat "$in/sub dir/link2")" = x ] || { why "link2 does not resolve inside"; return 1; }
        [ -z "$(ls -A "$home/Incoming" | grep -v '^sender$')" ] || { why "left: $(ls -A "$home/Incoming")"; return 1; }
        [ "$(stat -c %a "$home/Incoming/sender")" = 700 ] || { why "Incoming/sender not 0700"; return 1; }
}

test_name_clash_lands_as_name_dot_n() {
        mkdir "$src/d"
        echo one >"$src/d/f"
        echo file >"$src/g"
        copy -- d g
        echo two >"$src/d/f"
        copy -- d g
        [ "$pack_rc" -eq 0 ] || { why "$(cat "$tmp/pack.err")"; return 1; }
        copy -- d
        [ "$(cat "$home/Incoming/sender/d/f")" = one ] &&
                [ "$(cat "$home/Incoming/sender/d.1/f")" = two ] &&
                [ -f "$home/Incoming/sender/g.1" ] && [ -d "$home/Incoming/sender/d.2" ] ||
                { why "$(ls -A "$home/Incoming/sender")"; return 1; }
}

test_path_traversal_refused() {
        local name
        for name in ../x a/../../x /etc/x /x ./x a/./b a//b a/ "" . .. "x/.."; do
                rm -rf "$home"
                mkdir -p "$home"
                if [ "${name%%/*}" = a ] && [ "$name" != a/ ]; then
                        receive hello dir a file "$name" pwned end
                else
                        receive hello file "$name" pwned end
                fi
                refused_and_clean || { why "name '$name'"; return 1; }
        done
        [ ! -e "$tmp/x" ] && [ ! -e /x ] && [ ! -e "$home/x" ] || { why "a file landed outside"; return 1; }
}

test_symlink_tricks_refused() {
        # symlink to /etc, then a file "through" it
        receive hello link etc /etc file etc/passwd pwned end
        refused_and_clean || { why "link to /etc"; return 1; }
        # a relative link, then a file through it
        receive hello dir sub link l sub file l/x pwned end
        refused_and_clean || { why "file through a relative link"; return 1; }
        # links pointing outside
        receive hello link up ../x end
        refused_and_clean || { why "link ../x"; return 1; }
        receive hello dir d link d/l ../../x end
        refused_and_clean || { why "link d/l ../../x"; return 1; }
        # a link to the top, then '..' through it
        receive hello dir d link d/top .. link d/out top/.. end
        refused_and_clean || { why "link through a link then .."; return 1; }
        # a symlink, then a directory (or file) of the same name
        receive hello link s sub dir s file s/x pwned end
        refused_and_clean || { why "link then dir of the same name"; return 1; }
        receive hello link s sub file s pwned end
        refused_and_clean || { why "link then file of the same name"; return 1; }
        # the packer refuses to send a link that leads out, with a message
        mkdir "$src/t"
        ln -s /etc/passwd "$src/t/pw"
        copy -- t
        [ "$pack_rc" -ne 0 ] && grep -q 'pw: symlink to /etc/passwd not sent' "$tmp/pack.err" ||
                { why "pack rc $pack_rc: $(cat "$tmp/pack.err")"; return 1; }
        [ -z "$(ls -A "$home/Incoming/sender")" ] || { why "something landed"; return 1; }
}

test_control_characters_in_names_refused() {
        local name
        for name in $'new\nline' $'tab\tx' $'esc\e[31m' $'del\x7f' $'cr\r' $'nel\xc2\x85' \
                $'bad\xff' $'overlong\xc0\xaf' $'rlo\xe2\x80\xaetxt.exe'; do
                receive hello file "$name" x end
                refused_and_clean || { why "name $(printf %q "$name")"; return 1; }
                receive hello dir d link d/l "$name" end
                refused_and_clean || { why "link target $(printf %q "$name")"; return 1; }
        done
        # and the packer does not send one, naming the file
        mkdir "$src/t"
        : >"$src/t/"$'a\nb'
        copy -- t
        [ "$pack_rc" -ne 0 ] && grep -q "t/a?b: not sent: name with a control character" "$tmp/pack.err" ||
                { why "pack rc $pack_rc: $(cat "$tmp/pack.err")"; return 1; }
        [ -z "$(ls -A "$home/Incoming/sender")" ] || { why "something landed"; return 1; }
}

test_device_files_refused_at_pack_time() {
        mkdir "$src/t"
        echo a >"$src/t/a"
        mkfifo "$src/t/fifo"
        copy -- t
        [ "$pack_rc" -ne 0 ] && grep -q 't/fifo: is a fifo, which cannot be copied' "$tmp/pack.err" ||
                { why "fifo: rc $pack_rc: $(cat "$tmp/pack.err")"; return 1; }
        [ -z "$(ls -A "$home/Incoming/sender")" ] || { why "fifo: something landed"; return 1; }
        copy -- /dev/null
        [ "$pack_rc" -ne 0 ] && grep -q 'null: is a character device, which cannot be copied' "$tmp/pack.err" ||
                { why "/dev/null: rc $pack_rc: $(cat "$tmp/pack.err")"; return 1; }
        # No type in the stream for them: what a device would be is refused.
        local type
        for type in 0 5 6 0x2000 0x6000 0xffffffff; do
                receive hello entry "$type" 0644 0 dev end
                refused_and_clean || { why "type $type"; return 1; }
        done
}

test_oversized_fields_refused() {
        receive hello namelen 1 4096 # name over the limit, no name bytes sent
        refused_and_clean || { why "name length"; return 1; }
        receive hello namelen 1 0xffffffff
        refused_and_clean || { why "name length 2^32-1"; return 1; }
        receive hello entry 1 0644 0x10000000001 big chunk 2 0x10000000001 end
        refused_and_clean || { why "file over 1 TiB"; return 1; }
        receive hello entry 3 0777 4096 l bytes x end
        refused_and_clean || { why "symlink target length"; return 1; }
        receive hello entry 1 0644 3 f chunk 1 0x10001 zeros 0x10001 end
        refused_and_clean || { why "chunk over 64 KiB"; return 1; }
        receive hello entry 1 0644 3 f chunk 1 10 bytes 0123456789 end
        refused_and_clean || { why "data past the size"; return 1; }
        receive hello entry 1 0100644 0 f end
        refused_and_clean || { why "type bits in mode"; return 1; }
        local deep=a names=(dir a)
        for i in $(seq 2 129); do deep=$deep/a; names+=(dir "$deep"); done
        receive hello "${names[@]}" end
        refused_and_clean || { why "129 levels deep"; return 1; }
        receive magic 0x43464842 2 end
        refused_and_clean || { why "version 2"; return 1; }
        receive bytes "not a stream at all"
        refused_and_clean || { why "garbage"; return 1; }
}

test_setuid_bits_stripped() {
        receive hello entry 1 07755 2 suid chunk 1 2 bytes hi entry 2 03777 0 sticky end
        [ "$unpack_rc" -eq 0 ] || { why "refused: $(cat "$tmp/unpack.err")"; return 1; }
        [ "$(stat -c %a "$home/Incoming/evil/suid")" = 755 ] &&
                [ "$(stat -c %a "$home/Incoming/evil/sticky")" = 777 ] ||
                { why "$(stat -c '%n %a' "$home/Incoming/evil/"*)"; return 1; }
}

test_truncated_stream_leaves_nothing() {
        mkdir -p "$home/Incoming/evil"
        echo mine >"$home/Incoming/evil/old"
        receive hello dir d file d/a complete entry 1 0644 100 d/b chunk 1 100 bytes "only part"
        refused_and_clean 1 || return 1
        grep -q 'truncated' "$tmp/status" || { why "status: $(cat "$tmp/status")"; return 1; }
        [ "$(cat "$home/Incoming/evil/old")" = mine ] || { why "old file touched"; return 1; }
        receive hello dir d file d/a complete # no END
        refused_and_clean 1 || { why "no END"; return 1; }
}

test_failure_in_second_of_three_files_leaves_none() {
        receive hello file one 1111 entry 1 0644 8 two chunk 1 4 bytes 2222 chunk 9 4 bytes 2222 \
                file three 3333 end
        refused_and_clean || return 1
        # and the same through the packer: the 2nd of 3 arguments cannot be sent
        echo 1 >"$src/one"
        mkfifo "$src/two"
        echo 3 >"$src/three"
        copy -- one two three
        [ "$pack_rc" -ne 0 ] || { why "pack succeeded"; return 1; }
        [ -z "$(ls -A "$home/Incoming/sender")" ] && [ "$(ls -A "$home/Incoming" | tr '\n' ' ')" = "evil sender " ] ||
                { why "left: $(find "$home/Incoming")"; return 1; }
}

# In a tmpfs when there is one: on a disk shared with other work, creating
# and removing 200 000 inodes measures the disk, not the copy.
test_100000_tiny_files() {
        local shm=${BH_TEST_TMPFS:-/dev/shm} home=$home src=$src
        if [ -d "$shm" ] && [ -w "$shm" ]; then
                home=$(mktemp -d "$shm/bh-filecopy.XXXXXX")
                src=$home/src
                home=$home/home
                mkdir -p "$src" "$home"
        fi
        test_many_files
        local r=$?
        [ "$home" = "$tmp/home" ] || rm -rf "${home%/home}"
        return $r
}
test_many_files() {
        mkdir "$src/many"
        (cd "$src/many" && head -c 100000 /dev/zero | tr '\0' x | split -b 1 -a 5 - f)
        copy -- many
        [ "$pack_rc" -eq 0 ] && [ "$unpack_rc" -eq 0 ] ||
                { why "rc pack $pack_rc unpack $unpack_rc: $(cat "$tmp/pack.err" "$tmp/unpack.err")"; return 1; }
        local got
        got=$(find "$home/Incoming/sender/many" -type f | wc -l)
        [ "$got" -eq 100000 ] || { why "$got files arrived"; return 1; }
        [ "$(cat "$home/Incoming/sender/many/fzzzzz" 2>/dev/null || cat "$home/Incoming/sender/many/faaaaa")" = x ] ||
                { why "content"; return 1; }
}

test_4gib_sparse_file_arrives_sparse() {
        local f=$src/sparse g=$home/Incoming/sender/sparse
        truncate -s 4G "$f"
        printf 'middle' | dd of="$f" bs=1 seek=2147483648 conv=notrunc status=none
        printf 'end' | dd of="$f" bs=1 seek=$((4294967296 - 3)) conv=notrunc status=none
        copy -- sparse
        [ "$pack_rc" -eq 0 ] && [ "$unpack_rc" -eq 0 ] ||
                { why "rc pack $pack_rc unpack $unpack_rc: $(cat "$tmp/pack.err" "$tmp/unpack.err")"; return 1; }
        [ "$(stat -c %s "$g")" = 4294967296 ] || { why "size $(stat -c %s "$g")"; return 1; }
        local kib
        kib=$(du -k "$g" | cut -f1)
        [ "$kib" -lt 1024 ] || { why "uses $kib KiB on disk"; return 1; }
        [ "$(dd if="$g" bs=1 skip=2147483648 count=6 status=none)" = middle ] &&
                [ "$(dd if="$g" bs=1 skip=$((4294967296 - 3)) count=3 status=none)" = end ] &&
                [ "$(dd if="$g" bs=1 skip=1000000 count=4 status=none | od -An -tx1 | tr -d ' ')" = 00000000 ] ||
                { why "content differs"; return 1; }
}

test_zero_data_chunks_written_as_holes() {
        local pieces=(hello entry 1 0644 $((256 * 65536)) z)
        local i
        for i in $(seq 1 256); do pieces+=(chunk 1 65536 zeros 65536); done
        receive "${pieces[@]}" end
        [ "$unpack_rc" -eq 0 ] || { why "refused: $(cat "$tmp/unpack.err")"; return 1; }
        local g=$home/Incoming/evil/z kib
        kib=$(du -k "$g" | cut -f1)
        [ "$(stat -c %s "$g")" = 16777216 ] && [ "$kib" -lt 64 ] ||
                { why "size $(stat -c %s "$g"), $kib KiB on disk"; return 1; }
}

test_receiver_refusal_reported_by_sender() {
        echo a >"$src/f"
        copy '../../etc' -- f
        [ "$pack_rc" -ne 0 ] && grep -q 'the target domain refused the copy: QREXEC_REMOTE_DOMAIN' "$tmp/pack.err" ||
                { why "pack rc $pack_rc: $(cat "$tmp/pack.err")"; return 1; }
        [ ! -e "$home/Incoming" ] || { why "Incoming created"; return 1; }
}

test_bad_source_domain_names_refused() {
        local d
        for d in "" . .. .hidden -x a/b 'a b' abcdefghijklmnopqrstuvwxyz0123456 $'a\nb'; do
                dom=$d receive hello file f x end
                [ "$unpack_rc" -ne 0 ] && [ "$status_code" != 0 ] || { why "domain '$d' accepted"; return 1; }
                [ ! -e "$home/Incoming" ] || { why "domain '$d': Incoming created"; return 1; }
        done
        env -u QREXEC_REMOTE_DOMAIN HOME="$home" "$unpack" </dev/null >/dev/null 2>&1 &&
                { why "no domain accepted"; return 1; }
        return 0
}

test_unpacker_runs_confined() {
        rm -f "$tmp/hold"
        mkfifo "$tmp/hold"
        QREXEC_REMOTE_DOMAIN=sender HOME=$home "$unpack" <"$tmp/hold" >/dev/null 2>&1 &
        local upid=$! i st=
        exec 4>"$tmp/hold"
        "$craft" hello >&4
        for i in $(seq 1 50); do
                st=$(cat "/proc/$upid/status" 2>/dev/null)
                echo "$st" | grep -q '^Seccomp:[[:space:]]*2' && break
                sleep 0.1
        done
        exec 4>&-
        wait "$upid"
        echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1' && echo "$st" | grep -q '^Seccomp:[[:space:]]*2' ||
                { why "$(echo "$st" | grep -E 'NoNewPrivs|Seccomp')"; return 1; }
}

test_copy_to_vm_through_qrexec_client_vm() {
        # A stand-in for qrexec-client-vm with its calling convention:
        # TARGET SERVICE COMMAND ARGS..., COMMAND's stdin/stdout connected to
        # the service, which runs with QREXEC_REMOTE_DOMAIN set.
        mkdir "$tmp/bin"
        cat >"$tmp/bin/qrexec-client-vm" <<EOF
#!/bin/sh
target=\$1 service=\$2
shift 2
echo "\$target \$service" >"$tmp/call"
rm -f "$tmp/q1" "$tmp/q2"
mkfifo "$tmp/q1" "$tmp/q2"
QREXEC_REMOTE_DOMAIN=sender HOME="$home" "$unpack" <"$tmp/q1" >"$tmp/q2" &
"\$@" >"$tmp/q1" <"$tmp/q2"
rc=\$?
wait
exit \$rc
EOF
        chmod +x "$tmp/bin/qrexec-client-vm"
        echo hi >"$src/-dash file"
        (cd "$src" && PATH=$tmp/bin:$(dirname "$pack"):$PATH "$copy_to_vm" vault "-dash file") 2>"$tmp/c.err" ||
                { why "copy-to-vm failed: $(cat "$tmp/c.err")"; return 1; }
        [ "$(cat "$tmp/call")" = "vault bulkhead.Filecopy" ] || { why "called $(cat "$tmp/call")"; return 1; }
        [ "$(cat "$home/Incoming/sender/-dash file")" = hi ] || { why "not arrived"; return 1; }
        "$copy_to_vm" vault 2>/dev/null && { why "no FILE accepted"; return 1; }
        "$copy_to_vm" vault "$src/missing" 2>/dev/null && { why "missing FILE accepted"; return 1; }
        return 0
}

tests=(
        test_round_trip_keeps_tree_modes_and_times
        test_name_clash_lands_as_name_dot_n
        test_path_traversal_refused
        test_symlink_tricks_refused
        test_control_characters_in_names_refused
        test_device_files_refused_at_pack_time
        test_oversized_fields_refused
        test_setuid_bits_stripped
        test_truncated_stream_leaves_nothing
        test_failure_in_second_of_three_files_leaves_none
        test_100000_tiny_files
        test_4gib_sparse_file_arrives_sparse
        test_zero_data_chunks_written_as_holes
        test_receiver_refusal_reported_by_sender
        test_bad_source_domain_names_refused
        test_unpacker_runs_confined
        test_copy_to_vm_through_qrexec_client_vm
)
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
        check "${t#test_}" "$t"
done
exit 0
