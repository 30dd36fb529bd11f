# cmake -DCOMMAND="program;arg;..." -DOUT=file -P capture.cmake
# Runs COMMAND and writes its standard output to OUT, all or nothing: a failing command leaves
# no (partial) file behind, so the build step runs again next time.
get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
execute_process(COMMAND ${COMMAND} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE ${OUT}.tmp)
    message(FATAL_ERROR "'${COMMAND}' failed (${rc})")
endif()
file(RENAME ${OUT}.tmp ${OUT})
