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

# A built-in model's run cut after 20 of its 32 steps and resumed from its checkpoint ends with
# the very bytes of the run never cut; the resumed run's .zir runs as written.
set(RESUME train --model small-cnn --limit 512 --batch 32 --epochs 2 --lr 0.05 --momentum 0.9
    --val-dataset none -t 1)
zenith_cli_test(train_resume_full 0 "epoch 2/2 step 16/16 .*written to"
  ${RESUME} -o ${TR}/full.onnx)
zenith_cli_test(train_resume_cut 0 "stopped after step 20 of 32; --resume continues from there"
  ${RESUME} --checkpoint-dir ${TR}/resume --stop-after-steps 20 -o ${TR}/cut.onnx)
zenith_cli_test(train_resume_continue 0
  "resumed from .*checkpoint.zck at step 20 \\(epoch 2, step 4\\).*epoch 2/2 step 16/16"
  ${RESUME} --checkpoint-dir ${TR}/resume --resume -o ${TR}/resumed.onnx --zir ${TR}/resumed.zir)
add_test(NAME cli.train_resume_same
         COMMAND ${CMAKE_COMMAND} -E compare_files ${TR}/full.onnx ${TR}/resumed.onnx)
zenith_cli_test(train_resume_zir 0 "logits +f32 +\\[1,10\\]" run ${TR}/resumed.zir)
zenith_cli_test(train_resume_other_run 1
  "checkpoint.zck: the checkpoint's batch is '32', this run's '16': it is another run"
  train --model small-cnn --limit 512 --batch 16 --checkpoint-dir ${TR}/resume --resume
  -o ${TR}/bad.onnx)
set_tests_properties(cli.train_resume_full cli.train_resume_cut PROPERTIES FIXTURES_SETUP train_cut)
set_tests_properties(cli.train_resume_continue PROPERTIES FIXTURES_REQUIRED train_cut
                     FIXTURES_SETUP train_resumed DEPENDS cli.train_resume_cut)
set_tests_properties(cli.train_resume_same cli.train_resume_zir cli.train_resume_other_run
                     PROPERTIES FIXTURES_REQUIRED train_resumed)
zenith_cli_test(train_unknown_builtin 1 "--model vgg: no such file, nor a built-in model \\(small-cnn, "
  train --model vgg -o ${TR}/bad.onnx)
zenith_cli_test(train_classes_for_file 1 "--classes and --input-shape are for built-in models"
  train --model ${T}/fashion_cnn.onnx --classes 3 -o ${TR}/bad.onnx)
zenith_cli_test(train_resume_without_dir 1 "--resume continues from --checkpoint-dir's checkpoint"
  train --model small-cnn --resume -o ${TR}/bad.onnx)
# Multi-label training of a built-in model on single-label data (each sample one finding), its
# positives weighed as CheXNet weighs its findings: Fashion-MNIST's classes are a tenth each, so
# every weight is about 9 (two digits at most); the deployed model ends in a sigmoid.
string(REPEAT ", 1?[0-9]\\.[0-9]+" 9 NINE_WEIGHTS)
zenith_cli_test(train_multi_label 0
  "positive weights: 1?[0-9]\\.[0-9]+${NINE_WEIGHTS}\n.*AUROC per finding.*written to"
  train --model small-cnn --multi-label --pos-weight auto --limit 256 --val-count 200 -t 1
  -o ${TR}/multi_label.onnx)
set_tests_properties(cli.train_multi_label PROPERTIES FIXTURES_SETUP train_multi_label)
zenith_cli_test(run_multi_label 0 "probabilities +f32 +\\[1,10\\] +0\\.[0-9]+ +0\\.[0-9]+"
  run ${TR}/multi_label.onnx)
set_tests_properties(cli.run_multi_label PROPERTIES FIXTURES_REQUIRED train_multi_label)
zenith_cli_test(train_bad_pos_weight 1 "--pos-weight '1,2': expected auto or 10 positive numbers"
  train --model small-cnn --multi-label --pos-weight 1,2 --limit 64 -o ${TR}/bad.onnx)
# The trained gray model classifies an image (its luma) as trained: pixels / 255.
zenith_cli_test(classify_gray 0 "1 image in batches of 1, 28x28; head: logits.*red.png\n +class [0-9] +0\\.[0-9]+"
  classify -m ${TR}/fashion_trained.onnx -i ${ZENITH_CLI_OUT}/images/red.png --mean 0 --scale 255)
set_tests_properties(cli.classify_gray PROPERTIES FIXTURES_REQUIRED "cli_trained;cli_images")
# --log-dir: TensorBoard's event file and the curves' PNG (their formats: tests/train).
zenith_cli_test(train_logs 0 "logs: .*/logs/events.out.tfevents.[0-9]+.* \\(TensorBoard\\) and .*/logs/curves.png"
  train --model small-cnn --limit 128 --val-count 100 -t 1 --log-dir ${TR}/logs -o ${TR}/logged.onnx)
add_test(NAME cli.train_logs_png COMMAND ${CMAKE_COMMAND} -E md5sum ${TR}/logs/curves.png)
set_tests_properties(cli.train_logs PROPERTIES FIXTURES_SETUP train_logs)
set_tests_properties(cli.train_logs_png PROPERTIES FIXTURES_REQUIRED train_logs)

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
# --val-split: a quarter of 512 training images held out and validated on each epoch.
zenith_cli_test(train_val_split 0
  "\\(training part, 75%\\) \\(384 samples.*validation top-1 on 128 samples of .*\\(validation part, 25%\\) 0\\.[0-9]+"
  train --model small-cnn --limit 512 --val-split 0.25 -t 1 -o ${TR}/val_split.onnx)
zenith_cli_test(train_val_split_and_dataset 1 "--val-split and --val-dataset both name validation data"
  train --model small-cnn --limit 512 --val-split 0.25 --val-dataset fashion-mnist -o ${TR}/bad.onnx)
zenith_cli_test(train_val_split_empty 1 "--val-split 1: expected a fraction in \\(0, 1\\)"
  train --model small-cnn --limit 512 --val-split 1 -o ${TR}/bad.onnx)
