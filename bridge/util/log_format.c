/* SPDX-License-Identifier: MIT */
/*
 * log_format.c - the escaping printf of the log (see log_format.h).
 */
#include "log_format.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "utf8.h"

/* Output with a hard end: a piece that does not fit whole is not written,
 * and nothing after it either (so a cut never splits a character or an
 * escape). `reserve` bytes are kept back for a closing quote. */
struct sink {
	char *out;
	size_t cap, len, reserve;
	int full;
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (s->full || s->len + n + s->reserve + 1 > s->cap) {
		s->full = 1;
		return;
	}
	memcpy(s->out + s->len, p, n);
	s->len += n;
}

/* The escape for one character (or invalid byte) of untrusted text, or 0
 * when it goes out as it is. */
static size_t escape_of(uint32_t cp, int valid, unsigned char byte, int quoted, char esc[8])
{
	static const char hex[] = "0123456789abcdef";
	if (!valid)
		return (size_t)snprintf(esc, 8, "\\x%c%c", hex[byte >> 4], hex[byte & 15]);
	switch (cp) {
	case '\n': memcpy(esc, "\\n", 2); return 2;
	case '\r': memcpy(esc, "\\r", 2); return 2;
	case '\t': memcpy(esc, "\\t", 2); return 2;
	case '"':
	case '\\':
		if (!quoted)
			return 0;
		esc[0] = '\\';
		esc[1] = (char)cp;
		return 2;
	default: break;
	}
	if (cp < 0x20 || cp == 0x7F)
		return (size_t)snprintf(esc, 8, "\\x%c%c", hex[cp >> 4], hex[cp & 15]);
	if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029)
		return (size_t)snprintf(esc, 8, "\\u%04x", (unsigned)cp);
	return 0;
}

/* Appends s[0..len) escaped (quoted: '"' and '\' too). */
static void put_escaped(struct sink *k, const char *s, size_t len, int quoted)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len && !k->full) {
		uint32_t cp = 0;
		size_t bad;
		size_t n = n2m_utf8_decode(p + i, len - i, &cp, &bad);
		char esc[8];
		size_t e = escape_of(cp, n != 0, p[i], quoted, esc);
		if (!n)
			n = 1; /* invalid bytes are escaped one by one */
		if (e)
			put(k, esc, e);
		else
			put(k, s + i, n);
		i += n;
	}
}

/* The inside of a quoted value and its closing quote, after the opening
 * one: the quote's byte is held back, so a value cut short is still closed.
 * With no room for the quote, the opening one is taken back. */
static void put_quoted_rest(struct sink *k, const char *s, size_t len)
{
	if (k->len + 2 > k->cap) {
		k->len--;
		k->full = 1;
		return;
	}
	k->reserve = 1;
	put_escaped(k, s, len, 1);
	k->reserve = 0;
	int cut = k->full;
	k->full = 0;
	put(k, "\"", 1);
	k->full = cut;
}

static void put_quoted(struct sink *k, const char *s, size_t len)
{
	put(k, "\"", 1);
	if (!k->full)
		put_quoted_rest(k, s, len);
}

/* True if some character of s[0..len) would be escaped (unquoted rules). */
static int has_escapes(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t bad;
		size_t n = p[i] >= 0x20 && p[i] < 0x7F ? (cp = p[i], 1)
						       : n2m_utf8_decode(p + i, len - i, &cp, &bad);
		char esc[8];
		if (!n || escape_of(cp, 1, p[i], 0, esc))
			return 1;
		i += n;
	}
	return 0;
}

int n2m_log_is_safe_word(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '"' || s[i] == '=' || s[i] == '\\')
			return 0;
	return !has_escapes(s, len);
}

/* Exactly one quoted value that stays closed: "...", every inner '"' and
 * '\' escaped, nothing inside that would need escaping. */
static int quoted_token(const char *s, size_t len)
{
	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return 0;
	for (size_t i = 1; i + 1 < len; i++) {
		if (s[i] == '"')
			return 0;
		if (s[i] == '\\' && ++i + 1 >= len)
			return 0; /* the backslash would escape the closing quote */
	}
	return !has_escapes(s + 1, len - 2);
}

/* A %s value: escaped inside the format's quotes (the opening one is out
 * already, the closing one is written here), else a safe word or quoted
 * token as it is, else quoted and escaped. */
static void put_string(struct sink *k, const char *v, int prec, int in_quotes)
{
	if (!v)
		v = "(null)";
	size_t len = prec >= 0 ? strnlen(v, (size_t)prec) : strlen(v);
	if (prec >= 0 && v[len] != '\0')
		len = n2m_utf8_cut(v, strlen(v), len);
	if (in_quotes)
		put_quoted_rest(k, v, len);
	else if (n2m_log_is_safe_word(v, len) || quoted_token(v, len))
		put(k, v, len);
	else
		put_quoted(k, v, len);
}

/* One parsed conversion specification. */
struct spec {
	char flags[8];
	int width, prec;    /* -1: none */
	char mod[3];        /* "", "hh", "h", "l", "ll", "z", "j", "t", "L" */
	char conv;
};

/* Parses the conversion after '%' at p; returns the end of it. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	size_t nf = 0;
	memset(sp, 0, sizeof(*sp));
	sp->width = sp->prec = -1;
	while (*p && strchr("-+ #0", *p) && nf + 1 < sizeof(sp->flags))
		sp->flags[nf++] = *p++;
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		p++;
	} else if (*p >= '0' && *p <= '9') {
		for (sp->width = 0; *p >= '0' && *p <= '9'; p++)
			sp->width = sp->width < 100000 ? sp->width * 10 + (*p - '0') : sp->width;
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int);
			p++;
		} else {
			for (sp->prec = 0; *p >= '0' && *p <= '9'; p++)
				sp->prec = sp->prec < 100000 ? sp->prec * 10 + (*p - '0') : sp->prec;
		}
	}
	size_t nm = 0;
	while (*p && strchr("hlzjtL", *p) && nm < 2)
		sp->mod[nm++] = *p++;
	sp->conv = *p ? *p++ : '\0';
	return p;
}

/* The printf format for sp with the length modifier `mod`. */
static void spec_format(const struct spec *sp, const char *mod, char *fmt, size_t cap)
{
	char w[16] = "", pr[16] = "";
	if (sp->width >= 0)
		snprintf(w, sizeof w, "%d", sp->width);
	if (sp->prec >= 0)
		snprintf(pr, sizeof pr, ".%d", sp->prec);
	snprintf(fmt, cap, "%%%s%s%s%s%c", sp->flags, w, pr, mod, sp->conv);
}

static int is_mod(const struct spec *sp, const char *m)
{
	return strcmp(sp->mod, m) == 0;
}

/* A signed integer argument of sp's length, widened. */
static long long signed_arg(const struct spec *sp, va_list *ap)
{
	if (is_mod(sp, "l"))
		return va_arg(*ap, long);
	if (is_mod(sp, "ll"))
		return va_arg(*ap, long long);
	if (is_mod(sp, "z"))
		return va_arg(*ap, ssize_t);
	if (is_mod(sp, "j"))
		return va_arg(*ap, intmax_t);
	if (is_mod(sp, "t"))
		return va_arg(*ap, ptrdiff_t);
	return va_arg(*ap, int); /* hh and h arrive promoted */
}

static unsigned long long unsigned_arg(const struct spec *sp, va_list *ap)
{
	if (is_mod(sp, "l"))
		return va_arg(*ap, unsigned long);
	if (is_mod(sp, "ll"))
		return va_arg(*ap, unsigned long long);
	if (is_mod(sp, "z"))
		return va_arg(*ap, size_t);
	if (is_mod(sp, "j"))
		return va_arg(*ap, uintmax_t);
	if (is_mod(sp, "t"))
		return (unsigned long long)va_arg(*ap, ptrdiff_t);
	return va_arg(*ap, unsigned int);
}

/* Formats one non-string conversion into tmp; its length, or -1 if the
 * conversion is not supported. */
static int format_other(const struct spec *sp, va_list *ap, char *tmp, size_t cap)
{
	char f[48];
	switch (sp->conv) {
	case 'd': case 'i':
		spec_format(sp, "ll", f, sizeof f);
		return snprintf(tmp, cap, f, signed_arg(sp, ap));
	case 'u': case 'o': case 'x': case 'X':
		spec_format(sp, "ll", f, sizeof f);
		return snprintf(tmp, cap, f, unsigned_arg(sp, ap));
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
		if (is_mod(sp, "L")) {
			spec_format(sp, "L", f, sizeof f);
			return snprintf(tmp, cap, f, va_arg(*ap, long double));
		}
		spec_format(sp, "", f, sizeof f);
		return snprintf(tmp, cap, f, va_arg(*ap, double));
	case 'c':
		spec_format(sp, "", f, sizeof f);
		return snprintf(tmp, cap, f, va_arg(*ap, int));
	case 'p':
		spec_format(sp, "", f, sizeof f);
		return snprintf(tmp, cap, f, va_arg(*ap, void *));
	case 'n':
		(void)va_arg(*ap, int *); /* never written through */
		return 0;
	default:
		return -1;
	}
}

/* The conversion at pct (after the literal text before it); returns where
 * the format goes on. */
static const char *convert(struct sink *k, const char *fmt, const char *pct, va_list *ap)
{
	if (pct[1] == '%') {
		put(k, "%", 1);
		return pct + 2;
	}
	struct spec sp;
	const char *end = parse_spec(pct + 1, &sp, ap);
	if (sp.conv == 's') {
		int in_quotes = pct > fmt && pct[-1] == '"' && *end == '"';
		put_string(k, va_arg(*ap, const char *), sp.prec, in_quotes);
		return in_quotes ? end + 1 : end;
	}
	char tmp[128];
	int n = format_other(&sp, ap, tmp, sizeof tmp);
	if (n < 0) { /* unknown: written as it stands, arguments left alone */
		put(k, pct, (size_t)(end - pct));
		k->full = 1;
		return end;
	}
	put_escaped(k, tmp, strnlen(tmp, sizeof tmp - 1), 0);
	return end;
}

size_t n2m_log_format(char *out, size_t cap, const char *fmt, va_list ap)
{
	struct sink k = { out, cap, 0, 0, 0 };
	va_list aq;

	if (!cap)
		return 0;
	va_copy(aq, ap);
	const char *f = fmt ? fmt : "";
	while (*f && !k.full) {
		const char *pct = strchr(f, '%');
		if (!pct) {
			put(&k, f, strlen(f));
			break;
		}
		put(&k, f, (size_t)(pct - f));
		if (!k.full)
			f = convert(&k, fmt, pct, &aq);
	}
	va_end(aq);
	out[k.len] = '\0';
	return k.len;
}

size_t n2m_log_escape_quoted(char *out, size_t cap, const char *text, size_t len)
{
	struct sink k = { out, cap, 0, 0, 0 };
	if (!cap)
		return 0;
	put_quoted(&k, text ? text : "", text ? len : 0);
	out[k.len] = '\0';
	return k.len;
}
