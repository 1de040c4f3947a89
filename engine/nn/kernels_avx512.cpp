// The kernels compiled for the avx512 level (its -march comes from engine/CMakeLists.txt).
#define TP_KERNEL_LEVEL avx512
#include "nn/kernels_impl.h"
