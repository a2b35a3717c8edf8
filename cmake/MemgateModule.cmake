# Include roots that enforce the module layering (docs/architecture.md, Modules).
#
#   memgate_module_include_root(<module>)
#     Gives memgate_<module> (harness/src/<module>) an include root of its own: a
#     directory in the build tree holding one symlink, <module> -> harness/src/<module>,
#     added as the library's PUBLIC include directory. `#include "run/runner.h"` then
#     resolves only in code that links memgate_run (directly or transitively), so a
#     module that includes another module's header without linking it fails to compile.
#     The links are made at configure time (nothing generated is tracked in git, a clean
#     clone works); their paths are stable, so ccache hits across rebuilds.

function(memgate_module_include_root module)
  set(target memgate_${module})
  set(root ${PROJECT_BINARY_DIR}/include_roots/${module})
  set(source ${PROJECT_SOURCE_DIR}/harness/src/${module})
  if(NOT IS_DIRECTORY ${source})
    message(FATAL_ERROR "memgate_module_include_root: no module directory ${source}")
  endif()
  file(MAKE_DIRECTORY ${root})
  set(link ${root}/${module})
  if(IS_SYMLINK ${link})
    file(READ_SYMLINK ${link} current)
    if(NOT current STREQUAL source)
      file(REMOVE ${link})  # the source tree moved since the last configure
    endif()
  endif()
  if(NOT IS_SYMLINK ${link})
    file(CREATE_LINK ${source} ${link} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)  # build tree only (exported targets)
endfunction()
