# `cmake --install BUILD --prefix P` and the Debian package (`cpack`, ci/package): every
# installed file but the pipelines (scenarios/CMakeLists.txt installs its own list). The
# destinations come from cmake/MemgateInstallDirs.cmake, which sys/install_paths.cc reads.

# cpack and `cmake --install` take the build as it is: they never rebuild everything.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS memgate DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS memgate_spawn DESTINATION ${MEMGATE_INSTALL_LIBEXECDIR})
install(TARGETS memgate_probe memgate_attrib LIBRARY DESTINATION ${MEMGATE_INSTALL_LIBDIR} NAMELINK_SKIP)
file(GLOB memgate_report_scripts ${PROJECT_SOURCE_DIR}/reports/*.py)
install(PROGRAMS ${memgate_report_scripts} DESTINATION ${MEMGATE_INSTALL_DATADIR}/reports)
# The flame graph library reports/flame_growth.py inlines into growth.html, as `npm ci` in
# reports/flamegraph (ci/setup) left it, at the same place beside the script. Without it the
# installed memgate says so in one line and still writes growth.collapsed and growth.pb.gz.
set(memgate_npm ${PROJECT_SOURCE_DIR}/reports/flamegraph/node_modules)
set(memgate_npm_dest ${MEMGATE_INSTALL_DATADIR}/reports/flamegraph/node_modules)
install(FILES ${PROJECT_SOURCE_DIR}/reports/flamegraph/package.json ${PROJECT_SOURCE_DIR}/reports/flamegraph/package-lock.json
        DESTINATION ${MEMGATE_INSTALL_DATADIR}/reports/flamegraph)
foreach(memgate_npm_package d3 d3-flame-graph)
  install(FILES ${memgate_npm}/${memgate_npm_package}/LICENSE ${memgate_npm}/${memgate_npm_package}/package.json
          DESTINATION ${memgate_npm_dest}/${memgate_npm_package} OPTIONAL)
endforeach()
install(FILES ${memgate_npm}/d3/dist/d3.min.js DESTINATION ${memgate_npm_dest}/d3/dist OPTIONAL)
install(FILES ${memgate_npm}/d3-flame-graph/dist/d3-flamegraph.umd.min.js ${memgate_npm}/d3-flame-graph/dist/d3-flamegraph.css
        DESTINATION ${memgate_npm_dest}/d3-flame-graph/dist OPTIONAL)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${MEMGATE_INSTALL_DATADIR}/scenarios
        FILES_MATCHING PATTERN "*.json" PATTERN "*.jsonl" PATTERN "*.md" PATTERN "pipelines" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/schemas/ DESTINATION ${MEMGATE_INSTALL_DATADIR}/schemas)
install(FILES ${PROJECT_SOURCE_DIR}/harness/pyhook/sitecustomize.py DESTINATION ${MEMGATE_INSTALL_DATADIR}/pyhook)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} PATTERN schemas EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Man pages (help2man, harness/cli/CMakeLists.txt) and bash completion, when present.
if(TARGET memgate_man)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/harness/cli/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          FILES_MATCHING PATTERN "*.1")
endif()
set(memgate_completion ${PROJECT_SOURCE_DIR}/harness/cli/completion/memgate.bash)
if(EXISTS ${memgate_completion})
  install(FILES ${memgate_completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME memgate)
endif()
# The in-process gates' archive, headers, CMake package and pkg-config file.
include(MemgateGateInstall)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memgate)
set(CPACK_PACKAGE_VENDOR memgate)
set(CPACK_PACKAGE_CONTACT "memgate maintainers <memgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "memory diagnostics and load-testing harness: gates a program's RSS, leaks and peaks")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the package carries no debug information (RelWithDebInfo: 10x smaller)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # memgate_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Depends: the shared libraries the binaries link (dpkg-shlibdeps: libc, libstdc++, libbpf,
# and the pipelines' PROJ, GEOS, SQLite, zlib). Plots and allocators are optional.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-matplotlib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libjemalloc2, libmimalloc2.0, libgoogle-perftools4")
include(CPack)
