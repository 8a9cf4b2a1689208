# libFuzzer targets.  Every target is also linked with a standalone driver
# and run by `make check` on its seed corpus plus fixed-seed random inputs;
# --enable-fuzz (CC=clang) builds the real fuzzers, run by tests/fuzz/run.
FUZZ_TARGETS = fuzz_vchan_wire

check_PROGRAMS += tests/fuzz/replay_vchan_wire
tests_fuzz_replay_vchan_wire_SOURCES = tests/fuzz/fuzz_vchan_wire.c tests/fuzz/standalone.c
tests_fuzz_replay_vchan_wire_LDADD = $(BH_LIBS)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/run tests/fuzz/corpus

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_vchan_wire
tests_fuzz_fuzz_vchan_wire_SOURCES = tests/fuzz/fuzz_vchan_wire.c
tests_fuzz_fuzz_vchan_wire_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vchan_wire_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vchan_wire_LDADD = $(BH_LIBS)
endif

# What a domain wrote to its console, made safe for dom0's terminal
# (`bulkhead console`).
FUZZ_TARGETS += fuzz_console_text
check_PROGRAMS += tests/fuzz/replay_console_text
tests_fuzz_replay_console_text_SOURCES = tests/fuzz/fuzz_console_text.c tests/fuzz/standalone.c
tests_fuzz_replay_console_text_LDADD = $(BH_LIBS)
EXTRA_DIST += tests/fuzz/corpus/console_text

if ENABLE_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_console_text
tests_fuzz_fuzz_console_text_SOURCES = tests/fuzz/fuzz_console_text.c
tests_fuzz_fuzz_console_text_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_console_text_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_console_text_LDADD = $(BH_LIBS)
endif
