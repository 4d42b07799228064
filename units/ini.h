/* SPDX-License-Identifier: MIT */
/*
 * ini.h: the inih adapter (units/ini.c).
 */
#pragma once

#include <stddef.h>

#include "units/keys.h"

/* Parse len bytes of text (not NUL-terminated; NULL when len is 0) and hand
 * every assignment to keys_apply(kc, ...). Returns 0, or -ENOMEM (not
 * reported); every other error is reported and counted in kc->errors. */
int unit_ini_parse(struct key_ctx *kc, const char *text, size_t len);
