# Model tests: export the zoo (torchvision models with PyTorch's outputs), run each model on REF and CPU
# with `zenith run`, and compare with PyTorch. Slow (minutes): label `models`, so
# `ctest -LE models` skips them and `ctest -L models` runs only them.
set(ZENITH_ZOO ${CMAKE_BINARY_DIR}/zoo)
add_test(NAME models.export_zoo
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/models/export_zoo.py ${ZENITH_ZOO})
set_tests_properties(models.export_zoo PROPERTIES FIXTURES_SETUP zoo LABELS models TIMEOUT 1800)

foreach(device REF CPU)
  string(TOLOWER ${device} suffix)
  foreach(model resnet50 mobilenet_v2 chexnet)
    add_test(NAME models.${model}.${suffix}
             COMMAND ${CMAKE_COMMAND} -DZENITH=$<TARGET_FILE:zenith> -DZOO=${ZENITH_ZOO}
                     -DMODEL=${model} -DDEVICE=${device}
                     -DOUT=${CMAKE_BINARY_DIR}/model_out/${model}.${suffix}
                     -P ${CMAKE_SOURCE_DIR}/tests/models/run_model.cmake)
    set_tests_properties(models.${model}.${suffix} PROPERTIES
                         FIXTURES_REQUIRED zoo LABELS models TIMEOUT 1800)
  endforeach()
endforeach()

# The zoo's one trained model: a Fashion-MNIST CNN with PyTorch's test-set accuracy, a second
# setup of the same fixture so the torchvision models keep their own stamp.
# Both trainings run PyTorch on 2 threads, so they claim both of ctest's slots (PROCESSORS 2):
# beside the other tests on a 2-core CI machine, both oversubscribed, the multi-label one took
# 566 s and the Fashion-MNIST one 240 s of a fresh-clone run (86 s and 32 s of training alone).
add_test(NAME models.train_fashion_mnist
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/models/train_fashion_mnist.py ${ZENITH_ZOO})
set_tests_properties(models.train_fashion_mnist PROPERTIES
                     FIXTURES_SETUP zoo LABELS models TIMEOUT 900 PROCESSORS 2)
# The multi-label model: a small DenseNet with a sigmoid head, PyTorch's AUROC per class. The
# timeout is a guard against a hang, not a bound on speed.
add_test(NAME models.train_fashion_multilabel
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/models/train_fashion_multilabel.py ${ZENITH_ZOO})
set_tests_properties(models.train_fashion_multilabel PROPERTIES
                     FIXTURES_SETUP zoo LABELS models TIMEOUT 1800 PROCESSORS 2)
add_test(NAME models.fashion_mnist_accuracy
         COMMAND $<TARGET_FILE:zenith_tests> --gtest_filter=AccuracyZoo.*)
set_tests_properties(models.fashion_mnist_accuracy PROPERTIES FIXTURES_REQUIRED zoo LABELS models TIMEOUT 600)
