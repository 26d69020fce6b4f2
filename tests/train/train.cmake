# The training plot opened by a PNG reader that is not ours (Debian's python3-pil).
add_test(NAME train.curve_plot_pil
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/train/check_plot_with_pil.py
                 $<TARGET_FILE:zenith_tests> ${CMAKE_BINARY_DIR}/train_test/curves.png)
set_tests_properties(train.curve_plot_pil PROPERTIES TIMEOUT 120)
