# The CPU device's tests again with oneDNN held to AVX2, where its kernels block channels by 8
# instead of 16 (devices/cpu/channel_block.h): every differential test and the check that no step
# runs a oneDNN reference kernel. ONEDNN_MAX_CPU_ISA is read once, when oneDNN starts, so it is
# set for the process.
add_test(NAME cpu.avx2 COMMAND zenith_tests --gtest_filter=Cpu*:*/NoRefKernels.*)
set_tests_properties(cpu.avx2 PROPERTIES ENVIRONMENT ONEDNN_MAX_CPU_ISA=AVX2 TIMEOUT 900)

# No zoo model runs a oneDNN reference kernel with AVX2 either (with the host's ISA the suite is
# discovered with the other *Zoo* suites, CMakeLists.txt). It needs the zoo (`ctest -L models`).
add_test(NAME models.no_ref_kernels.avx2 COMMAND zenith_tests --gtest_filter=*NoRefKernelsZoo.*)
set_tests_properties(models.no_ref_kernels.avx2 PROPERTIES FIXTURES_REQUIRED zoo LABELS models
                     TIMEOUT 1800 ENVIRONMENT ONEDNN_MAX_CPU_ISA=AVX2)

# The INT8 and BF16 steps with AVX-512 but neither VNNI nor BF16 instructions (a Skylake server):
# INT8 on 7-bit weights, BF16 computed in f32 (the suites assert which path they took).
add_test(NAME cpu.avx512_core COMMAND zenith_tests --gtest_filter=CpuInt8*:CpuBf16*)
set_tests_properties(cpu.avx512_core PROPERTIES ENVIRONMENT ONEDNN_MAX_CPU_ISA=AVX512_CORE TIMEOUT 300)

# The RNN suites with each LSTM / GRU kernel fixed (by default each layer times both and keeps
# the faster, so a run tests whichever won): oneDNN's, ours, and ours built for SSE (no AVX).
set(ZENITH_RNN_SUITES "CpuRnn*:*/CpuRnnVsPyTorch.*")
add_test(NAME cpu.rnn_onednn COMMAND zenith_tests --gtest_filter=${ZENITH_RNN_SUITES})
set_tests_properties(cpu.rnn_onednn PROPERTIES ENVIRONMENT ZENITH_CPU_RNN=onednn TIMEOUT 300)
add_test(NAME cpu.rnn_zenith COMMAND zenith_tests --gtest_filter=${ZENITH_RNN_SUITES})
set_tests_properties(cpu.rnn_zenith PROPERTIES ENVIRONMENT ZENITH_CPU_RNN=zenith TIMEOUT 300)
add_test(NAME cpu.rnn_zenith_sse41 COMMAND zenith_tests --gtest_filter=${ZENITH_RNN_SUITES})
set_tests_properties(cpu.rnn_zenith_sse41 PROPERTIES
                     ENVIRONMENT "ZENITH_CPU_RNN=zenith;ONEDNN_MAX_CPU_ISA=SSE41" TIMEOUT 300)

# The convolution suites with the kernel of 3x3 stride-1 layers fixed (by default each layer
# times oneDNN's pick against Zenith's Winograd F(4x4,3x3) and keeps the faster): ours, oneDNN's.
set(ZENITH_WINOGRAD_SUITES "CpuWinograd*:CpuConv*:CpuFusion*:*/NoRefKernels.*")
add_test(NAME cpu.winograd_zenith COMMAND zenith_tests --gtest_filter=${ZENITH_WINOGRAD_SUITES})
set_tests_properties(cpu.winograd_zenith PROPERTIES ENVIRONMENT ZENITH_CPU_WINOGRAD=zenith TIMEOUT 300)
add_test(NAME cpu.winograd_onednn COMMAND zenith_tests --gtest_filter=${ZENITH_WINOGRAD_SUITES})
set_tests_properties(cpu.winograd_onednn PROPERTIES ENVIRONMENT ZENITH_CPU_WINOGRAD=onednn TIMEOUT 300)
