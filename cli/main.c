/* The batchode command-line tool. Uses only the public header. */
#include <stdio.h>
#include <string.h>

#include "batchode.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("batchode %s\n", bo_version());
        return 0;
    }
    fprintf(stderr, "batchode: usage: batchode <command> [options]\n");
    return 2;
}
