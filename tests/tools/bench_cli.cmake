# `zenith bench`: LoadGen scenarios over the synthetic SUT and a small model, and the errors of
# its settings. Short runs (1-2 s minimum duration). No check depends on the machine's speed or
# load (ctest runs two tests at once, and users' machines are busy): a timed figure is bounded
# only where the synthetic SUT's sleeps make the bound certain.
# Included by tools.cmake, whose zenith_cli_test and D it uses.
# 64 queries: SingleStream's early stopping needs that many, so however slow the machine, a
# run that meets its minimum is VALID.
set(SHORT --min-duration-s 1 --min-query-count 64)
zenith_cli_test(bench_synthetic_single 0
  "SUT name : SyntheticSUT\\(5 ms x 1 workers\\)\nScenario : SingleStream\nMode     : PerformanceOnly\n90.0th percentile latency \\(ns\\) : ([5-9][0-9][0-9][0-9][0-9][0-9][0-9]|[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]+)\nResult is : VALID"
  bench --synthetic-ms 5 -s SingleStream ${SHORT})
zenith_cli_test(bench_synthetic_multi 0 "Scenario : MultiStream\n.*99.0th percentile latency \\(ns\\) : [0-9]+\nResult is : VALID"
  bench --synthetic-ms 1 --synthetic-workers 4 -s MultiStream --samples-per-query 4
  --target-latency-ms 1 --min-duration-s 1 --min-query-count 662)
# Early stopping at p99 needs about 460 queries, all within the bound: 250x the sample time.
zenith_cli_test(bench_synthetic_server_below 0 "Scenario : Server\n.*Completed samples per second *: [0-9.]+\nResult is : VALID"
  bench --synthetic-ms 2 --synthetic-workers 4 -s Server --target-qps 400 --target-latency-ms 500
  --min-duration-s 2 --min-query-count 500)
# 4 workers x 1/20 ms can serve 200 samples/s; 1000 arrive each second, so latencies grow
# without bound.
zenith_cli_test(bench_synthetic_server_above 0 "Scenario : Server\n.*Result is : INVALID\n  Performance constraints satisfied : NO"
  bench --synthetic-ms 20 --synthetic-workers 4 -s Server --target-qps 1000 --target-latency-ms 50 ${SHORT})
zenith_cli_test(bench_synthetic_offline 0 "\"samples_per_second\": [0-9.]+,\n.*\"valid\": true"
  bench --synthetic-ms 1 --synthetic-workers 2 -s Offline --expected-qps 2000 ${SHORT} --json)
zenith_cli_test(bench_model_single 0 "SUT name : Zenith CPU \\(1 requests, batch 1\\)\nScenario : SingleStream\n.*Result is : VALID"
  bench ${D}/conv_small.onnx -s SingleStream --performance-sample-count 16 --target-latency-ms 0.01 ${SHORT})
zenith_cli_test(bench_model_offline 0 "\"queries\": 1,\n  \"samples\": [0-9]+,\n  \"samples_per_second\": [0-9.]+"
  bench ${D}/conv_small.onnx -s Offline --expected-qps 20000 --performance-sample-count 16 ${SHORT} --json)
zenith_cli_test(bench_logs 0 "MLPerf logs: .*bench_logs/mlperf_log_summary.txt"
  bench --synthetic-ms 1 -s SingleStream ${SHORT} --log-dir ${ZENITH_CLI_OUT}/bench_logs)

zenith_cli_test(bench_unknown_scenario 1 "unknown scenario 'Batch'; expected SingleStream, MultiStream, Server or Offline"
  bench --synthetic-ms 1 -s Batch)
zenith_cli_test(bench_bad_mode 1 "--mode 'fast': expected performance, accuracy or find-peak"
  bench --synthetic-ms 1 -s Offline --mode fast)
zenith_cli_test(bench_zero_qps 1 "command line:1: target_qps = 0 must be > 0"
  bench --synthetic-ms 1 -s Server --target-qps 0)
zenith_cli_test(bench_zero_latency 1 "command line:1: target_latency = 0 must be > 0"
  bench --synthetic-ms 1 -s Server --target-latency-ms 0)
zenith_cli_test(bench_qps_flag_of_another_scenario 1 "--target-qps sets Server's arrival rate; for Offline use --expected-qps"
  bench --synthetic-ms 1 -s Offline --target-qps 10)
zenith_cli_test(bench_find_peak_single 1 "find-peak.*Server"
  bench --synthetic-ms 1 -s SingleStream --mode find-peak)
zenith_cli_test(bench_accuracy_no_data 1 "--mode accuracy needs a dataset"
  bench ${D}/conv_small.onnx -s Offline --mode accuracy)
zenith_cli_test(bench_model_and_synthetic 1 "give a MODEL or --synthetic-ms, not both"
  bench ${D}/conv_small.onnx --synthetic-ms 1 -s Offline)
zenith_cli_test(bench_nothing 1 "give a MODEL to benchmark, or --synthetic-ms D" bench -s Offline)
zenith_cli_test(bench_bad_conf 1 "bad_user.conf:3: .resnet50.Offline target_qps 10. is not of the form model.scenario.key = value"
  bench --synthetic-ms 1 -s Offline --conf ${D}/bad_user.conf)
zenith_cli_test(bench_missing_conf 1 "nothere.conf"
  bench --synthetic-ms 1 -s Offline --conf ${D}/nothere.conf)

# 2 workers x 10 ms serve at most 200 samples/s; the peak under a 50 ms bound lies below that.
zenith_cli_test(bench_find_peak 0 "\"mode\": \"FindPeakPerformance\",\n.*\"target_qps\": 1?[0-9]?[0-9]\\.[0-9]+"
  bench --synthetic-ms 10 --synthetic-workers 2 -s Server --mode find-peak --target-qps 50
  --target-latency-ms 50 --min-duration-s 1 --min-query-count 100 --json)

# Datasets: Fashion-MNIST (Debian's dataset-fashion-mnist) through the zoo's CNN, whose PyTorch
# top-1 is 0.8825; MLPerf's closed division asks for 99% of it, 0.8737.
set(FASHION ${CMAKE_BINARY_DIR}/zoo/fashion_mnist.onnx --dataset fashion-mnist)
zenith_cli_test(bench_accuracy_fashion 0 "accuracy: top-1 = 0\\.(87[4-9]|8[89]|9)[0-9]* over 10000 samples\n  T-shirt/top"
  bench ${FASHION} -s Offline --mode accuracy --log-dir ${ZENITH_CLI_OUT}/bench_accuracy)
zenith_cli_test(bench_dataset_single 0 "Scenario : SingleStream\n.*Result is : VALID"
  bench ${FASHION} -s SingleStream --target-latency-ms 0.01 --performance-sample-count 256 ${SHORT})
set_tests_properties(cli.bench_accuracy_fashion cli.bench_dataset_single PROPERTIES
                     FIXTURES_REQUIRED zoo LABELS "cli;models")
zenith_cli_test(bench_dataset_wrong_input 1 "--dataset needs an f32 \\[N,C,H,W\\] input with known C, H and W; 'x' is f32\\[8,4\\]"
  bench ${D}/relu.onnx -s Offline --dataset fashion-mnist)
zenith_cli_test(bench_dataset_missing 1 "/nowhere"
  bench ${D}/conv_small.onnx -s Offline --dataset /nowhere)
unset(FASHION)
unset(SHORT)

# CheXNet's sigmoid head on a ChestX-ray14-style folder (written by make_images.py): per-finding
# AUROC for the two findings with positives and negatives, the others skipped and named.
zenith_cli_test(bench_accuracy_chestxray 0
  "accuracy: mean AUROC = [01]\\.[0-9]+ over 6 samples\n  Cardiomegaly +[01]\\.[0-9]+\n  Effusion +[01]\\.[0-9]+\n  skipped: Atelectasis: no positive samples"
  bench ${CMAKE_BINARY_DIR}/zoo/chexnet.onnx -s Offline --mode accuracy
  --dataset ${ZENITH_CLI_OUT}/images/chestxray)
set_tests_properties(cli.bench_accuracy_chestxray PROPERTIES FIXTURES_REQUIRED "zoo;cli_images"
                     LABELS "cli;models")

# Every scenario drives a zoo model end to end (whether a 1 s run is VALID depends on the
# machine's load, so either verdict passes; the synthetic runs above test the verdicts).
set(hint_SingleStream --target-latency-ms 5)
set(hint_MultiStream --target-latency-ms 40)
set(hint_Server --target-qps 50 --target-latency-ms 100)
set(hint_Offline --expected-qps 300)
foreach(scenario SingleStream MultiStream Server Offline)
  zenith_cli_test(bench_zoo_${scenario} 0 "SUT name : Zenith CPU.*\nScenario : ${scenario}\n.*Result is : (VALID|INVALID)"
    bench ${CMAKE_BINARY_DIR}/zoo/mobilenet_v2.onnx -s ${scenario} --min-duration-s 1
    --min-query-count 20 --performance-sample-count 16 ${hint_${scenario}})
  set_tests_properties(cli.bench_zoo_${scenario} PROPERTIES FIXTURES_REQUIRED zoo LABELS "cli;models")
  unset(hint_${scenario})
endforeach()

# Progress lines (bench, convert): on a (pseudo-)terminal only, erased before the results, off
# with --quiet.
add_test(NAME cli.progress
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/tools/progress_test.py $<TARGET_FILE:zenith>
                 ${CMAKE_SOURCE_DIR}/tests/tools/data ${CMAKE_BINARY_DIR}/cli_test/progress)
set_tests_properties(cli.progress PROPERTIES LABELS cli TIMEOUT 300 PASS_REGULAR_EXPRESSION "progress: passed")

# --plot FILE.svg: the picture's numbers are the run's.
add_test(NAME cli.bench_plot
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/tools/plot_test.py $<TARGET_FILE:zenith>
                 ${CMAKE_BINARY_DIR}/cli_test/plot)
set_tests_properties(cli.bench_plot PROPERTIES LABELS cli TIMEOUT 300 PASS_REGULAR_EXPRESSION "plot: passed")
# --plot FILE.png: the same drawing rasterized by librsvg; not under the sanitizers, whose leak
# check would report librsvg's caches, never freed by design.
if(NOT ZENITH_SANITIZE AND NOT ZENITH_SANITIZE_THREAD)
  add_test(NAME cli.bench_plot_png
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/tools/plot_test.py $<TARGET_FILE:zenith>
                   ${CMAKE_BINARY_DIR}/cli_test/plot_png png)
  set_tests_properties(cli.bench_plot_png PROPERTIES LABELS cli TIMEOUT 300
                       PASS_REGULAR_EXPRESSION "plot png: passed")
endif()
