/* UTF-8 decoding, the Unicode classes the compose parsers need, and quoting for messages. Internal. */
#ifndef BERTH_COMPOSE_UTF8_H
#define BERTH_COMPOSE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The code point that stands for an invalid byte (Go's utf8.RuneError). */
#define UTF8_ERROR 0xFFFDu

/*
 * Decodes the code point at the start of s[0..n) (n > 0) and stores its byte
 * length in *width. An invalid or truncated sequence, an overlong form or a
 * surrogate decodes as UTF8_ERROR with width 1, as Go's utf8.DecodeRune does.
 */
uint32_t utf8_decode(const char *s, size_t n, size_t *width);

/* Decodes the code point that ends s[0..n) (n > 0), like Go's utf8.DecodeLastRune. */
uint32_t utf8_decode_last(const char *s, size_t n, size_t *width);

/* True if s[0..n) is entirely valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

/* Unicode White_Space, as Go's unicode.IsSpace (includes \n, U+0085, U+00A0). */
bool utf8_is_space(uint32_t cp);

/* Unicode categories L* or N*, as Go's unicode.IsLetter || unicode.IsNumber. */
bool utf8_is_letter_or_number(uint32_t cp);

/* Appends the UTF-8 encoding of cp (<= 0x10FFFF) to buf (4 bytes room); returns its length. */
size_t utf8_encode(uint32_t cp, char *buf);

/*
 * s[0..n) as a double-quoted string for an error message: quotes and
 * backslashes escaped, control characters and invalid bytes written as
 * escapes (\n, \x01, \u0085 ...), so that the message stays one readable
 * line whatever the input holds. Text beyond max bytes (cut at a character
 * boundary) is left out and "..." follows the closing quote. Returns a
 * malloc'd string.
 */
char *utf8_quote(const char *s, size_t n, size_t max);

/* The max for utf8_quote in error messages. */
#define UTF8_QUOTE_MAX 160

#endif
