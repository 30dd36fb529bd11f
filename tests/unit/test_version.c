/* The version is written once, in project(batchode VERSION ...): the header's macros
 * (generated from it), bo_version() of the library and the build's PROJECT_VERSION (passed
 * here as BO_PROJECT_VERSION) must all agree, and BO_VERSION must order versions. */
#include <stdio.h>

#include "batchode.h"
#include "harness.h"

int main(void)
{
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", BO_VERSION_MAJOR, BO_VERSION_MINOR, BO_VERSION_PATCH);
    T_EQ_STR(parts, BO_PROJECT_VERSION);
    T_EQ_STR(BO_VERSION_STRING, BO_PROJECT_VERSION);
    T_EQ_STR(bo_version(), BO_PROJECT_VERSION);
    T_CHECK(BO_VERSION == BO_VERSION_NUMBER(BO_VERSION_MAJOR, BO_VERSION_MINOR, BO_VERSION_PATCH));
    T_CHECK(BO_VERSION_NUMBER(0, 1, 9) < BO_VERSION_NUMBER(0, 2, 0));
    T_CHECK(BO_VERSION_NUMBER(0, 999, 999) < BO_VERSION_NUMBER(1, 0, 0));
    T_CHECK(BO_VERSION_NUMBER(2, 3, 4) == 2003004L);
    T_DONE();
}
