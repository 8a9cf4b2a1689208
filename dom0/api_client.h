/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A client of bulkheadd's API (docs/api.md) for dom0 tools. */
#pragma once

#include "api_proto.h"

/* Connects to RUNTIME/bulkheadd.sock; prints why not on stderr. */
int bh_api_connect(void);

/* Sends a request and waits for its reply; prints an error reply's message
 * and returns its -errno.  On success the reply's fields stay in *reply
 * (bh_api_msg_free). */
int bh_api_call(int fd, struct bh_api_buf *req, struct bh_api_msg *reply);
