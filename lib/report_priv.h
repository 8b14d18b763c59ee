/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report_priv.h - the parts of `dmabuf report` shared by lib/report*.c and
 * their unit tests (not an API of the library): redaction, the text forms of
 * the bundle, the kernel context and the archive writer.
 */
#ifndef DMABUF_REPORT_PRIV_H
#define DMABUF_REPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "model.h"

/* Bundle paths, relative to its root. */
#define REPORT_MANIFEST "manifest.json"
#define REPORT_README "README.txt"
#define REPORT_SNAPSHOT "snapshot.json"
#define REPORT_FINDINGS "findings.txt"
#define REPORT_TRACE "trace.jsonl"
#define REPORT_SOURCES "sources.txt"
#define REPORT_RECORDS "bpf/records.txt"
#define REPORT_CONFIG "kernel/config"
#define REPORT_DMESG "kernel/dmesg"

/* --- a growing byte buffer ----------------------------------------------- */

struct rbuf {
	char *p;
	size_t len, cap;
	int err;		/* -ENOMEM once a put failed */
};

void rbuf_put(struct rbuf *b, const void *data, size_t len);
void rbuf_puts(struct rbuf *b, const char *s);
void rbuf_printf(struct rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* VALUE with every byte outside '!'..'~', and '%', as %XX (lab and records style). */
void rbuf_put_escaped(struct rbuf *b, const void *value, size_t len);

/* --- redaction (lib/report_redact.c) ------------------------------------- */

/* Token kinds: "comm-" + 10 hex digits fits a comm, "name-" + 12 a buffer name. */
enum redact_kind { REDACT_COMM, REDACT_NAME, REDACT_CMDLINE };
#define REDACT_TOKEN_MAX 24

/* The stable token of LEN bytes of S (NUL-terminated in OUT); "" stays "". */
void dmabuf_redact_token(enum redact_kind k, const void *s, size_t len,
			 char out[REDACT_TOKEN_MAX]);

/* The sensitive strings seen, to be replaced in free text (dmesg, details). */
struct dmabuf_redact;

struct dmabuf_redact *dmabuf_redact_new(void);
void dmabuf_redact_free(struct dmabuf_redact *r);
/* Replaces names and comms of S by their tokens and learns the originals. */
int dmabuf_redact_snapshot(struct dmabuf_redact *r, struct dmabuf_snapshot *s);
int dmabuf_redact_learn(struct dmabuf_redact *r, enum redact_kind k, const void *s, size_t len);
/* Every whole-word occurrence of a learnt string in TEXT replaced by its token. */
int dmabuf_redact_text(const struct dmabuf_redact *r, const char *text, size_t len,
		       struct rbuf *out);

enum redact_result { REDACT_KEEP, REDACT_REWRITTEN, REDACT_WITHHOLD };

/*
 * Entry PATH (TYPE, LEN bytes of DATA) as a redacted bundle holds it: kept,
 * rewritten into OUT, or withheld (a format the redactor does not know).
 * -ENOMEM.
 */
int dmabuf_redact_entry(const struct dmabuf_redact *r, const char *path,
			enum dmabuf_capture_type type, const char *data, size_t len,
			struct rbuf *out);

/* --- text forms (lib/report_records.c) ----------------------------------- */

/* bpf/records.txt of the capture's BPF stream; names and comms tokenized when R is set. */
void dmabuf_records_text(const struct dmabuf_capture *c, const struct dmabuf_redact *r,
			 struct rbuf *out);
/* sources.txt: the state of every source of S. */
void dmabuf_sources_text(const struct dmabuf_snapshot *s, struct rbuf *out);

/* --- kernel context (lib/report_context.c) ------------------------------- */

struct report_note {
	char what[48];		/* "kernel config", "dmesg", ... */
	char path[64];		/* where it went in the bundle, "" if nowhere */
	int state;		/* enum dmabuf_source_state */
	int err;
	char detail[160];
};

struct report_context {
	struct report_note note[16];
	unsigned int n;
	char cmdline[4096];	/* the kernel's, "" if unknown */
	bool live;
};

/* Reads the context under S's root into C (entries) and what happened into CTX. */
int dmabuf_report_context(const struct dmabuf_snapshot *s, struct dmabuf_capture *c,
			  struct report_context *ctx);
/* The capability matrix and privileges, as a JSON object member "capabilities". */
struct json_writer;
void dmabuf_report_capabilities(struct json_writer *jw, const struct dmabuf_snapshot *s);

/* --- the archive (lib/report_bundle.c) ----------------------------------- */

struct bundle_writer;

/* Opens PATH ("-" stdout) for a .tar.gz whose entries go under TOPDIR/. */
int bundle_writer_open(struct bundle_writer **out, const char *path, const char *topdir,
		       int64_t mtime, char *err, size_t errlen);
int bundle_writer_add(struct bundle_writer *w, const char *path, enum dmabuf_capture_type type,
		      const void *data, size_t len);
/* Finishes the archive; 0 or -errno with ERR. Frees W either way. */
int bundle_writer_close(struct bundle_writer *w, char *err, size_t errlen);
/* Abandons the archive and removes the partial file. */
void bundle_writer_abort(struct bundle_writer *w);

#endif
