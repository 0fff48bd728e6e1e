package article

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// RepairURL reads raw as a browser does (the WHATWG URL Standard's
// leniency) and returns its canonical form (CanonicalURL): tabs and line
// breaks are removed, backslashes before the query become slashes, any
// number of slashes after "http:" or "https:" is taken as "//", a stray
// '%' (not followed by two hex digits) becomes "%25", spaces, quotes,
// angle brackets and other characters not allowed in a URL are
// percent-encoded, and an internationalised host becomes its punycode
// (IDNA, UTS #46). repaired reports whether the result differs from the
// canonical form of raw as given (or raw could not be read as given).
// Only a URL without a usable scheme (http, https) or host is an error, a
// *FieldError for field "url".
func RepairURL(raw string) (canonical string, repaired bool, err error) {
	trimmed := strings.TrimSpace(raw)
	if len(trimmed) > maxURLLen {
		return "", false, fieldErr("url", CodeTooLarge, "url is %d bytes, the limit is %d", len(trimmed), maxURLLen)
	}
	plain, plainErr := CanonicalURL(trimmed)
	fixed, err := repairURLString(trimmed)
	if err != nil {
		return "", false, err
	}
	canonical, err = CanonicalURL(fixed)
	if err != nil {
		return "", false, err
	}
	return canonical, plainErr != nil || plain != canonical, nil
}

func repairURLString(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" {
		return "", fieldErr("url", CodeInvalid, "%q has no scheme: use an absolute http or https URL", clip(s))
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", fieldErr("url", CodeInvalid, "%q is not an http or https URL", clip(s))
	}
	// Special schemes: any run of slashes and backslashes starts the
	// authority.
	rest = strings.TrimLeft(rest, `/\`)
	end := strings.IndexAny(rest, `/\?#`)
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:] // user info is dropped anyway
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port = authority[:i], authority[i+1:]
	}
	if h, err := url.PathUnescape(host); err == nil {
		host = h
	}
	host = strings.TrimRight(strings.ToLower(host), ".") // "example.com." and "example.com.." alike
	if host == "" {
		return "", fieldErr("url", CodeInvalid, "%q has no host", clip(s))
	}
	if !strings.HasPrefix(host, "[") {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", fieldErr("url", CodeInvalid, "%q has no usable host: %v", clip(s), err)
		}
		host = ascii
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return "", fieldErr("url", CodeInvalid, "%q has a port that is not a number", clip(s))
		}
	}
	// Backslashes before the query are path separators.
	q := strings.IndexByte(tail, '?')
	if q < 0 {
		q = strings.IndexByte(tail, '#')
	}
	if q < 0 {
		q = len(tail)
	}
	tail = strings.ReplaceAll(tail[:q], `\`, "/") + tail[q:]
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	escapeLoose(&b, tail)
	return b.String(), nil
}

// escapeLoose writes s percent-encoding what may not stand in a URL's path,
// query or fragment as it is: a '%' not followed by two hex digits,
// spaces, controls, quotes, angle brackets, backquotes, braces, pipes,
// carets and non-ASCII bytes (as their UTF-8).
func escapeLoose(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f || c == '%' || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}' || c == '|' || c == '^':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	cut := 200
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// repairInto sets a's url to its repaired canonical form, keeping what was
// given in URLOriginal when the repair changed it; a URL that cannot be
// repaired is removed, kept in URLOriginal and named in a warning.
func repairInto(a *Article) {
	if strings.TrimSpace(a.URL) == "" {
		a.URL = ""
		return
	}
	u, repaired, err := RepairURL(a.URL)
	if err != nil {
		if a.URLOriginal == "" {
			a.URLOriginal = a.URL
		}
		a.URL = ""
		msg := err.Error()
		var fe *FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		a.Warnings = appendOnce(a.Warnings, fmt.Sprintf("url: %s; the article was accepted without a url", msg))
		return
	}
	if repaired && a.URLOriginal == "" {
		a.URLOriginal = strings.TrimSpace(a.URL)
	}
	a.URL = u
}

func appendOnce(l []string, s string) []string {
	for _, v := range l {
		if v == s {
			return l
		}
	}
	return append(l, s)
}

var entityRef = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// DecodeEntities decodes the HTML character references left in text that
// was escaped twice (&quot;Райънеър&quot; in a title): text with none is
// returned as it is.
func DecodeEntities(s string) string {
	if strings.IndexByte(s, '&') < 0 || !entityRef.MatchString(s) {
		return s
	}
	return html.UnescapeString(s)
}
