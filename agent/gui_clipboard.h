/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clipboard between dom0 and the domain's X selections.
 *
 * CLIPBOARD_REQ: the agent asks the CLIPBOARD selection's owner for
 * UTF8_STRING (STRING if that is refused) into a property of its hidden
 * window and answers with exactly one CLIPBOARD_DATA: the text, or nothing
 * if there is no owner, the owner does not answer within CLIP_TIMEOUT_MS,
 * the text is longer than asked, or it comes in INCR pieces (only text over
 * the X server's request size does, far more than the protocol's 64 KiB).
 *
 * CLIPBOARD_DATA from dom0 (a paste): the agent owns CLIPBOARD and PRIMARY
 * with those bytes and serves TARGETS, UTF8_STRING, TEXT and STRING until
 * another client takes both selections.
 */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stdint.h>

#include "gui_agent.h"

int gui_clipboard_init(struct gui *g);
void gui_clipboard_free(struct gui *g);

void gui_clipboard_request(struct gui *g, uint32_t max_bytes);
void gui_clipboard_paste(struct gui *g, const uint8_t *bytes, size_t len);

/* Selection events and the hidden window's property events; false otherwise. */
bool gui_clipboard_event(struct gui *g, XEvent *ev);

/* ms until a request times out (-1: none waiting), and the time-out itself. */
int gui_clipboard_timeout(struct gui *g, int64_t now);
void gui_clipboard_tick(struct gui *g, int64_t now);

/* The session ended: a request waiting for an answer is dropped. */
void gui_clipboard_session_end(struct gui *g);
