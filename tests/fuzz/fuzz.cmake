# libFuzzer targets (ZENITH_FUZZ=ON, clang): `make fuzz` builds them and runs zir_fuzz.
add_executable(zir_fuzz ${CMAKE_SOURCE_DIR}/tests/fuzz/zir_fuzz.cpp)
target_include_directories(zir_fuzz PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(zir_fuzz PRIVATE zenith_ir)
target_link_options(zir_fuzz PRIVATE -fsanitize=fuzzer)

add_executable(zir_fuzz_seeds ${CMAKE_SOURCE_DIR}/tests/fuzz/zir_fuzz_seeds.cpp)
target_include_directories(zir_fuzz_seeds PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(zir_fuzz_seeds PRIVATE zenith_ir)
