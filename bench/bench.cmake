# Benchmarks (not tests): the tools that bench/peers/compare runs beside ONNX Runtime and PyTorch.
# Debian's oneDNN package config also requires OpenCL headers (ocl-icd-opencl-dev, opencl-headers).
find_package(OpenMP REQUIRED)
find_package(dnnl REQUIRED)

add_executable(zenith-timer bench/peers/zenith_timer.cpp src/tools/npy.cpp)
target_link_libraries(zenith-timer PRIVATE zenith_runtime OpenMP::OpenMP_CXX)

add_executable(zenith-matmul-ceiling bench/peers/matmul_ceiling.cpp)
target_link_libraries(zenith-matmul-ceiling PRIVATE DNNL::dnnl OpenMP::OpenMP_CXX fmt::fmt)

add_executable(zenith-load-timer bench/peers/load_timer.cpp src/tools/npy.cpp)
target_link_libraries(zenith-load-timer PRIVATE zenith_runtime OpenMP::OpenMP_CXX)

add_executable(zenith-allreduce-bench bench/peers/allreduce_bench.cpp)
target_link_libraries(zenith-allreduce-bench PRIVATE zenith_distributed fmt::fmt)
