/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dom0's clipboard buffer, shared by every domain's bulkhead-guid: one file,
 * RUNTIME/clipboard/buffer, replaced atomically (temporary file, fsync,
 * rename), holding the bytes and the name of the domain they came from; and
 * the question to the qrexec policy daemon whether a paste may happen.
 * docs/gui-daemon.md, "Clipboard".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "guid_state.h"

/* The qrexec service the policy is asked about: source = the domain the
 * bytes came from, target = the domain they are pasted into. */
#define GUID_PASTE_SERVICE "bulkhead.ClipboardPaste"

/* First line of the buffer file. */
#define GUID_CLIP_MAGIC "bulkhead-clipboard/1"

/*
 * The buffer file's format, as text lines then the bytes:
 *   bulkhead-clipboard/1\n source=NAME\n length=N\n \n <N bytes>
 * guid_clip_parse checks all of it and gives where the bytes are.
 * -EBADMSG for anything else, -EFBIG for N over BH_GUI_MAX_CLIPBOARD_BYTES.
 */
int guid_clip_parse(const uint8_t *buf, size_t len, char source[GUID_NAME_MAX + 1],
                    size_t *data_off, size_t *data_len);

/* Replaces the buffer with len bytes from source.  -EFBIG over the limit. */
int guid_clip_store(const char *runtime_dir, const char *source, const void *data, size_t len);

/*
 * Reads the buffer: -ENOENT if empty, -EFBIG if it holds more than max
 * bytes (it is never cut), -EBADMSG if it is not a buffer file.  *data must
 * be freed; *ino identifies the file for guid_clip_take.
 */
int guid_clip_load(const char *runtime_dir, size_t max, char source[GUID_NAME_MAX + 1],
                   uint8_t **data, size_t *len, ino_t *ino);

/* Empties the buffer if it is still the file loaded as ino: -ESTALE if
 * another copy replaced it meanwhile (that one stays). */
int guid_clip_take(const char *runtime_dir, ino_t ino);

/*
 * Asks RUNTIME/qrexec-policy.sock whether source may paste into target;
 * returns the connected socket to wait on (POLLIN) in *ret_fd.
 */
int guid_policy_ask(const char *runtime_dir, const char *source, const char *target,
                    int *ret_fd);
/* Reads the answer: 0 with *allow set, or a negative errno (deny). */
int guid_policy_answer(int fd, bool *allow);
