# `import zenith`: a pybind11 module over libzenith.so (the public C++ API only), built for
# Debian's /usr/bin/python3 (whose numpy and torch the tests use), with the package's Python
# files beside it in build/python, so that PYTHONPATH=build/python works uninstalled.
# Sanitized builds leave it out: Python would need the sanitizer's runtime preloaded.
if(ZENITH_SANITIZE OR ZENITH_SANITIZE_THREAD OR ZENITH_FUZZ)
  return()
endif()
set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the module is built for")
set(PYBIND11_FINDPYTHON ON)
find_package(pybind11 2.10 CONFIG REQUIRED)

set(ZENITH_PYTHON_DIR ${CMAKE_BINARY_DIR}/python)
file(GLOB ZENITH_PYTHON_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/src/*.cpp)
pybind11_add_module(zenith_python NO_EXTRAS ${ZENITH_PYTHON_SOURCES})  # no LTO: a link of minutes
target_link_libraries(zenith_python PRIVATE zenith_shared)
set_target_properties(zenith_python PROPERTIES
  OUTPUT_NAME _zenith LIBRARY_OUTPUT_DIRECTORY ${ZENITH_PYTHON_DIR}/zenith
  BUILD_RPATH ${CMAKE_BINARY_DIR})
file(GLOB ZENITH_PYTHON_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/zenith/*.py)
foreach(file ${ZENITH_PYTHON_FILES})
  get_filename_component(name ${file} NAME)
  configure_file(${file} ${ZENITH_PYTHON_DIR}/zenith/${name} COPYONLY)
endforeach()

# Where /usr/bin/python3 looks for packages under the install prefix: Debian's dist-packages
# (/usr/lib/python3/dist-packages for /usr, /usr/local/lib/python3.X/dist-packages otherwise).
execute_process(COMMAND ${Python_EXECUTABLE} -c
                  "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"
                OUTPUT_VARIABLE ZENITH_PYTHON_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ZENITH_PYTHON_DEFAULT_DESTINATION lib/python3/dist-packages)
else()
  set(ZENITH_PYTHON_DEFAULT_DESTINATION lib/python${ZENITH_PYTHON_VERSION}/dist-packages)
endif()
set(ZENITH_PYTHON_INSTALL_DIR ${ZENITH_PYTHON_DEFAULT_DESTINATION} CACHE STRING
    "Where `cmake --install` puts the zenith package, under the prefix")
# Installed, the module finds libzenith.so relative to itself, so that any prefix works.
file(RELATIVE_PATH ZENITH_PYTHON_TO_LIB /${ZENITH_PYTHON_INSTALL_DIR}/zenith /${CMAKE_INSTALL_LIBDIR})
set_target_properties(zenith_python PROPERTIES INSTALL_RPATH "$ORIGIN/${ZENITH_PYTHON_TO_LIB}")
install(TARGETS zenith_python LIBRARY DESTINATION ${ZENITH_PYTHON_INSTALL_DIR}/zenith)
install(FILES ${ZENITH_PYTHON_FILES} DESTINATION ${ZENITH_PYTHON_INSTALL_DIR}/zenith)
