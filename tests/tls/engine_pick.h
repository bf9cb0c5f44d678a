/* SPDX-License-Identifier: MIT */
/* The engine a TLS test file runs on: the one its build names
 * (-DAIO_TLS_OPENSSL, -DAIO_TLS_MBEDTLS), else OpenSSL's. Without OpenSSL's
 * headers it defines TEST_TLS_NONE: the file is then a program of no test,
 * which the checkers that read every test file can still read (tls.sh runs
 * none). Included before the header, by test_tls.c and test_tls_sim.c. */
#ifndef ENGINE_PICK_H
#define ENGINE_PICK_H
#if defined(__has_include) && !defined(AIO_TLS_OPENSSL) && !defined(AIO_TLS_MBEDTLS)
#if !__has_include(<openssl/ssl.h>)
#define TEST_TLS_NONE 1
#endif
#endif
#if !defined(AIO_TLS_OPENSSL) && !defined(AIO_TLS_MBEDTLS) && !defined(TEST_TLS_NONE)
#define AIO_TLS_OPENSSL
#endif
#endif
