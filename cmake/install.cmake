# `cmake --install`: the library, the public headers (the generated version header too), the CLI,
# a CMake package (find_package(minnow 0.1) -> minnow::minnow) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MINNOW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/minnow)
install(TARGETS minnow EXPORT minnowTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/minnow ${MINNOW_GENERATED}/include/minnow
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET minnow_cli)
  # With a shared libminnow the installed CLI finds it next to itself, wherever the prefix is.
  set_target_properties(minnow_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  install(TARGETS minnow_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT minnowTargets NAMESPACE minnow:: DESTINATION ${MINNOW_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/minnowConfig.cmake.in
                              ${MINNOW_GENERATED}/minnowConfig.cmake INSTALL_DESTINATION ${MINNOW_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${MINNOW_GENERATED}/minnowConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${MINNOW_GENERATED}/minnowConfig.cmake ${MINNOW_GENERATED}/minnowConfigVersion.cmake
        DESTINATION ${MINNOW_CMAKE_DIR})

# A static libminnow needs its private dependencies on every link line; a shared one only at its own.
if(BUILD_SHARED_LIBS)
  set(MINNOW_PC_LIBS "-lminnow")
  set(MINNOW_PC_LIBS_PRIVATE "-lopenblas -lz -pthread")
else()
  set(MINNOW_PC_LIBS "-lminnow -lopenblas -lz -pthread")
  set(MINNOW_PC_LIBS_PRIVATE "")
endif()
if(MINNOW_WITH_MPI)
  # Debian's Open MPI is found through its own pkg-config file.
  if(BUILD_SHARED_LIBS)
    set(MINNOW_PC_REQUIRES_PRIVATE "ompi-c")
  else()
    set(MINNOW_PC_REQUIRES "fmt ompi-c")
  endif()
endif()
if(NOT MINNOW_PC_REQUIRES)
  set(MINNOW_PC_REQUIRES "fmt")
endif()
# Relocatable: the prefix is found from where the .pc file is (an install --prefix moves it too).
file(RELATIVE_PATH MINNOW_PC_TO_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
configure_file(${PROJECT_SOURCE_DIR}/cmake/minnow.pc.in ${MINNOW_GENERATED}/minnow.pc @ONLY)
install(FILES ${MINNOW_GENERATED}/minnow.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
