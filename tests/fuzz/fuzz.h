/* Shared by the fuzz targets: turning fuzz bytes into text, and checks that abort (which
 * libFuzzer and the replay program both report) when a property fails. */
#ifndef BO_FUZZ_H
#define BO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the bytes (NUL bytes inside are kept: the readers must cope). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (t) {
        if (size)
            memcpy(t, data, size);
        t[size] = '\0';
    }
    return t;
}

/* Keep a value observable so the calls that made it are not optimised away. */
static volatile int fuzz_sink_value;
static inline void fuzz_sink(int v)
{
    fuzz_sink_value += v;
}

static inline void fuzz_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz property failed: %s\n", what);
        abort();
    }
}

#endif
