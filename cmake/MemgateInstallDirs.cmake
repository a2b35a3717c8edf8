# Where `cmake --install` puts each part of memgate (GNUInstallDirs, relative to the
# prefix). sys/install_paths.cc finds them at run time from these same variables, so
# the install rules and the lookup cannot disagree.
include(GNUInstallDirs)
set(MEMGATE_INSTALL_LIBDIR ${CMAKE_INSTALL_LIBDIR}/memgate)          # libmemgate_probe.so (private)
set(MEMGATE_INSTALL_LIBEXECDIR ${CMAKE_INSTALL_LIBEXECDIR}/memgate)  # memgate-spawn, pipelines/
set(MEMGATE_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/memgate)        # reports/, scenarios/, schemas/
