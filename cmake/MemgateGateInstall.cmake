# The in-process gates as a package (docs/in-process-gates.md): the archive and its public
# headers, memgateConfig.cmake for find_package(memgate CONFIG) with the targets memgate::gate,
# memgate::alloc_counting (opt-in allocation counts, a second archive),
# memgate::gtest and memgate::benchmark, and memgate.pc for pkg-config. Included by
# MemgateInstall.cmake, so the Debian package carries them too. All in the install component
# `gate`: `cmake --install BUILD --component gate --prefix P` installs only them.
include(CMakePackageConfigHelpers)
set(MEMGATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/memgate)

install(TARGETS memgate_gate memgate_alloc_counting EXPORT memgateTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT gate)
# Stripped installs (`cmake --install --strip`, and cpack: CPACK_STRIP_FILES) strip only
# executables and shared libraries; the archives' debug information goes here (RelWithDebInfo:
# the gate archive, 34.4 MB, is 2.0 MB stripped). --strip-debug keeps the symbol table a
# link needs.
foreach(archive memgate_gate memgate_alloc_counting)
  install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND ${CMAKE_STRIP} --strip-debug \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:${archive}>\" COMMAND_ERROR_IS_FATAL ANY)
endif()" COMPONENT gate)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/harness/include/memgate/gate.h ${PROJECT_SOURCE_DIR}/harness/include/memgate/gtest.h
              ${PROJECT_SOURCE_DIR}/harness/include/memgate/benchmark.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/memgate COMPONENT gate)
install(EXPORT memgateTargets NAMESPACE memgate:: DESTINATION ${MEMGATE_CMAKE_DIR} COMPONENT gate)
# One export set per framework part: the config loads a part only when its framework is found.
foreach(part gtest benchmark)
  if(TARGET memgate_${part})
    install(TARGETS memgate_${part} EXPORT memgate_${part}Targets COMPONENT gate)
    install(EXPORT memgate_${part}Targets NAMESPACE memgate:: DESTINATION ${MEMGATE_CMAKE_DIR} COMPONENT gate)
  endif()
endforeach()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/memgateConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/memgateConfig.cmake INSTALL_DESTINATION ${MEMGATE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/memgateConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/memgateConfig.cmake ${PROJECT_BINARY_DIR}/memgateConfigVersion.cmake
        DESTINATION ${MEMGATE_CMAKE_DIR} COMPONENT gate)

# memgate.pc finds its prefix from its own place (${pcfiledir}), so a moved prefix works.
set(memgate_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH memgate_pc_to_prefix /root/${memgate_pc_dir} /root)
configure_file(${CMAKE_CURRENT_LIST_DIR}/memgate.pc.in ${PROJECT_BINARY_DIR}/memgate.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/memgate.pc DESTINATION ${memgate_pc_dir} COMPONENT gate)
