# `zenith serve` from the outside: curl for REST, Python's grpcio (stubs generated from
# proto/grpc_predict_v2.proto) for gRPC; errors, SIGTERM under load, and `zenith bench --server`.
foreach(check rest grpc errors shutdown bench)
  add_test(NAME serve.${check}
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/serve/serve_test.py
                   $<TARGET_FILE:zenith> ${CMAKE_BINARY_DIR}/serve_test/${check} ${check})
  set_tests_properties(serve.${check} PROPERTIES TIMEOUT 300 LABELS serve)
endforeach()
