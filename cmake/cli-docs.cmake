# The manual page batchode(1) and the bash completion script, generated at build time by the
# tool itself (batchode --man-page, batchode --bash-completion) from the option tables that
# drive its argument parsing and --help, so neither can drift from what the tool accepts.
# Nothing here needs groff or bash-completion; a cross build (where the tool cannot run)
# goes without them.
if(CMAKE_CROSSCOMPILING)
    message(STATUS "Cross-compiling: no man page or bash completion (they are made by running "
                   "the batchode tool)")
    set(BO_MAN_PAGE "")
    set(BO_BASH_COMPLETION "")
    return()
endif()
set(BO_MAN_PAGE ${PROJECT_BINARY_DIR}/man/batchode.1)
set(BO_BASH_COMPLETION ${PROJECT_BINARY_DIR}/completion/batchode)
foreach(pair "--man-page|${BO_MAN_PAGE}" "--bash-completion|${BO_BASH_COMPLETION}")
    string(REPLACE "|" ";" pair "${pair}")
    list(GET pair 0 flag)
    list(GET pair 1 out)
    get_filename_component(name ${out} NAME)
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:batchode_cli>;${flag}" -DOUT=${out}
                -P ${PROJECT_SOURCE_DIR}/cmake/capture.cmake
        DEPENDS batchode_cli ${PROJECT_SOURCE_DIR}/cmake/capture.cmake
        COMMENT "Generating ${name} (batchode ${flag})" VERBATIM)
endforeach()
add_custom_target(batchode_cli_docs ALL DEPENDS ${BO_MAN_PAGE} ${BO_BASH_COMPLETION})
