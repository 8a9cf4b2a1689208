/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What dom0 asks of a window: input (KEY, BUTTON, MOTION, SCROLL, CROSSING,
 * FOCUS) injected with XTest as if from the domain's own devices, and the
 * window requests CONFIGURE and CLOSE.  Messages for windows the agent does
 * not have (they crossed a DESTROY) are ignored.
 */
#pragma once

#include "gui_agent.h"

/* -ENOTSUP if the X server has no XTEST. */
int gui_input_init(struct gui *g);
void gui_input_free(struct gui *g);

/* One checked message from dom0 of the types above. */
void gui_input_handle(struct gui *g, const struct bh_gui_msg *m);

/* The keyboard mapping changed (MappingNotify). */
void gui_input_mapping_changed(struct gui *g);
