# libzenith.so and the CMake package that installs it: a user's project does
# find_package(zenith) and links zenith::zenith, getting the public headers and this library.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The objects of every engine library, as built for the static ones (the CLI and the tests keep
# linking those). oneDNN, ONNX and protobuf are private: a consumer needs their runtime
# libraries only, never their headers or CMake packages.
set(ZENITH_ENGINE_LIBRARIES zenith_ir zenith_onnx zenith_ref zenith_passes zenith_cpu zenith_hetero
                            zenith_runtime)
set(ZENITH_ENGINE_OBJECTS "")
foreach(library ${ZENITH_ENGINE_LIBRARIES})
  list(APPEND ZENITH_ENGINE_OBJECTS $<TARGET_OBJECTS:${library}>)
endforeach()
add_library(zenith_shared SHARED ${ZENITH_ENGINE_OBJECTS})
# For the external libraries the engine links; the archives add nothing, their objects are in.
target_link_libraries(zenith_shared PRIVATE zenith_runtime)
target_include_directories(zenith_shared INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                                   $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(zenith_shared INTERFACE cxx_std_17)  # what the public headers use
# Before 1.0 any minor version may change the ABI, so it is part of the soname.
set_target_properties(zenith_shared PROPERTIES
  OUTPUT_NAME zenith EXPORT_NAME zenith VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
target_link_options(zenith_shared PRIVATE LINKER:--no-undefined)  # all the engine is in it
add_library(zenith::zenith ALIAS zenith_shared)

install(TARGETS zenith_shared EXPORT zenithTargets)
install(DIRECTORY include/zenith DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
set(ZENITH_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/zenith)
install(EXPORT zenithTargets NAMESPACE zenith:: DESTINATION ${ZENITH_PACKAGE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/zenithConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES cmake/zenithConfig.cmake ${CMAKE_BINARY_DIR}/zenithConfigVersion.cmake
        DESTINATION ${ZENITH_PACKAGE_DIR})
