/* The compile cache: compiled artifacts (CPU shared objects, CUDA cubins) keyed by the SHA-256
 * of the generated source, the compiler identity and the flags, kept on disk across processes
 * and, for loaded handles, in memory within one process.
 *
 * Disk entries are <dir>/<key>.<ext> plus <key>.<ext>.sum (size and SHA-256 of the content).
 * Writers publish with write-to-temp, fsync, rename (content first, sum last), so readers never
 * see a partial file and any number of processes may fill the same key at once; readers check
 * the content against the sum and remove entries that do not match.
 *
 * A sum guards integrity, not origin: anyone can compute one. So the cache only trusts what no
 * other user can have written (docs/cache.md):
 * - private mode (the default): the directory must be owned by this user and not writable by
 *   group or others, and every directory above it owned by root or this user and not writable
 *   by group or others unless sticky (as ssh checks ~/.ssh); each entry file must be a regular
 *   file owned by this user and not writable by group or others. Directories are created 0700,
 *   entries 0600.
 * - keyed mode ($BATCHODE_CACHE_KEY_FILE names a secret of 32 to 4096 bytes, readable by the
 *   group that shares the cache and by no one else): the sum is an HMAC-SHA256 under that
 *   secret, so any member may have written an entry and no one without the secret can forge
 *   one. The directory must not be writable by others unless sticky; entries are made 0640.
 * A directory or entry that fails these checks is not used: a warning (bo_warn) says why, a
 * lookup is a miss and a store fails, so the caller compiles without the cache. */
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

/* Path of an entry's content file, <dir>/<key>.<ext> (*out: bo_free), for messages and tests.
 * key must be 64 lower-case hex digits and ext 1-15 characters of [a-z0-9_]:
 * BO_ERR_INVALID_ARG otherwise. */
int cc_path(bo_context *ctx, const char *key, const char *ext, char **out);

/* Check an entry: 1 on a hit (trusted, content present and matching its sum), 0 on a miss,
 * negative on an error. A corrupt or partial entry is removed and is a miss; an untrusted
 * directory or entry is a miss with a warning (the entry is left for a store to replace). */
int cc_lookup(bo_context *ctx, const char *key, const char *ext);

/* Read a verified entry into memory: 1 on a hit (*data: bo_free, *size its length), 0 on a
 * miss, negative on an error. Each file is opened once; the bytes returned are exactly the
 * ones checked against the sum, so a caller that loads them (never the file again) runs what
 * was checked. */
int cc_load_bytes(bo_context *ctx, const char *key, const char *ext, void **data, size_t *size);

/* Publish an entry from bytes or from a file's content, creating the directory (0700) when
 * needed. Safe against concurrent readers and writers of the same key. BO_OK or negative.
 * Temporary files (.tmp-*) of a writer killed mid-store stay behind; nothing reads them. */
int cc_store_bytes(bo_context *ctx, const char *key, const char *ext, const void *data,
                   size_t size);
int cc_store_file(bo_context *ctx, const char *key, const char *ext, const char *src_path);

/* Remove an entry (its sum first, then its content): for an entry that verified but could not
 * be used, so that the next store replaces it. BO_OK also when there was nothing to remove. */
int cc_remove(bo_context *ctx, const char *key, const char *ext);

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
