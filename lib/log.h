/* SPDX-License-Identifier: MIT */
/*
 * log.h: the one leaf every file may include. Messages go to svcinit's
 * console (stderr) as "svcinit: LEVEL: text"; writes never block.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

extern int log_max_level;   /* LOG_LEVEL_INFO; -v raises it to DEBUG */

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...)   log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_max_level >= LOG_LEVEL_DEBUG) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)

/* Write a whole buffer to fd (1 and 2: the console) without ever blocking:
 * what a full console cannot take is dropped, and the count is written once
 * it takes output again. */
void log_write_raw(int fd, const char *buf, size_t len);

/* Once /proc is there: give fd 1 and 2 non-blocking descriptions of their own. */
void log_console_init(void);
