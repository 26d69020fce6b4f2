# find_package(zenith): the imported target zenith::zenith (libzenith.so and its headers).
# It needs no other package: the engine's dependencies are linked privately into the library.
include(${CMAKE_CURRENT_LIST_DIR}/zenithTargets.cmake)
