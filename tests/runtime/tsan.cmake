# `make tsan`: the API's concurrency tests (suites Api and ApiAsync), the session's (a batch
# split's helper threads, runs from two threads at once), the data-parallel
# gradient reducer's (its communication thread) and the serving threads' (the gRPC call pool,
# dynamic batching) in an executable of their own, so that the ThreadSanitizer tree builds the
# engine and these files, not every test.
if(ZENITH_SANITIZE_THREAD)
  add_executable(zenith_concurrency_tests ${CMAKE_SOURCE_DIR}/tests/runtime/api_test.cpp
                                          ${CMAKE_SOURCE_DIR}/tests/runtime/async_test.cpp
                                          ${CMAKE_SOURCE_DIR}/tests/runtime/session_test.cpp
                                          ${CMAKE_SOURCE_DIR}/tests/distributed/gradient_reducer_test.cpp
                                          ${CMAKE_SOURCE_DIR}/tests/serve/concurrency_test.cpp
                                          # the serving threads' files only: not the protocol
                                          # front ends, whose generated gRPC code is slow to build
                                          ${CMAKE_SOURCE_DIR}/src/serve/worker_pool.cpp
                                          ${CMAKE_SOURCE_DIR}/src/serve/served_model.cpp
                                          ${CMAKE_SOURCE_DIR}/src/serve/dynamic_batcher.cpp
                                          ${CMAKE_SOURCE_DIR}/src/serve/inference.cpp
                                          ${CMAKE_SOURCE_DIR}/src/serve/datatype.cpp
                                          ${CMAKE_SOURCE_DIR}/src/serve/metrics.cpp)
  target_include_directories(zenith_concurrency_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(zenith_concurrency_tests PRIVATE zenith_runtime zenith_distributed
                                                         prometheus-cpp::core nlohmann_json::nlohmann_json
                                                         GTest::gtest GTest::gtest_main)
  target_compile_definitions(zenith_concurrency_tests PRIVATE
                             ZENITH_BINARY_DIR="${CMAKE_BINARY_DIR}"
                             ZENITH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
