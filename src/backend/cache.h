/* The compile cache: compiled artifacts (CPU shared objects, CUDA cubins) keyed by the SHA-256
 * of the generated source, the compiler identity and the flags, kept on disk across processes
 * and, for loaded handles, in memory within one process.
 *
 * Disk entries are <dir>/<key>.<ext> plus <key>.<ext>.sum (size and SHA-256 of the content).
 * Writers publish with write-to-temp, fsync, rename (content first, sum last), so readers never
 * see a partial file and any number of processes may fill the same key at once; readers check
 * the content against the sum and remove entries that do not match. */
#ifndef BO_CACHE_H
#define BO_CACHE_H

#include <stddef.h>

#include "util/internal.h"

/* Cache key: hex SHA-256 over the library version, the source, the compiler identity (name,
 * version, target architecture) and the flags, each length-framed so no two different tuples
 * can produce the same hashed bytes. */
void cc_key(const char *source, const char *compiler_id, const char *flags, char hex[65]);

/* Cache directory: $BATCHODE_CACHE_DIR, else $XDG_CACHE_HOME/batchode (absolute paths only,
 * as the XDG specification requires), else $HOME/.cache/batchode. Empty variables are
 * ignored. *out: new string (bo_free). BO_ERR_IO when none can be determined. Does not create
 * the directory. */
int cc_dir(bo_context *ctx, char **out);

/* Path of an entry's content file, <dir>/<key>.<ext> (*out: bo_free). key must be 64 lower-case
 * hex digits and ext 1-15 characters of [a-z0-9_]: BO_ERR_INVALID_ARG otherwise. */
int cc_path(bo_context *ctx, const char *key, const char *ext, char **out);

/* Look an entry up. Returns 1 on a hit (content present and matching its sum; *path_out set
 * when path_out is not NULL), 0 on a miss (*path_out NULL), negative on an error. A corrupt or
 * partial entry is removed and is a miss. Another process may replace (by rename: the new file
 * is again complete) or remove the file after the check, so a caller that then fails to open
 * the path treats it as a miss. */
int cc_lookup(bo_context *ctx, const char *key, const char *ext, char **path_out);

/* Read a verified entry into memory: 1 on a hit (*data: bo_free, *size its length; the bytes
 * returned are the ones checked against the sum), 0 on a miss, negative on an error. */
int cc_load_bytes(bo_context *ctx, const char *key, const char *ext, void **data, size_t *size);

/* Publish an entry from bytes or from a file's content, creating the directory when needed.
 * Safe against concurrent readers and writers of the same key. BO_OK or negative. Temporary
 * files (.tmp-*) of a writer killed mid-store stay behind; nothing reads them. */
int cc_store_bytes(bo_context *ctx, const char *key, const char *ext, const void *data,
                   size_t size);
int cc_store_file(bo_context *ctx, const char *key, const char *ext, const char *src_path);

/* In-memory map for this process: key -> handle (a dlopen handle, a CUDA module), guarded by a
 * mutex, so repeated solves reuse a loaded artifact without touching the disk.
 * cc_mem_get: the handle for key, or NULL.
 * cc_mem_put: on BO_OK the map owns value (destroy is called on it when it is dropped) and
 * *held is the handle to use: value, or the one another thread stored first, in which case
 * value is destroyed at once. On an error the caller keeps value. */
typedef void (*cc_destroy_fn)(void *value);
void *cc_mem_get(const char *key);
int cc_mem_put(bo_context *ctx, const char *key, void *value, cc_destroy_fn destroy, void **held);
/* Drop every in-memory entry (calling its destroy function); for tests and shutdown. */
void cc_mem_clear(void);

#endif
