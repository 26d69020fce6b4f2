# `zenith serve` from the outside: curl for REST, Python's grpcio (stubs generated from
# proto/grpc_predict_v2.proto) for gRPC; errors, SIGTERM under load, and `zenith bench --server`.
foreach(check rest grpc errors shutdown bench multi)
  add_test(NAME serve.${check}
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/serve/serve_test.py
                   $<TARGET_FILE:zenith> ${CMAKE_BINARY_DIR}/serve_test/${check} ${check})
  set_tests_properties(serve.${check} PROPERTIES TIMEOUT 300 LABELS serve)
endforeach()
# ... and under long, hostile or changing use: a soak, a seeded fuzz of malformed requests, model
# repository changes under load, clients that go away (robustness_test.py, at a tenth of the
# counts its --full runs). On 2 cores: soak 7 s, fuzz 20 s, reload 7 s, disconnect 8 s.
# Under AddressSanitizer, LeakSanitizer at the server's exit stands in for the RSS checks.
set(ZENITH_ROBUSTNESS_FLAGS "")
if(ZENITH_SANITIZE)
  set(ZENITH_ROBUSTNESS_FLAGS --sanitized)
endif()
foreach(check soak fuzz reload disconnect)
  add_test(NAME serve.robustness.${check}
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/serve/robustness_test.py
                   $<TARGET_FILE:zenith> ${CMAKE_BINARY_DIR}/robustness_test/${check} ${check}
                   ${ZENITH_ROBUSTNESS_FLAGS})
  set_tests_properties(serve.robustness.${check} PROPERTIES TIMEOUT 300 LABELS serve)
endforeach()
