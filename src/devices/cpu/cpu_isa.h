// What the instruction set oneDNN runs with (the host's, or lower under ONEDNN_MAX_CPU_ISA)
// means for integer kernels.
#pragma once

namespace zenith::cpu {

// True if oneDNN's integer kernels multiply 8-bit values with a dot-product instruction that
// accumulates in 32 bits (AVX-512 VNNI, AVX-VNNI, AMX). Without one they pair products into 16
// bits first (vpmaddubsw), which saturates when two u8 x s8 products exceed 32767, so weights
// must keep to 7 bits there.
bool int8_dot_product();

// True if oneDNN has BF16 dot-product instructions to run BF16 kernels with (AVX512-BF16, AMX).
// Without them it emulates BF16 with f32 arithmetic plus conversions, slower than f32 itself.
bool bf16_dot_product();

// True if oneDNN runs with AVX-512 (Skylake's core set or later): the CPU device's own loops
// built for it may run.
bool avx512_core();

// True if oneDNN runs with AVX2 and FMA or more: the CPU device's own loops built for them may
// run.
bool avx2_fma();

}  // namespace zenith::cpu
