# `zenith train` on Fashion-MNIST (Debian's dataset-fashion-mnist) with the small untrained CNN
# tests/train/make_pytorch_gradients.py exports in training form: one epoch on 2,048 images
# lifts its test accuracy from chance (0.1) to above 0.5; the trained model then runs as written.
set(T ${CMAKE_SOURCE_DIR}/tests/train/data)
set(TR ${ZENITH_CLI_OUT}/train)
file(MAKE_DIRECTORY ${TR})
zenith_cli_test(train_fashion 0
  "training .*fashion_cnn.onnx on fashion-mnist training set .*2048 samples, 64 steps of 32 per epoch.*\nepoch 1/1 step 64/64 loss [0-9.]+ .*epoch 1: validation top-1 on 1000 samples of fashion-mnist [^\n]* 0\\.[5-9][0-9]+\ntrained model written"
  train --model ${T}/fashion_cnn.onnx --limit 2048 --batch 32 --optimizer sgd --lr 0.05
  --momentum 0.9 -t 1 -o ${TR}/fashion_trained.onnx)
set_tests_properties(cli.train_fashion PROPERTIES FIXTURES_SETUP cli_trained)
zenith_cli_test(run_trained 0 "logits +f32 +\\[1,10\\]" run ${TR}/fashion_trained.onnx)
set_tests_properties(cli.run_trained PROPERTIES FIXTURES_REQUIRED cli_trained)
zenith_cli_test(train_inference_form 1
  "BatchNormalization\\) is in inference mode.*export the model in training form"
  train --model ${T}/fashion_inference.onnx --limit 64 -o ${TR}/bad.onnx)
zenith_cli_test(train_diverged 1 "the loss is (nan|inf|-inf): training diverged"
  train --model ${T}/fashion_cnn.onnx --limit 64 --lr 1e30 -o ${TR}/bad.onnx)
zenith_cli_test(train_small_dataset 1 "--batch 100: the dataset has only 64 samples"
  train --model ${T}/fashion_cnn.onnx --limit 64 --batch 100 -o ${TR}/bad.onnx)
zenith_cli_test(train_bad_optimizer 1 "optimizer 'rmsprop': expected sgd, adam, adamw or lars"
  train --model ${T}/fashion_cnn.onnx --limit 64 --optimizer rmsprop -o ${TR}/bad.onnx)
zenith_cli_test(train_bad_schedule 1 "--schedule 'linear': expected none, step or cosine"
  train --model ${T}/fashion_cnn.onnx --limit 64 --schedule linear -o ${TR}/bad.onnx)
