#pragma once
/// minnow: a small, fast, Keras-style deep-learning framework. This header is all a user includes.

#include "minnow/autograd/graph.hpp"
#include "minnow/autograd/variable.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/core/shape.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/linear.hpp"
#include "minnow/ops/losses.hpp"
#include "minnow/tensor/allocator.hpp"
#include "minnow/tensor/blas.hpp"
#include "minnow/tensor/tensor.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "minnow/testing/gradcheck.hpp"
