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

# The training data sources: npy folders (float samples as they are, uint8 pixels), class
# folders with --augment, ChestX-ray14 parts, and their errors. The fixture writes them.
set(TD ${ZENITH_CLI_OUT}/train_data)
add_test(NAME cli.make_train_data
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/train/make_train_data.py ${TD})
set_tests_properties(cli.make_train_data PROPERTIES FIXTURES_SETUP cli_train_data LABELS cli)
function(zenith_train_data_test name rc regex)
  zenith_cli_test(${name} ${rc} "${regex}" train --model ${T}/fashion_cnn.onnx --batch 16
                  -o ${TR}/data_${name}.onnx ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES FIXTURES_REQUIRED cli_train_data)
endfunction()
zenith_train_data_test(train_npy 0
  "on npy .*npy_float \\(64 samples, 4 steps of 16 per epoch\\).*epoch 1/1 step 4/4 loss [0-9.]+"
  --dataset npy:${TD}/npy_float --loader-threads 2)
zenith_train_data_test(train_npy_pixels 0 "on npy .*npy_pixels \\(64 samples.*step 4/4 loss [0-9.]+"
  --dataset npy:${TD}/npy_pixels --augment --mean 0 --scale 255)
zenith_train_data_test(train_image_folder 0
  "on image folder .*classes \\(32 samples, 2 steps of 16.*step 2/2 loss [0-9.]+"
  --dataset imagefolder:${TD}/classes --augment --loader-threads 0)
zenith_train_data_test(train_npy_wrong_size 1
  "npy_small/inputs.npy: the samples are \\[1,20,20\\], but the model input takes \\[1,28,28\\]"
  --dataset npy:${TD}/npy_small)
zenith_train_data_test(train_npy_augment_float 1
  "npy_float/inputs.npy: f32\\[64,1,28,28\\] holds no images to augment"
  --dataset npy:${TD}/npy_float --augment)
zenith_train_data_test(train_chestxray_part 1 "unknown part 'holdout'; expected train, val or test"
  --dataset chestxray14:${TD}:holdout)
zenith_train_data_test(train_no_class_folders 1 "no class folders; expected DIR/CLASS/\\*.png\\|jpg"
  --dataset imagefolder:${TD}/npy_float)
unset(TD)
