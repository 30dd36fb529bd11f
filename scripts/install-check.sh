#!/usr/bin/env bash
# Installs a built tree into a temporary prefix and uses the installed copy the ways a C user
# would, then removes everything it made:
#   bash scripts/install-check.sh BUILD_DIR        (the CTest test install/tree runs it)
# Environment: CC (default cc), BO_JOBS (parallel build jobs, default 2).
# 1. cmake --install: the layout (libraries, SONAME link, headers, pkg-config file, CMake
#    package, CLI, man page, bash completion, docs); the shared library's SONAME, the
#    libraries it needs (libc, libm, libdl, libpthread, and libxml2 in a build with CellML
#    import, only) and its exported symbols (bo_* only); a DESTDIR install and a Runtime-only
#    install.
# 2. examples/lorenz_sweep.c and a version check built against the installed copy three ways,
#    each with the shared and the static library, and run: pkg-config; find_package with
#    CMAKE_PREFIX_PATH (which must also refuse an incompatible version); add_subdirectory of
#    the source tree from an outside project (which must get only the library: no tests,
#    benchmarks, examples, CLI or format targets, nothing written outside its binary dir).
# 3. The installed CLI runs (--version, check) and its man page and completion are found.
set -euo pipefail
build=$(cd "${1:?usage: install-check.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
cc=${CC:-cc}
jobs=${BO_JOBS:-2}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/batchode-install.XXXXXX")
# cmake --install writes install_manifest*.txt into the build tree: keep the user's.
mkdir "$tmp/manifests"
cp -p "$build"/install_manifest*.txt "$tmp/manifests/" 2>/dev/null || true
cleanup() {
    rm -f "$build"/install_manifest*.txt
    cp -p "$tmp/manifests/"* "$build/" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
export BATCHODE_CACHE_DIR=$tmp/cache
prefix=$tmp/prefix
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
step() { echo "== $*"; }
# run LOG COMMAND...: run quietly, show the log when it fails.
run() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        fail "$*"
        return 1
    fi
}

# ---- 1. install ----------------------------------------------------------------------------
step "cmake --install $build --prefix $prefix"
run "$tmp/install.log" cmake --install "$build" --prefix "$prefix" || exit 1
version=$("$build/batchode" --version | sed -n 's/^batchode //p')
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
# The SONAME policy (docs/c-api.md): MAJOR from 1.0 on, MAJOR.MINOR before.
if [ "$major" = 0 ]; then soversion=0.$minor; else soversion=$major; fi
pc_file=$(find "$prefix" -name batchode.pc -path '*/pkgconfig/*' 2>/dev/null || true)
if [ -z "$pc_file" ]; then
    fail "cmake --install installed no pkgconfig/batchode.pc (installed: $(find "$prefix" 2>/dev/null | wc -l) paths)"
    exit 1
fi
libdir=$(dirname "$(dirname "$pc_file")")
for f in bin/batchode include/batchode.h include/batchode_version.h \
    share/man/man1/batchode.1 share/bash-completion/completions/batchode \
    share/doc/batchode/README.md share/doc/batchode/LICENSE share/doc/batchode/CITATION.cff \
    share/doc/batchode/docs/c-api.md share/doc/batchode/examples/lorenz_sweep.c \
    share/doc/batchode/examples/lorenz.ode; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
for f in libbatchode.a "libbatchode.so.$version" cmake/batchode/batchodeConfig.cmake \
    cmake/batchode/batchodeConfigVersion.cmake cmake/batchode/batchodeTargets.cmake; do
    [ -f "$libdir/$f" ] || fail "not installed: ${libdir#"$prefix"/}/$f"
done
[ "$(readlink "$libdir/libbatchode.so")" = "libbatchode.so.$soversion" ] ||
    fail "libbatchode.so does not point to libbatchode.so.$soversion"
[ "$(readlink "$libdir/libbatchode.so.$soversion")" = "libbatchode.so.$version" ] ||
    fail "libbatchode.so.$soversion does not point to libbatchode.so.$version"
shared=$libdir/libbatchode.so.$version
soname=$(readelf -d "$shared" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libbatchode.so.$soversion" ] || fail "SONAME is '$soname', not libbatchode.so.$soversion"
needed=$(readelf -d "$shared" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
for lib in $needed; do
    case $lib in
    libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | ld-linux*) ;;
    libxml2.so.*) ;; # CellML import, in a build with libxml2 (docs/cellml.md)
    *) fail "libbatchode.so needs $lib (only libc, libm, libdl, libpthread, libxml2 expected)" ;;
    esac
done
exported=$(nm -D --defined-only "$shared" | awk '{print $3}' | grep -v '^bo_' | tr '\n' ' ' || true)
[ -z "$exported" ] || fail "libbatchode.so exports symbols outside bo_*: $exported"

step "DESTDIR and component installs"
run "$tmp/destdir.log" env DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/batchode-x
staged_pc=$(find "$tmp/stage" -name batchode.pc)
grep -qx 'prefix=/opt/batchode-x' "$staged_pc" || fail "DESTDIR install: batchode.pc's prefix is not /opt/batchode-x"
run "$tmp/runtime.log" cmake --install "$build" --prefix "$tmp/runtime" --component Runtime
runtime_files=$(cd "$tmp/runtime" && find . ! -type d | sort | tr '\n' ' ')
for f in ./bin/batchode ./share/man/man1/batchode.1 ./share/bash-completion/completions/batchode; do
    [[ " $runtime_files" == *" $f "* ]] || fail "Runtime component lacks $f"
done
[[ $runtime_files != *include/* && $runtime_files != *libbatchode.a* ]] ||
    fail "Runtime component holds development files: $runtime_files"
rm -rf "$tmp/stage" "$tmp/runtime"

# ---- 2. build against the installed copy ---------------------------------------------------
mkdir "$tmp/work"
cd "$tmp/work"
example=$src/examples/lorenz_sweep.c
model=$prefix/share/doc/batchode/examples/lorenz.ode
cat >version_check.c <<'EOF'
/* The header's version macros agree with each other and with the library linked. */
#include <stdio.h>
#include <string.h>

#include "batchode.h"

int main(void)
{
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", BO_VERSION_MAJOR, BO_VERSION_MINOR, BO_VERSION_PATCH);
    if (strcmp(parts, BO_VERSION_STRING) != 0 || strcmp(bo_version(), BO_VERSION_STRING) != 0 ||
        BO_VERSION != BO_VERSION_NUMBER(BO_VERSION_MAJOR, BO_VERSION_MINOR, BO_VERSION_PATCH) ||
        BO_VERSION_NUMBER(0, 1, 0) >= BO_VERSION_NUMBER(0, 2, 0) ||
        BO_VERSION_NUMBER(0, 9, 9) >= BO_VERSION_NUMBER(1, 0, 0)) {
        fprintf(stderr, "version mismatch: %s, %s, %s\n", parts, BO_VERSION_STRING, bo_version());
        return 1;
    }
    puts(BO_VERSION_STRING);
    return 0;
}
EOF
cflags_strict="-std=c11 -Wall -Wextra -Wpedantic -Werror"
sweeps=()
# check_program NAME LINKAGE: it runs, prints the version or the sweep, and is linked to
# libbatchode.so (shared) or carries the library itself (static).
check_program() {
    local exe=$1 linkage=$2 deps
    deps=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if [ "$linkage" = shared ]; then
        [[ $deps == *"libbatchode.so.$soversion"* ]] || fail "$exe is not linked to libbatchode.so.$soversion ($deps)"
    else
        [[ $deps != *libbatchode* ]] || fail "$exe links libbatchode dynamically ($deps)"
    fi
    local out
    case $exe in
    *version*)
        out=$("./$exe") || { fail "$exe failed"; return; }
        [ "$out" = "$version" ] || fail "$exe printed '$out', not $version"
        ;;
    *)
        out=$("./$exe" "$model") || { fail "$exe failed: $out"; return; }
        [[ $out =~ ^10000\ runs,\ 0\ failed,\ ([0-9]+)\ end ]] || fail "$exe printed '$out'"
        sweeps+=("$exe: ${BASH_REMATCH[1]-?}")
        ;;
    esac
}

step "pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --validate batchode || fail "pkg-config --validate batchode"
[ "$(pkg-config --modversion batchode)" = "$version" ] || fail "pkg-config --modversion is not $version"
# Libs.private: what a static link needs (-ldl, -lm; the thread flag when the C library
# needs one), nothing for a shared link.
private=$(pkg-config --libs --static batchode)
for flag in -ldl -lm; do
    [[ " $private " == *" $flag "* ]] || fail "pkg-config --static --libs lacks $flag: $private"
done
[ "$(pkg-config --libs batchode | xargs)" = "-L$libdir -lbatchode" ] ||
    fail "pkg-config --libs is '$(pkg-config --libs batchode)'"
read -ra pc_cflags <<<"$(pkg-config --cflags batchode)"
read -ra pc_libs <<<"$(pkg-config --libs batchode)"
# The static archive by name (both libraries are installed side by side).
read -ra pc_static <<<"${private/-lbatchode/-l:libbatchode.a}"
echo '#include "batchode.h"' | c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only \
    "${pc_cflags[@]}" -x c++ - || fail "batchode.h does not compile as C++"
for prog in lorenz_sweep version_check; do
    c=$example
    [ $prog = version_check ] && c=version_check.c
    # shellcheck disable=SC2086
    run "$tmp/pc.log" "$cc" $cflags_strict "${pc_cflags[@]}" "$c" -o pc_${prog}_shared \
        "${pc_libs[@]}" "-Wl,-rpath,$libdir" && check_program pc_${prog}_shared shared
    # shellcheck disable=SC2086
    run "$tmp/pc.log" "$cc" $cflags_strict "${pc_cflags[@]}" "$c" -o pc_${prog}_static \
        "${pc_static[@]}" && check_program pc_${prog}_static static
done

step "find_package (CMAKE_PREFIX_PATH)"
if [ "$major" = 0 ]; then refused=0.$((minor + 1)); else refused=$((major + 1)).0; fi
mkdir find_package
cat >find_package/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.21)
project(use_batchode C)
find_package(batchode $refused QUIET)
if(batchode_FOUND)
    message(FATAL_ERROR "find_package(batchode $refused) accepted \${batchode_VERSION}")
endif()
find_package(batchode $major.$minor REQUIRED)
if(NOT batchode_VERSION STREQUAL "$version")
    message(FATAL_ERROR "batchode_VERSION is \${batchode_VERSION}, not $version")
endif()
# The static library brings what its link needs; the shared one imposes nothing.
get_target_property(static_libs batchode::batchode_static INTERFACE_LINK_LIBRARIES)
foreach(lib Threads::Threads m \${CMAKE_DL_LIBS})
    if(NOT "\${static_libs}" MATCHES "(^|;)(\\\\\$<LINK_ONLY:)?\${lib}>?(;|\$)")
        message(FATAL_ERROR "batchode::batchode_static does not link \${lib}: \${static_libs}")
    endif()
endforeach()
get_target_property(shared_libs batchode::batchode INTERFACE_LINK_LIBRARIES)
if(shared_libs)
    message(FATAL_ERROR "batchode::batchode imposes libraries: \${shared_libs}")
endif()
foreach(prog lorenz_sweep version_check)
    foreach(kind shared static)
        if(prog STREQUAL "lorenz_sweep")
            add_executable(cmake_\${prog}_\${kind} $example)
        else()
            add_executable(cmake_\${prog}_\${kind} ../version_check.c)
        endif()
        target_compile_options(cmake_\${prog}_\${kind} PRIVATE $cflags_strict)
    endforeach()
    target_link_libraries(cmake_\${prog}_shared PRIVATE batchode::batchode)
    target_link_libraries(cmake_\${prog}_static PRIVATE batchode::batchode_static)
endforeach()
EOF
if run "$tmp/fp.log" cmake -S find_package -B find_package/build -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_PREFIX_PATH="$prefix" &&
    run "$tmp/fp.log" cmake --build find_package/build -j "$jobs"; then
    for prog in lorenz_sweep version_check; do
        for kind in shared static; do
            cp "find_package/build/cmake_${prog}_$kind" . && check_program "cmake_${prog}_$kind" $kind
        done
    done
fi

step "add_subdirectory (the source tree from an outside project)"
mkdir subproject
cat >subproject/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.25)
project(outer C)
# Targets a parent project may have: batchode must not take these names.
add_custom_target(format)
add_custom_target(format-check)
add_subdirectory($src batchode)
foreach(option BO_BUILD_TESTS BO_BUILD_BENCH BO_BUILD_EXAMPLES BO_BUILD_CLI BO_INSTALL)
    if(\${option})
        message(FATAL_ERROR "\${option} is on in a subproject")
    endif()
endforeach()
foreach(target batchode_cli test_unit_test_csv bench_cpu_lorenz fuzz_replay_model)
    if(TARGET \${target})
        message(FATAL_ERROR "batchode as a subproject defines \${target}")
    endif()
endforeach()
# lorenz_sweep: the name of batchode's own example target when it is the top-level project.
add_executable(lorenz_sweep $example)
target_link_libraries(lorenz_sweep PRIVATE batchode::batchode)
add_executable(lorenz_sweep_static $example)
target_link_libraries(lorenz_sweep_static PRIVATE batchode::batchode_static)
add_executable(version_check ../version_check.c)
target_link_libraries(version_check PRIVATE batchode::batchode)
foreach(target lorenz_sweep lorenz_sweep_static version_check)
    target_compile_options(\${target} PRIVATE $cflags_strict)
endforeach()
EOF
touch "$tmp/stamp"
if run "$tmp/sub.log" cmake -S subproject -B subproject/build -DCMAKE_C_COMPILER="$cc" &&
    run "$tmp/sub.log" cmake --build subproject/build -j "$jobs"; then
    for f in batchode/include/batchode_version.h batchode/generated/embedded_kernels.c; do
        [ -f "subproject/build/$f" ] || fail "add_subdirectory: no $f in batchode's binary dir"
    done
    [ ! -e subproject/build/batchode/tests ] || fail "add_subdirectory: batchode's tests were configured"
    written=$(find "$src" \( -path "$src/build*" -o -path "$src/.git" -o -path "$src/out" \) -prune \
        -o -newer "$tmp/stamp" -type f -print)
    [ -z "$written" ] || fail "add_subdirectory wrote into the source tree: $written"
    cp subproject/build/lorenz_sweep sub_lorenz_sweep_shared
    cp subproject/build/lorenz_sweep_static sub_lorenz_sweep_static
    cp subproject/build/version_check sub_version_check_shared
    for exe in sub_lorenz_sweep_shared sub_version_check_shared; do check_program $exe shared; done
    check_program sub_lorenz_sweep_static static
fi
# Every build of the example ran the same computation.
counts=$(printf '%s\n' "${sweeps[@]}" | sed 's/.*: //' | sort -u | wc -l)
[ "${#sweeps[@]}" -eq 6 ] && [ "$counts" -eq 1 ] ||
    fail "the example builds disagree or some did not run: ${sweeps[*]}"

# ---- 3. the installed tool -----------------------------------------------------------------
step "installed CLI, man page and completion"
[ "$("$prefix/bin/batchode" --version)" = "batchode $version" ] || fail "installed batchode --version"
"$prefix/bin/batchode" check "$model" >"$tmp/check.txt" || fail "installed batchode check"
grep -q '^model: lorenz' "$tmp/check.txt" || fail "installed batchode check printed $(cat "$tmp/check.txt")"
if command -v man >/dev/null; then
    [ "$(man -M "$prefix/share/man" -w batchode)" = "$prefix/share/man/man1/batchode.1" ] ||
        fail "man -M PREFIX/share/man does not find batchode(1)"
    MANWIDTH=80 man -M "$prefix/share/man" batchode 2>/dev/null | grep -q 'batchode solve' ||
        fail "man batchode does not render"
fi
bash -c "source '$prefix/share/bash-completion/completions/batchode' && complete -p batchode" |
    grep -q '_batchode batchode$' || fail "the installed completion does not register for batchode"

if ((failures)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "install tree, pkg-config, find_package, add_subdirectory, installed CLI: all checks passed"
