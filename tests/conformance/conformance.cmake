# ONNX backend conformance on each device as a ctest test: fails if an unskipped case does not pass, a
# skipped case passes, or the pass count drops below the floor in conformance_floor.txt.
file(READ ${CMAKE_SOURCE_DIR}/tests/conformance/conformance_floor.txt ZENITH_CONFORMANCE_FLOOR)
string(STRIP "${ZENITH_CONFORMANCE_FLOOR}" ZENITH_CONFORMANCE_FLOOR)
set(ZENITH_ONNX_TESTDATA /usr/share/libonnx-testdata/data)
# Every device must pass what REF passes: the same skip list and floor.
foreach(device REF CPU HETERO:CPU,REF)
  string(TOLOWER ${device} suffix)
  string(REGEX REPLACE "[:,]" "_" suffix ${suffix})
  add_test(NAME conformance_${suffix}
           COMMAND zenith-conformance ${ZENITH_ONNX_TESTDATA} --device ${device} -j 2
                   --skip-list ${CMAKE_SOURCE_DIR}/tests/conformance/skip_list.txt
                   --min-pass ${ZENITH_CONFORMANCE_FLOOR}
                   --json ${CMAKE_BINARY_DIR}/conformance_${suffix}.json)
  set_tests_properties(conformance_${suffix} PROPERTIES
                       LABELS conformance RUN_SERIAL TRUE TIMEOUT 1800)
endforeach()
