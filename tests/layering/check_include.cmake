# One layering probe (tests/layering/CMakeLists.txt): compiles a one-line file
# `#include "<HEADER>"` with exactly the include directories a module
# library gets from what it links, and checks the outcome against EXPECT:
#   COMPILES  the header must be reachable (a control: the probe itself works)
#   FAILS     the compiler must stop because <HEADER> is not found (any other error,
#             or success, fails the test)
# Arguments (-D): COMPILER, INCLUDES ('|'-separated), HEADER, EXPECT, WORK_DIR.
foreach(arg COMPILER HEADER EXPECT WORK_DIR)
  if(NOT DEFINED ${arg})
    message(FATAL_ERROR "check_include.cmake: -D${arg}=... is required")
  endif()
endforeach()

string(MAKE_C_IDENTIFIER "${HEADER}" stem)
set(source ${WORK_DIR}/layering_${stem}.cc)
file(MAKE_DIRECTORY ${WORK_DIR})
file(WRITE ${source} "#include \"${HEADER}\"\n")

set(flags -std=c++20 -fsyntax-only)
string(REPLACE "|" ";" include_list "${INCLUDES}")
foreach(dir IN LISTS include_list)
  # The compiler's own directories stay implicit (-I/usr/include breaks #include_next).
  if(dir AND NOT dir MATCHES "^/usr(/local)?/include/?$")
    list(APPEND flags -I${dir})
  endif()
endforeach()

execute_process(COMMAND ${COMPILER} ${flags} ${source}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[][.+*?^$()]" "\\\\\\0" header_re "${HEADER}")
if(EXPECT STREQUAL "COMPILES")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "'#include \"${HEADER}\"' should compile with these include dirs but did not:\n${err}")
  endif()
  message(STATUS "ok: ${HEADER} is reachable")
elseif(EXPECT STREQUAL "FAILS")
  if(rc EQUAL 0)
    message(FATAL_ERROR "'#include \"${HEADER}\"' compiled: the module can see a header of a module it does not link")
  endif()
  if(NOT err MATCHES "${header_re}(: No such file or directory|' file not found)")
    message(FATAL_ERROR "'#include \"${HEADER}\"' failed, but not because the header is unreachable:\n${err}")
  endif()
  message(STATUS "ok: ${HEADER} is not reachable")
else()
  message(FATAL_ERROR "check_include.cmake: EXPECT must be COMPILES or FAILS, not '${EXPECT}'")
endif()
