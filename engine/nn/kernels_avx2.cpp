// The kernels compiled for the avx2 level (its -march comes from engine/CMakeLists.txt).
#define TP_KERNEL_LEVEL avx2
#include "nn/kernels_impl.h"
