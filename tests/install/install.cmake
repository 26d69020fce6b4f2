# The package as a user meets it: `cmake --install` into a fresh prefix, then consumer/, a
# separate project, finds it, builds example.cpp against it and runs it. docs/API.md shows
# consumer/'s files, and install.docs_match_example keeps that copy identical.
add_test(NAME install.docs_match_example
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
                 -P ${CMAKE_SOURCE_DIR}/tests/install/docs_match_example.cmake)
set_tests_properties(install.docs_match_example PROPERTIES LABELS install)

# A sanitized libzenith.so would need the sanitizer's runtime linked into the consumer too; the
# plain build is where the package is checked.
if(NOT ZENITH_SANITIZE AND NOT ZENITH_SANITIZE_THREAD)
  add_test(NAME install.consumer
           COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
                   "-DGENERATOR=${CMAKE_GENERATOR}" -DCXX=${CMAKE_CXX_COMPILER}
                   -DPYTHON_DIR=${ZENITH_PYTHON_INSTALL_DIR}
                   -P ${CMAKE_SOURCE_DIR}/tests/install/install_and_run.cmake)
  # PASS_REGULAR_EXPRESSION alone would ignore the exit code; the script stops with a CMake Error
  # when any step, the example included, fails.
  set_tests_properties(install.consumer PROPERTIES
    LABELS install TIMEOUT 300 FAIL_REGULAR_EXPRESSION "CMake Error"
    PASS_REGULAR_EXPRESSION "\ny f32\\[1,8,16,16\\]:( [0-9.e+-]+)+\nsync and async runs agree")
endif()
