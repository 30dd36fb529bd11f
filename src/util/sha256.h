/* SHA-256 (FIPS 180-4) for content addressing: the compile cache keys generated source with it
 * and checks cached artifacts against it, and settings fingerprint their code-relevant keys.
 * HMAC-SHA256 (RFC 2104) authenticates the entries of a shared compile cache. The compression
 * function has no data-dependent branches or table look-ups; comparing MACs in constant time is
 * the caller's job. */
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

/* HMAC-SHA256 (RFC 2104, FIPS 198-1), streaming: init with the key (any length), update with
 * the message in pieces, final writes the 32-byte MAC. */
typedef struct {
    sha256_ctx inner;
    unsigned char outer_key[64]; /* the key block XOR opad */
} hmac_sha256_ctx;

void hmac_sha256_init(hmac_sha256_ctx *c, const void *key, size_t key_len);
void hmac_sha256_update(hmac_sha256_ctx *c, const void *data, size_t len);
void hmac_sha256_final(hmac_sha256_ctx *c, unsigned char mac[32]);

#endif
