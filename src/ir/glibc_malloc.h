// Whether malloc is glibc's. Under AddressSanitizer or ThreadSanitizer it is the sanitizer's:
// glibc's malloc_trim and mallinfo2 then read arenas nobody set up (malloc_trim crashed on a
// null chunk under ASAN).
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ZENITH_GLIBC_MALLOC 0
#else
#define ZENITH_GLIBC_MALLOC 1
#endif
