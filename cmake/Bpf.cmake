# Building BPF programs into libbpf skeletons.
#
#   memgate_detect_bpf(<result-var> <reason-var>)
#     Sets <result-var> TRUE when everything the eBPF sampler needs is present (clang,
#     bpftool, pkg-config libbpf, /sys/kernel/btf/vmlinux); otherwise FALSE and
#     <reason-var> to one line naming what is missing and how to get it. Also defines the
#     imported target PkgConfig::LIBBPF when libbpf is found.
#
#   memgate_bpf_skeleton(<name> OUTPUT_DIR <dir> SOURCES <a.bpf.c> ... [INCLUDES <dir>...])
#     Compiles each source with clang -target bpf (-g is required: the skeleton needs
#     BTF), statically links the objects with `bpftool gen object` (which also strips
#     DWARF) and writes <dir>/<name>.skel.h with `bpftool gen skeleton`. Creates the
#     INTERFACE library <name>_skeleton: linking it puts <dir> on the include path, links
#     libbpf (the skeleton calls it) and generates the header before the user compiles.
#     (<name>_skel is the custom target that does the generation.) vmlinux.h is
#     generated once from the running kernel's BTF into <dir>.

find_program(MEMGATE_CLANG NAMES clang clang-16 clang-15 clang-14)
find_program(MEMGATE_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
set(MEMGATE_BTF_FILE /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF used to generate vmlinux.h")

function(memgate_detect_bpf result_var reason_var)
  set(missing "")
  if(NOT MEMGATE_CLANG)
    list(APPEND missing "clang (apt-get install clang)")
  endif()
  if(NOT MEMGATE_BPFTOOL)
    list(APPEND missing "bpftool (apt-get install bpftool)")
  endif()
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(LIBBPF QUIET IMPORTED_TARGET GLOBAL libbpf>=1.0)
  endif()
  if(NOT LIBBPF_FOUND)
    list(APPEND missing "libbpf >= 1.0 (apt-get install libbpf-dev pkg-config)")
  endif()
  if(NOT EXISTS ${MEMGATE_BTF_FILE})
    list(APPEND missing "kernel BTF at ${MEMGATE_BTF_FILE} (a kernel built with CONFIG_DEBUG_INFO_BTF=y)")
  endif()
  if(missing)
    list(JOIN missing ", " text)
    set(${result_var} FALSE PARENT_SCOPE)
    set(${reason_var} "missing ${text}" PARENT_SCOPE)
  else()
    set(${result_var} TRUE PARENT_SCOPE)
    set(${reason_var} "" PARENT_SCOPE)
  endif()
endfunction()

function(memgate_bpf_skeleton name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;INCLUDES;DEPENDS" ${ARGN})
  set(out ${ARG_OUTPUT_DIR})
  file(MAKE_DIRECTORY ${out})

  set(vmlinux ${out}/vmlinux.h)
  add_custom_command(OUTPUT ${vmlinux}
    COMMAND ${MEMGATE_BPFTOOL} btf dump file ${MEMGATE_BTF_FILE} format c > ${vmlinux}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${vmlinux}.tmp ${vmlinux}
    COMMENT "Generating vmlinux.h from ${MEMGATE_BTF_FILE}"
    VERBATIM)

  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(arch x86)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(arch arm64)
  else()
    set(arch ${CMAKE_SYSTEM_PROCESSOR})
  endif()

  set(include_flags -I${out})
  foreach(dir ${ARG_INCLUDES})
    list(APPEND include_flags -I${dir})
  endforeach()
  # Where <bpf/bpf_helpers.h> lives (libbpf-dev).
  foreach(dir ${LIBBPF_INCLUDE_DIRS})
    list(APPEND include_flags -I${dir})
  endforeach()

  set(objects "")
  foreach(source ${ARG_SOURCES})
    get_filename_component(stem ${source} NAME_WE)
    get_filename_component(abs ${source} ABSOLUTE)
    set(object ${out}/${stem}.bpf.o)
    add_custom_command(OUTPUT ${object}
      COMMAND ${MEMGATE_CLANG} -g -O2 -Wall -target bpf -mcpu=v3 -D__TARGET_ARCH_${arch}
              ${include_flags} -c ${abs} -o ${object}
      DEPENDS ${abs} ${vmlinux} ${ARG_DEPENDS}
      COMMENT "Compiling BPF program ${stem}.bpf.c"
      VERBATIM)
    list(APPEND objects ${object})
  endforeach()

  set(linked ${out}/${name}.bpf.o)
  set(skeleton ${out}/${name}.skel.h)
  add_custom_command(OUTPUT ${linked} ${skeleton}
    COMMAND ${MEMGATE_BPFTOOL} gen object ${linked} ${objects}
    COMMAND ${MEMGATE_BPFTOOL} gen skeleton ${linked} name ${name} > ${skeleton}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skeleton}.tmp ${skeleton}
    DEPENDS ${objects}
    COMMENT "Generating BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS ${skeleton})

  # What users link; consumers of an INTERFACE library inherit its build dependencies.
  add_library(${name}_skeleton INTERFACE)
  target_include_directories(${name}_skeleton INTERFACE ${out})
  target_link_libraries(${name}_skeleton INTERFACE PkgConfig::LIBBPF)
  add_dependencies(${name}_skeleton ${name}_skel)
endfunction()
