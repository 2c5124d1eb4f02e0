#pragma once
/// Exception types: the library reports bad input by throwing, never by abort() or exit().

#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace minnow {

/// Base of every error minnow throws.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A tensor or layer got a shape it cannot work with.
class ShapeError : public Error {
public:
    using Error::Error;
};

/// An argument has a value outside what is allowed (a rate, a label, a name).
class ValueError : public Error {
public:
    using Error::Error;
};

/// A call came in the wrong order (fit before compile, backward twice through a freed graph).
class StateError : public Error {
public:
    using Error::Error;
};

/// A file could not be read or written, or its content is not what it claims.
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace minnow

/// Throws `ErrorType` with a fmt-formatted message when `cond` is false.
#define MINNOW_CHECK(cond, ErrorType, ...)                        \
    do {                                                          \
        if (!(cond)) [[unlikely]]                                 \
            throw ErrorType(::fmt::format(__VA_ARGS__));          \
    } while (false)
