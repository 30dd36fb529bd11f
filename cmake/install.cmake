# Install rules (cmake --install BUILD [--prefix PREFIX]), in the GNUInstallDirs places:
#   lib/libbatchode.so.X.Y.Z (+ SONAME link)  component Runtime
#   bin/batchode, share/man/man1/batchode.1,
#   share/bash-completion/completions/batchode component Runtime
#   include/batchode.h, include/batchode_version.h, lib/libbatchode.a, lib/libbatchode.so,
#   lib/pkgconfig/batchode.pc, lib/cmake/batchode/ (find_package)   component Development
#   share/doc/batchode/ (README, LICENSE, CITATION.cff, docs/, examples/)
#                                                                   component Documentation
include(CMakePackageConfigHelpers)
set(BO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/batchode)

install(TARGETS batchode batchode_static EXPORT batchodeTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        COMPONENT Runtime NAMELINK_COMPONENT Development
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
install(FILES ${BO_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development)

# CMake package: find_package(batchode) -> batchode::batchode, batchode::batchode_static.
install(EXPORT batchodeTargets NAMESPACE batchode:: DESTINATION ${BO_CMAKE_DIR}
    COMPONENT Development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/batchodeConfig.cmake.in
    ${PROJECT_BINARY_DIR}/package/batchodeConfig.cmake INSTALL_DESTINATION ${BO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/batchodeConfigVersion.cmake
    COMPATIBILITY ${BO_VERSION_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/package/batchodeConfig.cmake
    ${PROJECT_BINARY_DIR}/package/batchodeConfigVersion.cmake
    DESTINATION ${BO_CMAKE_DIR} COMPONENT Development)

# pkg-config: what a static link needs goes to Libs.private, spelled the way this build
# links it (-ldl, the threads flag FindThreads chose if the C library needs one, -lm). The
# prefix is the one installed to (cmake --install --prefix may differ from the configured
# CMAKE_INSTALL_PREFIX), so the file is completed at install time.
set(BO_PC_LIBS_PRIVATE "")
foreach(lib ${CMAKE_DL_LIBS})
    string(APPEND BO_PC_LIBS_PRIVATE " -l${lib}")
endforeach()
if(CMAKE_THREAD_LIBS_INIT)
    string(APPEND BO_PC_LIBS_PRIVATE " ${CMAKE_THREAD_LIBS_INIT}")
endif()
string(APPEND BO_PC_LIBS_PRIVATE " -lm")
# libxml2 (CellML import) through its own pkg-config file, which carries its dependencies.
set(BO_PC_REQUIRES_PRIVATE "")
if(BO_HAVE_CELLML)
    set(BO_PC_REQUIRES_PRIVATE "libxml-2.0")
endif()
string(STRIP "${BO_PC_LIBS_PRIVATE}" BO_PC_LIBS_PRIVATE)
foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
        set(BO_PC_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
        set(BO_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
endforeach()
set(BO_PC_PREFIX "@BO_PC_PREFIX@") # kept for the install-time pass
configure_file(${PROJECT_SOURCE_DIR}/cmake/batchode.pc.in ${PROJECT_BINARY_DIR}/package/batchode.pc.in
    @ONLY)
install(CODE "
    set(BO_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${PROJECT_BINARY_DIR}/package/batchode.pc.in\"
        \"${PROJECT_BINARY_DIR}/package/install/batchode.pc\" @ONLY)" COMPONENT Development)
install(FILES ${PROJECT_BINARY_DIR}/package/install/batchode.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)

if(TARGET batchode_cli)
    install(TARGETS batchode_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
    if(BO_MAN_PAGE)
        install(FILES ${BO_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
        install(FILES ${BO_BASH_COMPLETION}
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions
            COMPONENT Runtime)
    endif()
endif()

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
    ${PROJECT_SOURCE_DIR}/CITATION.cff
    DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Documentation)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
    COMPONENT Documentation FILES_MATCHING PATTERN "*.md")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
    COMPONENT Documentation)
