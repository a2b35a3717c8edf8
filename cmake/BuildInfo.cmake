# Run at every build (cmake -P, from harness/cli): writes OUT, a header with the git
# commit of SOURCE_DIR (with "-dirty" when the tree has changes; "unknown" outside a git
# checkout, e.g. a source package), only when it changed, so `memgate --version` names
# the commit it was built from without rebuilding anything else.
execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
endif()
set(text "#define MEMGATE_GIT_COMMIT \"${commit}\"\n#define MEMGATE_BUILD_TYPE \"${BUILD_TYPE}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
