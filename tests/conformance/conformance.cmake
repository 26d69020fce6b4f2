# ONNX backend conformance on REF as a ctest test: fails if an unskipped case does not pass, a
# skipped case passes, or the pass count drops below the floor in conformance_floor.txt.
file(READ ${CMAKE_SOURCE_DIR}/tests/conformance/conformance_floor.txt ZENITH_CONFORMANCE_FLOOR)
string(STRIP "${ZENITH_CONFORMANCE_FLOOR}" ZENITH_CONFORMANCE_FLOOR)
set(ZENITH_ONNX_TESTDATA /usr/share/libonnx-testdata/data)
add_test(NAME conformance_ref
         COMMAND zenith-conformance ${ZENITH_ONNX_TESTDATA} --device REF -j 2
                 --skip-list ${CMAKE_SOURCE_DIR}/tests/conformance/skip_list.txt
                 --min-pass ${ZENITH_CONFORMANCE_FLOOR}
                 --json ${CMAKE_BINARY_DIR}/conformance_ref.json)
set_tests_properties(conformance_ref PROPERTIES LABELS conformance RUN_SERIAL TRUE TIMEOUT 1800)
