# `zenith convert`, and the .zir files it writes read by `info`, `run` and `classify`.
# Included by tools.cmake, whose zenith_cli_test, D and I it uses.
set(Z ${ZENITH_CLI_OUT}/zir)
zenith_cli_test(convert 0
  "input 'x': f32\\[batch,3,16,16\\] -> f32\\[2,3,16,16\\]\nshape inference: 1 outputs and annotated values now static\npasses:\n.*nodes 2 -> 2, initializers 1 -> 1\nsize: [0-9.]+ MB -> [0-9.]+ MB"
  convert ${D}/conv_small.onnx -o ${Z}_conv_small.zir --input-shape 2,3,16,16)
zenith_cli_test(convert_colour 0 "size:" convert ${D}/colour_softmax.onnx -o ${Z}_colour.zir --no-passes)
set_tests_properties(cli.convert cli.convert_colour PROPERTIES FIXTURES_SETUP cli_zir)
zenith_cli_test(info_zir 0
  "format: +\\.zir version 1, written by zenith [0-9.]+\ncompression: +none\npasses: +freeze_input_shapes, einsum_to_matmul, qlinear_decomposition, identity_elimination, shape_folding, constant_folding, batch_norm_folding, layer_norm_fusion, gelu_fusion, swish_fusion, attention_fusion, qconv_fusion, qmatmul_fusion, dead_node_elimination, conv_tap_trimming, pool_before_pointwise_conv\ninput_shape.x: +\\[2,3,16,16\\]\nsource: +conv_small.onnx\n.*input: +x +f32\\[2,3,16,16\\]"
  info ${Z}_conv_small.zir)
zenith_cli_test(info_zir_json 0 "\"zir\": {\n +\"compression\": \"none\"" info ${Z}_colour.zir --json)
zenith_cli_test(run_zir 0 "y +f32 +\\[2,8,16,16\\]" run ${Z}_conv_small.zir -d CPU)
zenith_cli_test(run_zir_wrong_shape 1 "input 'x': .*x_2x4.npy has shape \\[2,4\\], the model expects f32\\[2,3,16,16\\]"
                run ${Z}_conv_small.zir -i x=${D}/x_2x4.npy)
zenith_classify_test(zir 0 "head: softmax\n.*red.png\n +red +0.8798" -m ${Z}_colour.zir -i ${I}/red.png
                     --labels ${D}/colours.txt)
set_tests_properties(cli.info_zir cli.info_zir_json cli.run_zir cli.run_zir_wrong_shape
                     PROPERTIES FIXTURES_REQUIRED cli_zir)
set_tests_properties(cli.classify_zir PROPERTIES FIXTURES_REQUIRED "cli_zir;cli_images")

# fp16: both of downsample.onnx's weights are large enough to compress, and its outputs allow it.
zenith_cli_test(convert_fp16 0
  "fp16: all 2 candidate weights in f16 give [0-9.e-]+x the tolerance \\(rtol 0.01, atol 0.001\\) on seeded random \\(seed 0\\) inputs; none kept f32\nfp16: 2 of 2 constants stored as f16, 0 kept f32; the written file gives [0-9.e-]+x the tolerance\nsize: .*\\(0\\.[0-9]+x\\)"
  convert ${D}/downsample.onnx -o ${Z}_downsample16.zir --compress fp16)
# With no tolerance to spare, both stay f32.
zenith_cli_test(convert_fp16_tight 0 "2 kept f32 \\(0x\\).*fp16: 0 of 2 constants stored as f16, 2 kept f32"
                convert ${D}/downsample.onnx -o ${Z}_downsample_tight.zir --compress fp16
                --rtol 0 --atol 1e-12)

# int8 without data: calibrated on seeded random inputs, with the warning, then run as written.
zenith_cli_test(convert_int8 0
  "int8: calibrated 1 activations \\(entropy\\) on 300 samples of seeded random values \\(seed 0\\); quantized 1 Conv\nint8: output 'y' cosine similarity to f32 0\\.99[0-9]+.*warning: no --calib-data: calibrating on seeded random inputs"
  convert ${D}/conv_small.onnx -o ${Z}_conv_small_int8.zir --input-shape 2,3,16,16 --precision int8
  --calib-method entropy --export-qdq ${Z}_conv_small_qdq.onnx)
set_tests_properties(cli.convert_int8 PROPERTIES FIXTURES_SETUP cli_zir_int8)
zenith_cli_test(run_zir_int8 0 "y +f32 +\\[2,8,16,16\\]" run ${Z}_conv_small_int8.zir -d CPU)
# The same quantization as standard QDQ ONNX: ONNX's checker accepts it, and it runs as INT8.
zenith_cli_test(run_exported_qdq 0 "placement on CPU for x=\\[2,3,16,16\\], precision f32:\n +QConv +1 CPU +int8 1"
  info ${Z}_conv_small_qdq.onnx -d CPU)
set_tests_properties(cli.run_exported_qdq PROPERTIES FIXTURES_REQUIRED cli_zir_int8)
# bf16: measured, then recorded in the file, which run and info then compile in BF16 (f32 on a
# CPU without BF16 instructions, which the placement shows) unless told otherwise.
zenith_cli_test(convert_bf16 0
  "bf16: output 'y' relative L2 error to f32 [0-9.e-]+ on seeded random inputs \\(seed 0\\)\nbf16: [0-9.e-]+ ms per run against f32's [0-9.e-]+ ms"
  convert ${D}/conv_small.onnx -o ${Z}_conv_small_bf16.zir --input-shape 2,3,16,16 --precision bf16)
set_tests_properties(cli.convert_bf16 PROPERTIES FIXTURES_SETUP cli_zir_bf16)
zenith_cli_test(info_zir_bf16 0 "precision: +bf16\n.*placement on CPU for x=\\[2,3,16,16\\], precision bf16:\n +Conv +1 CPU +(bf16|f32) 1"
  info ${Z}_conv_small_bf16.zir -d CPU)
zenith_cli_test(run_zir_bf16 0 "precision bf16 on CPU: nodes computing in each: (bf16|f32) 1\n"
  run ${Z}_conv_small_bf16.zir)
set_tests_properties(cli.info_zir_bf16 cli.run_zir_bf16 PROPERTIES FIXTURES_REQUIRED cli_zir_bf16)
zenith_cli_test(convert_export_qdq_needs_int8 1 "--export-qdq writes a quantized model: it needs --precision int8"
  convert ${D}/conv_small.onnx -o ${Z}_bad.zir --export-qdq ${Z}_bad.onnx)
zenith_cli_test(info_zir_int8 0
  "precision: +int8\n.*quantization: 1 activations, 1 weights and biases\n +activation +x +i8 +scale 0\\.0078[0-9]+ +zero point 0\n +weight +w/quantized +i8 +8 scales [0-9.]+\\.\\.[0-9.]+ \\(axis 0\\) +zero point 0"
  info ${Z}_conv_small_int8.zir)
set_tests_properties(cli.run_zir_int8 cli.info_zir_int8 PROPERTIES FIXTURES_REQUIRED cli_zir_int8)
zenith_cli_test(convert_bad_precision 1 "--precision 'int4': expected f32 \\(or fp32\\), bf16 or int8"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --precision int4)
zenith_cli_test(convert_metric_needs_labels 1
  "--metric top1 needs labeled validation data: --val-data \\(or --calib-data\\) naming a dataset"
  convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape 2,3,16,16 --precision int8 --metric top1)
zenith_cli_test(convert_bad_calib_method 1 "--calib-method 'kl': expected minmax, percentile or entropy"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape 2,3,16,16 --precision int8
                --calib-method kl)
zenith_cli_test(convert_bad_max_drop 1 "--max-drop 'abc': expected a fraction such as 0.01 or a percentage such as 1%"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape 2,3,16,16 --precision int8
                --metric output-error --max-drop abc)
zenith_cli_test(convert_int8_no_samples 1 "--calib-count must be at least 1"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --precision int8 --calib-count 0)

zenith_cli_test(convert_bad_shape 1 "input 'x' is f32\\[batch,3,16,16\\], which \\[2,3,16\\] does not fit"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape 2,3,16)
zenith_cli_test(convert_bad_dims 1 "--input-shape '2,a': expected dims such as 1,3,224,224"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape x=2,a)
zenith_cli_test(convert_unknown_input 1 "the model has no input 'q'; its inputs are 'x'"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --input-shape q=1)
zenith_cli_test(convert_bad_compress 1 "--compress 'int4': expected none or fp16"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --compress int4)
zenith_cli_test(convert_bad_tolerance 1 "--rtol 0 / --atol 0: expected non-negative values, not both 0"
                convert ${D}/conv_small.onnx -o ${Z}_bad.zir --compress fp16 --rtol 0 --atol 0)
zenith_cli_test(convert_unwritable 1 "nonexistent/x.zir[.a-z]*: cannot write the file: No such file"
                convert ${D}/conv_small.onnx -o ${ZENITH_CLI_OUT}/nonexistent/x.zir)
zenith_cli_test(convert_bad_model 1 "truncated.onnx: not a valid ONNX model"
                convert ${ZENITH_CLI_OUT}/truncated.onnx -o ${Z}_bad.zir)
set_tests_properties(cli.convert_bad_model PROPERTIES FIXTURES_REQUIRED cli_bad_files)

# zenith bench on a .zir whose batch is frozen at 2: 1,101 samples (1.1 x 1 s x 1001/s) end on
# a batch of one, padded to two.
zenith_cli_test(bench_fixed_batch 0 "\"samples\": 1101,\n.*\"sut\": \"Zenith CPU \\(2 requests, batch 2\\)\""
  bench ${Z}_conv_small.zir -s Offline --expected-qps 1001 --min-duration-s 1 --min-query-count 1
  --performance-sample-count 16 --json)
set_tests_properties(cli.bench_fixed_batch PROPERTIES FIXTURES_REQUIRED cli_zir)
unset(Z)
