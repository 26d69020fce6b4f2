# The Python package's tests (pytest, Debian's python3-pytest), against build/python and the CLI.
# glibc's per-thread caches off: the memory test reads what malloc holds allocated.
if(TARGET zenith_python)
  add_test(NAME python.api
           COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${CMAKE_SOURCE_DIR}/tests/python)
  set_tests_properties(python.api PROPERTIES LABELS python TIMEOUT 300
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;ZENITH_BIN=$<TARGET_FILE:zenith>;GLIBC_TUNABLES=glibc.malloc.tcache_count=0")
  # The README's example, on the zoo's CheXNet.
  add_test(NAME python.readme
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/python/readme_example.py ${CMAKE_BINARY_DIR}
                   ${CMAKE_BINARY_DIR}/python_readme)
  set_tests_properties(python.readme PROPERTIES LABELS "python;models" FIXTURES_REQUIRED zoo TIMEOUT 300
                       ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python")
endif()
