/* SHA-256 against the FIPS 180-4 example vectors (NIST "Examples with intermediate values",
 * SHA256.pdf), streaming in odd chunk sizes across the padding boundaries, and against the
 * system's sha256sum as an independent implementation when it is present. */
#include "harness.h"
#include "util/sha256.h"

#include <stdint.h>
#include <unistd.h>

static void hex_chunked(const unsigned char *data, size_t len, size_t chunk, char hex[65])
{
    sha256_ctx c;
    unsigned char d[32];
    sha256_init(&c);
    for (size_t i = 0; i < len; i += chunk)
        sha256_update(&c, data + i, len - i < chunk ? len - i : chunk);
    sha256_final(&c, d);
    sha256_to_hex(d, hex);
}

int main(void)
{
    char hex[65];

    sha256_hex("abc", 3, hex);
    T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    sha256_hex("", 0, hex);
    T_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    T_EQ_INT(strlen(m448) * 8, 448);
    sha256_hex(m448, strlen(m448), hex);
    T_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    sha256_hex(m896, strlen(m896), hex);
    T_EQ_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* One million 'a', fed in chunks that straddle block boundaries. */
    unsigned char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    const char *million = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    sha256_hex(a, 1000000, hex);
    T_EQ_STR(hex, million);
    hex_chunked(a, 1000000, 997, hex);
    T_EQ_STR(hex, million);
    hex_chunked(a, 1000000, 1, hex);
    T_EQ_STR(hex, million);
    free(a);

    /* Streaming equals one-shot for every length around the padding edges (55, 56, 63, 64). */
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; ++i)
        buf[i] = (unsigned char)(i * 131u + 7u);
    int same = 1;
    for (size_t len = 0; len <= 200; ++len) {
        char one[65], part[65];
        sha256_hex(buf, len, one);
        for (size_t chunk = 1; chunk <= 70; chunk += 3) {
            hex_chunked(buf, len, chunk, part);
            if (strcmp(one, part) != 0)
                same = 0;
        }
    }
    T_CHECK(same);

    /* Independent implementation: coreutils sha256sum over the same bytes, lengths 55..65. */
    if (access("/usr/bin/sha256sum", X_OK) == 0 || access("/bin/sha256sum", X_OK) == 0) {
        for (size_t len = 55; len <= 65; ++len) {
            char path[] = "/tmp/bo_sha_XXXXXX";
            int fd = mkstemp(path);
            T_CHECK(fd >= 0);
            if (fd < 0)
                break;
            T_EQ_INT(write(fd, buf, len), (long long)len);
            close(fd);
            char cmd[128], line[160] = "";
            snprintf(cmd, sizeof cmd, "sha256sum %s", path);
            FILE *p = popen(cmd, "r");
            if (p && fgets(line, sizeof line, p))
                line[64] = '\0';
            if (p)
                pclose(p);
            unlink(path);
            sha256_hex(buf, len, hex);
            T_EQ_STR(hex, line);
        }
    }
    T_DONE();
}
