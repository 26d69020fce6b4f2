// ZENITH_API: what libzenith.so exports.
#pragma once

// The library is compiled with hidden visibility, so only what this marks is visible to its
// users: the public API, never the engine's own types. zenith::Error is marked too, so that a
// catch outside the library matches what the library throws.
#define ZENITH_API __attribute__((visibility("default")))
// For the runtime's Impl types: nested in exported classes, they would be exported with them.
#define ZENITH_HIDDEN __attribute__((visibility("hidden")))
