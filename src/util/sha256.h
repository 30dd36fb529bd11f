/* SHA-256 (FIPS 180-4) for content addressing: the compile cache keys generated source with it
 * and checks cached artifacts against it, and settings fingerprint their code-relevant keys.
 * Not constant-time; not meant for secrets. */
#ifndef BO_SHA256_H
#define BO_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes; /* total message length so far */
    unsigned char block[64];
    size_t fill; /* bytes pending in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Finish and write the 32-byte digest; c must be re-initialised before reuse. */
void sha256_final(sha256_ctx *c, unsigned char digest[32]);
/* Lower-case hex of a digest: hex receives 64 characters and a NUL. */
void sha256_to_hex(const unsigned char digest[32], char hex[65]);
/* One shot: hex digest of len bytes at data. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
