# Tests of the `zenith` CLI: unit tests of its helpers (the zenith_tools library) and runs of the
# built binary on good and bad input, each checking the exit code and the message.

set(ZENITH_CLI_DATA ${CMAKE_SOURCE_DIR}/tests/tools/data)
set(ZENITH_CLI_OUT ${CMAKE_BINARY_DIR}/cli_test)

add_test(NAME cli.make_bad_files
         COMMAND ${CMAKE_COMMAND}
                 -DSOURCE=/usr/share/libonnx-testdata/data/node/test_abs/model.onnx
                 -DOUT=${ZENITH_CLI_OUT} -P ${CMAKE_SOURCE_DIR}/tests/tools/make_bad_files.cmake)
set_tests_properties(cli.make_bad_files PROPERTIES FIXTURES_SETUP cli_bad_files)

# zenith_cli_test(NAME RC REGEX ARGS...): runs `zenith ARGS...`, expects exit code RC and
# output matching REGEX.
function(zenith_cli_test name rc regex)
  list(JOIN ARGN "@@" joined)
  add_test(NAME cli.${name}
           COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:zenith>@@${joined}"
                   -DEXPECT_RC=${rc} "-DEXPECT_REGEX=${regex}"
                   -P ${CMAKE_SOURCE_DIR}/tests/tools/expect_exit.cmake)
  set_tests_properties(cli.${name} PROPERTIES TIMEOUT 120 LABELS cli)
endfunction()

set(D ${ZENITH_CLI_DATA})
zenith_cli_test(no_subcommand 2 "subcommand is required")
zenith_cli_test(unknown_option 2 "bogus" run ${D}/relu.onnx --bogus)
zenith_cli_test(bad_repeat 2 "repeat" run ${D}/relu.onnx --repeat 0)
zenith_cli_test(missing_model 1 "nonexistent.onnx: no such model file" run ${D}/nonexistent.onnx)
zenith_cli_test(truncated_onnx 1 "truncated.onnx: not a valid ONNX model"
                run ${ZENITH_CLI_OUT}/truncated.onnx)
zenith_cli_test(garbage_onnx 1 "garbage.onnx: not a valid ONNX model"
                info ${ZENITH_CLI_OUT}/garbage.onnx)
set_tests_properties(cli.truncated_onnx cli.garbage_onnx PROPERTIES FIXTURES_REQUIRED cli_bad_files)
zenith_cli_test(unknown_op 1 "unknown_op.onnx: .*FrobnicateTensor.*frob" run ${D}/unknown_op.onnx)
zenith_cli_test(opset18 1 "opset18.onnx: the model imports opset 18" run ${D}/opset18.onnx)
zenith_cli_test(missing_value 1 "missing_value.onnx: .*'bias'.*add_bias" run ${D}/missing_value.onnx)
zenith_cli_test(huge_initializer 1 "huge_initializer.onnx: .*initializer 'w'.*1048576"
                info ${D}/huge_initializer.onnx)
zenith_cli_test(huge_input_run 1 "huge_input.onnx: input 'x': .*1048576.*limit"
                run ${D}/huge_input.onnx)
# `info` only reads shapes, so a huge declared input is no reason to fail.
zenith_cli_test(huge_input_info 0 "x  f32\\[1048576,1048576\\]" info ${D}/huge_input.onnx)
zenith_cli_test(unknown_device 1 "unknown device 'NPU'" run ${D}/relu.onnx -d NPU)
zenith_cli_test(unknown_input 1 "no input 'q'; its inputs are 'x'"
                run ${D}/relu.onnx -i q=${D}/x_2x4.npy)
zenith_cli_test(bad_input_spec 1 "expected NAME=FILE.npy" run ${D}/relu.onnx -i x)
zenith_cli_test(wrong_dtype 1 "input 'x': .*x_f64.npy has dtype f64, the model expects f32"
                run ${D}/relu.onnx -i x=${D}/x_f64.npy)
zenith_cli_test(wrong_shape 1 "input 'x': .*x_1x5.npy has shape \\[1,5\\], the model expects f32\\[batch,4\\]"
                run ${D}/relu.onnx -i x=${D}/x_1x5.npy)
zenith_cli_test(missing_npy 1 "nonexistent.npy: no such .npy file"
                run ${D}/relu.onnx -i x=${D}/nonexistent.npy)
zenith_cli_test(truncated_npy 1 "truncated.npy: the shape \\[2,4\\] of dtype f32 needs 8 elements"
                run ${D}/relu.onnx -i x=${D}/truncated.npy)
zenith_cli_test(bad_magic_npy 1 "bad_magic.npy: not a .npy file \\(bad magic"
                run ${D}/relu.onnx -i x=${D}/bad_magic.npy)
zenith_cli_test(compare_missing 1 "nonexistent.npy: no such" compare ${D}/x_2x4.npy ${D}/nonexistent.npy)
zenith_cli_test(compare_shape 1 "has shape \\[2,4\\] but .* has shape \\[1,5\\]"
                compare ${D}/x_2x4.npy ${D}/x_1x5.npy)

# Good runs: relu on a file input, written out and compared with NumPy's result.
zenith_cli_test(run_relu 0 "y +f32 +\\[2,4\\] +0 +3 +0.75 +.*y.npy.*time per inference"
                run ${D}/relu.onnx -i x=${D}/x_2x4.npy -o ${ZENITH_CLI_OUT}/relu)
set_tests_properties(cli.run_relu PROPERTIES FIXTURES_SETUP cli_relu_out)
zenith_cli_test(compare_relu 0 "max abs error 0.*match" compare ${ZENITH_CLI_OUT}/relu/y.npy ${D}/y_2x4.npy)
set_tests_properties(cli.compare_relu PROPERTIES FIXTURES_REQUIRED cli_relu_out)
zenith_cli_test(compare_mismatch 1 "max abs error 4.*4 of 8 elements differ"
                compare ${D}/x_2x4.npy ${D}/y_2x4.npy)
zenith_cli_test(run_random 0 "random f32\\[1,3,16,16\\] \\(seed 3; dimension 0 'batch' set to 1\\).*median of 2 runs after a first one"
                run ${D}/conv_small.onnx --seed 3 --repeat 3)
zenith_cli_test(run_profile 0 "node +op +device +implementation +layout +ms +%\nconv +Conv.Relu +CPU +[a-z0-9_]+:[^ ]+ .* [a-zA-Z0-9]+ .*\ntotal"
                run ${D}/conv_small.onnx --profile)
zenith_cli_test(info_json 0 "\"macs\": 55296" info ${D}/conv_small.onnx --json)
zenith_cli_test(info_text 0 "FLOPs: +113 KFLOPs per inference \\(55.3 KMACs.*Conv +1" info ${D}/conv_small.onnx)
# --precision: what each convolution computes in (bf16 where the CPU has BF16 instructions, which
# tests/cpu/bf16_test.cpp checks per host; the CLI only passes the setting on).
zenith_cli_test(info_precision 0
  "placement on CPU for x=\\[1,3,16,16\\], precision bf16:\n +Conv +1 CPU +(bf16|f32) 1"
  info ${D}/conv_small.onnx -d CPU --precision bf16)
zenith_cli_test(run_precision 0 "precision auto on CPU: nodes computing in each: (bf16|f32) 1\n"
  run ${D}/conv_small.onnx --precision auto)
zenith_cli_test(bench_bad_precision 1
  "inference precision 'fp16': expected f32 \\(or fp32\\), bf16 or auto"
  bench ${D}/conv_small.onnx -s Offline --precision fp16)
zenith_cli_test(run_top_imagenet 0 "top 1 of 'y' row 0:\n +7 +[0-9.]+ +cock"
                run ${D}/colour_imagenet.onnx -i x=${D}/red_1x3x8x8.npy --top 1)
zenith_cli_test(run_top 0 "top 2 of 'y' row 1:\n +3 +3 +delta\n +2 +2 +gamma"
                run ${D}/relu.onnx -i x=${D}/x_2x4.npy --top 2 --labels ${D}/labels4.txt)
zenith_cli_test(missing_labels 1 "nolabels.txt: cannot open the labels file"
                run ${D}/relu.onnx --top 2 --labels ${D}/nolabels.txt)

# `zenith classify` on images the fixture makes with PIL, through the two colour classifiers.
set(I ${ZENITH_CLI_OUT}/images)
add_test(NAME cli.make_images COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/tools/make_images.py ${I})
set_tests_properties(cli.make_images PROPERTIES FIXTURES_SETUP cli_images LABELS cli)
function(zenith_classify_test name rc regex)
  zenith_cli_test(classify_${name} ${rc} "${regex}" classify ${ARGN})
  set_tests_properties(cli.classify_${name} PROPERTIES FIXTURES_REQUIRED cli_images)
endfunction()
set(SOFTMAX -m ${D}/colour_softmax.onnx --labels ${D}/colours.txt)
zenith_classify_test(softmax 0 "head: softmax\n.*red.png\n +red +0.8798 +\\(class 0\\)\n.*green.png\n +green +0.8983 +\\(class 1\\)"
                     ${SOFTMAX} -i ${I}/red.png ${I}/green.png --top 2)
zenith_classify_test(jpeg_async 0 "red.jpg\n +red +0.87.*red.png\n +red +0.8798.*green.png\n +green +0.8983.*async, 2 requests"
                     ${SOFTMAX} -i ${I}/red.jpg ${I}/red.png ${I}/green.png --top 1 --async 2)
zenith_classify_test(batched 0 "in batches of 2.*red.png\n +red +0.8798.*green.png\n +green +0.8983.*red.png\n +red +0.8798.*2 batches"
                     ${SOFTMAX} -i ${I}/red.png ${I}/green.png ${I}/red.png --top 1 --batch 2)
zenith_classify_test(sigmoid 0 "head: sigmoid \\(multi-label\\)\n.*red.png\n +red +0.9046\n[^ ]"
                     -m ${D}/colour_sigmoid.onnx --labels ${D}/colours.txt -i ${I}/red.png)
zenith_classify_test(sigmoid_none 0 "no finding above 0.95 \\(highest: red 0.9046\\)"
                     -m ${D}/colour_sigmoid.onnx --labels ${D}/colours.txt -i ${I}/red.png --threshold 0.95)
zenith_classify_test(per_layer 0 "per-layer counters.*\nnode +op +device +implementation +layout +ms +%\n"
                     ${SOFTMAX} -i ${I}/red.png -pc)
# A 1000-class model without --labels: ImageNet's names, built in (red is class 7, green class 1).
zenith_classify_test(imagenet_names 0
  "class names: ImageNet's.*red.png\n +cock +1\\.0000 +\\(class 7\\).*green.png\n +goldfish +1\\.0000 +\\(class 1\\)"
  -m ${D}/colour_imagenet.onnx -i ${I}/red.png ${I}/green.png --top 1)
zenith_classify_test(not_an_image 1 "text.jpg: not a JPEG or PNG image" ${SOFTMAX} -i ${I}/text.jpg)
zenith_classify_test(truncated 1 "truncated.jpg: truncated JPEG file" ${SOFTMAX} -i ${I}/truncated.jpg)
zenith_classify_test(missing_image 1 "nothere.png: no such image file" ${SOFTMAX} -i ${I}/nothere.png)
zenith_classify_test(bad_mean 1 "--mean '1,2': expected three numbers R,G,B" ${SOFTMAX} -i ${I}/red.png --mean 1,2)
zenith_classify_test(bad_size 1 "--size '8': expected HxW" ${SOFTMAX} -i ${I}/red.png --size 8)
zenith_classify_test(not_a_classifier 1 "one f32 input of shape \\[N,3,H,W\\] \\(or \\[N,1,H,W\\]: gray\\); its first input 'x' is f32\\[batch,4\\]"
                     -m ${D}/relu.onnx -i ${I}/red.png)

# The zoo models (exported by the models.export_zoo fixture) on a JPEG and a PNG.
foreach(model chexnet resnet50 mobilenet_v2)
  set(head "head: logits \\(softmax applied here\\)")
  set(labels "")
  if(model STREQUAL "chexnet")
    set(head "head: sigmoid \\(multi-label\\)")
    set(labels --labels ${CMAKE_SOURCE_DIR}/share/labels/chestxray14.txt --threshold 0)
  endif()
  zenith_classify_test(zoo_${model} 0 "${head}\n.*red.jpg\n  [A-Za-z_ 0-9]+ +[01]\\.[0-9]+.*green.png\n  [A-Za-z_ 0-9]+ +[01]\\.[0-9]+.*async, 2 requests"
                       -m ${CMAKE_BINARY_DIR}/zoo/${model}.onnx -i ${I}/red.jpg ${I}/green.png --async 2 ${labels})
  set_tests_properties(cli.classify_zoo_${model} PROPERTIES FIXTURES_REQUIRED "cli_images;zoo" LABELS "cli;models")
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/convert_cli.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/bench_cli.cmake)
unset(SOFTMAX)
unset(I)
unset(D)
include(${CMAKE_CURRENT_LIST_DIR}/train_cli.cmake)
