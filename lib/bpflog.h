/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpflog.h - libbpf's messages while the suite loads BPF programs
 * (lib/bpflog.c): echoed on stderr under DMABUF_DEBUG, its warnings kept,
 * so that an error can name the program the kernel refused and say why.
 */
#ifndef DMABUF_BPFLOG_H
#define DMABUF_BPFLOG_H

#include <stddef.h>
#include <bpf/libbpf.h>

/* Installs the printer (nothing kept yet), returns the one it replaces. */
libbpf_print_fn_t bpflog_begin(void);
void bpflog_end(libbpf_print_fn_t old);

/* Forgets the warnings kept so far (before each load). */
void bpflog_clear(void);

/* The first line of the first warning since the last clear, "" if none. */
const char *bpflog_first(void);

/* The last line of warnings that says something, "" if none. */
const char *bpflog_last(void);

/* The first program libbpf says failed, into NAME (LEN): NAME, or NULL. */
const char *bpflog_failed_prog(char *name, size_t len);

#endif
