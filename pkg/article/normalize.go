package article

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits bounds what Validate accepts.
type Limits struct {
	// MaxBodyBytes bounds body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// MaxHTMLBytes bounds html; 0 means DefaultMaxHTMLBytes.
	MaxHTMLBytes int
	// RequireURL, when set, says whether articles of a source must have a
	// usable url; without it (or when it says no) an article whose url
	// cannot be used is accepted without one, with a warning.
	RequireURL func(source string) bool
	// MaxMessageBytes, when set, is the largest message the queue takes
	// (the NATS server's max payload): an article whose enriched form
	// would not fit (EnrichedSizeEstimate) is refused.
	MaxMessageBytes int
}

const (
	maxIDLen     = 128
	maxSourceLen = 64
	maxTitleLen  = 2000
	maxURLLen    = 4096
	maxListItems = 100
	// MaxListItemBytes bounds one author or tag.
	MaxListItemBytes = 256
	// enrichOverhead is room for what enrich adds besides a second copy
	// of the body (entities, keywords, summary, quotes, fingerprints).
	enrichOverhead = 256 << 10
)

// Normalize cleans a decoded input article in place: the source becomes a
// safe NATS subject token, text becomes NFC with normalised line breaks and no
// control characters, the URL is canonicalised, and the id is derived when
// none was given. Call Validate afterwards.
func Normalize(a *Article) {
	a.Source = SourceToken(a.Source)
	a.ID = strings.TrimSpace(a.ID)
	a.Title = strings.Join(strings.Fields(CleanText(DecodeEntities(a.Title))), " ")
	a.ImageCaption = strings.Join(strings.Fields(CleanText(DecodeEntities(a.ImageCaption))), " ")
	if a.Image != "" {
		// An image is metadata: one that cannot be used is dropped.
		a.Image, _, _ = RepairURL(a.Image)
	}
	a.Body = CleanText(a.Body)
	a.Lang = LangTag(a.Lang)
	repairInto(a)
	if a.URLOriginal = strings.TrimSpace(a.URLOriginal); len(a.URLOriginal) > maxURLLen {
		a.URLOriginal = clip(a.URLOriginal)
	}
	for i := range a.Authors {
		a.Authors[i] = strings.Join(strings.Fields(CleanText(a.Authors[i])), " ")
	}
	for i := range a.Tags {
		a.Tags[i] = strings.Join(strings.Fields(CleanText(a.Tags[i])), " ")
	}
	if a.ID == "" {
		a.ID = DeriveID(a)
	}
	a.ContentHash = ContentHash(a)
}

// Validate checks a normalised article against the input rules and returns
// the first problem as a *FieldError.
func Validate(a *Article, lim Limits) error {
	maxBody := lim.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	maxHTML := lim.MaxHTMLBytes
	if maxHTML <= 0 {
		maxHTML = DefaultMaxHTMLBytes
	}
	switch {
	case a.Source == "":
		return fieldErr("source", CodeRequired, "source is required (the publisher's name, e.g. \"actualno\")")
	case len(a.Source) > maxSourceLen:
		return fieldErr("source", CodeTooLarge, "source is %d bytes, the limit is %d", len(a.Source), maxSourceLen)
	case !ValidID(a.ID):
		return fieldErr("id", CodeInvalid, "id must be 1-%d characters of A-Z a-z 0-9 . _ -, not starting or ending with a dot or holding two in a row", maxIDLen)
	case strings.TrimSpace(a.Body) == "" && strings.TrimSpace(a.HTML) == "":
		return fieldErr("body", CodeRequired, "body or html is required and must not be empty")
	case len(a.Body) > maxBody:
		return fieldErr("body", CodeTooLarge, "body is %d bytes, the limit is %d", len(a.Body), maxBody)
	case len(a.HTML) > maxHTML:
		return fieldErr("html", CodeTooLarge, "html is %d bytes, the limit is %d", len(a.HTML), maxHTML)
	case len(a.ImageCaption) > maxTitleLen:
		return fieldErr("image_caption", CodeTooLarge, "image_caption is %d bytes, the limit is %d", len(a.ImageCaption), maxTitleLen)
	case len(a.Title) > maxTitleLen:
		return fieldErr("title", CodeTooLarge, "title is %d bytes, the limit is %d", len(a.Title), maxTitleLen)
	case len(a.Authors) > maxListItems:
		return fieldErr("authors", CodeTooLarge, "%d authors, the limit is %d", len(a.Authors), maxListItems)
	case len(a.Tags) > maxListItems:
		return fieldErr("tags", CodeTooLarge, "%d tags, the limit is %d", len(a.Tags), maxListItems)
	}
	for _, l := range []struct {
		field string
		items []string
	}{{"authors", a.Authors}, {"tags", a.Tags}} {
		for i, v := range l.items {
			if len(v) > MaxListItemBytes {
				return fieldErr(l.field, CodeTooLarge, "%s[%d] is %d bytes, the limit is %d", l.field, i, len(v), MaxListItemBytes)
			}
		}
	}
	if lim.MaxMessageBytes > 0 {
		if n := EnrichedSizeEstimate(a); n > lim.MaxMessageBytes {
			return fieldErr("body", CodeTooLarge, "the article would be about %d bytes once enriched (its JSON with a second copy of the body, and room for entities and keywords), over the queue's message limit of %d bytes; shorten the body",
				n, lim.MaxMessageBytes)
		}
	}
	// Body and title are valid UTF-8 once normalised (CleanText); html is
	// not normalised.
	if !utf8.ValidString(a.HTML) {
		return fieldErr("html", CodeInvalid, "html is not valid UTF-8")
	}
	if a.Lang != "" && !validLang(a.Lang) {
		return fieldErr("lang", CodeInvalid, "%q is not an ISO 639-1 language code", a.Lang)
	}
	if a.URL != "" {
		if _, err := CanonicalURL(a.URL); err != nil {
			return err
		}
	}
	if a.Image != "" {
		if _, err := CanonicalURL(a.Image); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = "image"
			}
			return err
		}
	}
	if a.URL == "" && lim.RequireURL != nil && lim.RequireURL(a.Source) {
		if a.URLOriginal != "" {
			if _, _, err := RepairURL(a.URLOriginal); err != nil {
				return err
			}
		}
		return fieldErr("url", CodeRequired, "source %s requires a url (--require-url)", a.Source)
	}
	if len(a.Warnings) > maxListItems {
		return fieldErr("warnings", CodeTooLarge, "%d warnings, the limit is %d", len(a.Warnings), maxListItems)
	}
	if !a.PublishedAt.IsZero() && (a.PublishedAt.Year() < 1900 || a.PublishedAt.Year() > 2200) {
		return fieldErr("published_at", CodeInvalid, "year %d is not plausible for a news article", a.PublishedAt.Year())
	}
	return nil
}

// EnrichedSizeEstimate returns about how many bytes a's JSON will take
// once enriched: the input's fields as JSON escapes them, the body a
// second time (clean_body) and room for what enrich adds. Lists
// (authors, tags) are bounded by Validate, so the body dominates.
func EnrichedSizeEstimate(a *Article) int {
	n := enrichOverhead
	for _, s := range []string{a.ID, a.Source, a.URL, a.Title, a.Body, a.HTML, a.Lang} {
		n += jsonLen(s)
	}
	for _, l := range [][]string{a.Authors, a.Tags} {
		for _, s := range l {
			n += jsonLen(s) + 1
		}
	}
	return n + jsonLen(a.Body)
}

// jsonLen returns the length of s as a JSON string body, with the
// escapes the article codec writes (HTML characters escaped too).
func jsonLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n++
		case c == '<' || c == '>' || c == '&':
			n += 5
		case c < 0x20:
			n += 5
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			n += 3 // U+2028, U+2029 as \u2028: 6 bytes for 3
		}
	}
	return n
}

// ValidID reports whether id may be used as an article id: it must be safe
// as a NATS key-value key and in a URL path. A dot may not start or end it,
// nor follow another ("a..b" would be an empty token in the key "s.a..b").
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLen || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// LangTag reduces a language tag to its primary subtag in lower case:
// "en-US", "ru_RU" and "BG" become "en", "ru" and "bg".
func LangTag(l string) string {
	l = strings.TrimSpace(l)
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	return strings.ToLower(l)
}

func validLang(l string) bool {
	if len(l) < 2 || len(l) > 3 {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] < 'a' || l[i] > 'z' {
			return false
		}
	}
	return true
}

// SourceToken turns a publisher name into a NATS subject token: lower case,
// every character other than a-z, 0-9, '_' and '-' replaced by '-', runs of
// '-' collapsed, no leading or trailing '-'.
func SourceToken(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "www.")
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_'
		if ok {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// CleanText makes text NFC, turns CRLF and CR into LF, removes control
// characters other than tab and newline (and zero-width spaces and byte
// order marks), collapses runs of spaces, tabs and no-break spaces into one
// space, trims spaces at line ends and at both ends, and collapses three or
// more newlines into one blank line. Invalid UTF-8 bytes become U+FFFD.
//
// It runs once per field of every article, so it works on bytes: runs of
// printable ASCII are copied whole, and the normaliser runs only when a
// rune outside the ranges known to be NFC-stable occurs.
func CleanText(s string) string {
	if s == "" {
		return s
	}
	b := make([]byte, 0, len(s))
	newlines := 0
	pendingSpace := false
	var dirty []int // starts in b of lines that hold a rune needing NFC
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		switch {
		case c == '\n' || c == '\r':
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				size = 2
			}
			pendingSpace = false
			newlines++
			i += size
			continue
		case c == ' ' || c == '\t':
			pendingSpace = true
			i++
			continue
		case c < 0x20 || c == 0x7f:
			i++
			continue
		case c < utf8.RuneSelf || (c >= 0xC2 && c < 0xE0 && plain2(s, i)):
			// A run of printable ASCII other than space and of two-byte
			// letters that need no care (Latin, Greek, Cyrillic, ...).
			if c >= utf8.RuneSelf {
				size = 2
			}
			for i+size < len(s) {
				if d := s[i+size]; d > ' ' && d < 0x7f {
					size++
				} else if d >= 0xC2 && d < 0xE0 && plain2(s, i+size) {
					size += 2
				} else {
					break
				}
			}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			size = n
			switch {
			case r == utf8.RuneError && n == 1:
				// Invalid UTF-8: one replacement character per bad byte.
				b = appendPending(b, &newlines, &pendingSpace)
				b = append(b, "\uFFFD"...)
				i++
				continue
			case r == '\u00a0':
				pendingSpace = true
				i += size
				continue
			case r <= 0x9f || r == '\u200b' || r == '\ufeff': // C1 controls, zero-width
				i += size
				continue
			case !nfcStable(r):
				b = appendPending(b, &newlines, &pendingSpace)
				if start := bytes.LastIndexByte(b, '\n') + 1; len(dirty) == 0 || dirty[len(dirty)-1] != start {
					dirty = append(dirty, start)
				}
			}
		}
		b = appendPending(b, &newlines, &pendingSpace)
		b = append(b, s[i:i+size]...)
		i += size
	}
	if len(dirty) == 0 {
		return string(b)
	}
	// A line break never takes part in composition, so normalising the
	// lines that need it equals normalising the whole text.
	out := make([]byte, 0, len(b)+8)
	prev := 0
	for _, d := range dirty {
		end := len(b)
		if j := bytes.IndexByte(b[d:], '\n'); j >= 0 {
			end = d + j
		}
		out = append(out, b[prev:d]...)
		out = norm.NFC.Append(out, b[d:end]...)
		prev = end
	}
	return string(append(out, b[prev:]...))
}

// CanonicalURL returns the canonical form of an article URL: lower-case
// scheme and host, no default port, no fragment, no tracking parameters
// (utm_*, fbclid, gclid, ...).
func CanonicalURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxURLLen {
		return "", fieldErr("url", CodeTooLarge, "url is %d bytes, the limit is %d", len(raw), maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fieldErr("url", CodeInvalid, "%q is not a URL", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fieldErr("url", CodeInvalid, "%q is not an absolute http or https URL", raw)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fieldErr("url", CodeInvalid, "%q has no host", raw)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = host + ":" + port
	}
	u.Host = host
	u.Fragment = ""
	u.RawFragment = ""
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if isTrackingParam(k) {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	if strings.HasPrefix(k, "utm_") {
		return true
	}
	switch k {
	case "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga", "igshid":
		return true
	}
	return false
}

// DeriveID returns the stable id of an article that arrived without one: a
// hash of its canonical URL when it has one, else of source, title and body.
func DeriveID(a *Article) string {
	if a.URL != "" {
		return shortHash("url", a.URL)
	}
	body := a.Body
	if body == "" {
		body = a.HTML
	}
	return shortHash("content", a.Source, a.Title, body)
}

// ContentHash identifies the content of one version of an article: two
// submissions with the same hash are exact resubmissions.
func ContentHash(a *Article) string {
	return shortHash("v1", a.Source, a.URL, a.Title, a.Body, a.HTML, a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z"), a.Lang,
		strings.Join(a.Authors, "\x1f"), strings.Join(a.Tags, "\x1f"))
}

// shortHash is the first 8 bytes, in hex, of the SHA-256 of parts, each
// followed by a zero byte. The parts are copied into one buffer, on the
// stack up to 16 KiB, and hashed in one call: writing each to a hash.Hash
// copied the body into a new []byte on the heap twice per article (the
// content id and the content hash).
func shortHash(parts ...string) string {
	var buf [16 << 10]byte
	b := buf[:0]
	for _, p := range parts {
		b = append(append(b, p...), 0)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// appendPending writes the line break or space that precedes the next
// character, none at the start of the text.
func appendPending(b []byte, newlines *int, pendingSpace *bool) []byte {
	if *newlines > 0 {
		if len(b) > 0 {
			if *newlines >= 2 {
				b = append(b, '\n', '\n')
			} else {
				b = append(b, '\n')
			}
		}
		*newlines = 0
		*pendingSpace = false
	}
	if *pendingSpace {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		*pendingSpace = false
	}
	return b
}

// plain2 reports whether s[i:] starts with a valid two-byte sequence (lead
// byte 0xC2-0xDF, checked by the caller) of a character CleanText copies
// as it is: not a C1 control or no-break space, and NFC-stable.
func plain2(s string, i int) bool {
	if i+1 >= len(s) || s[i+1]&0xC0 != 0x80 {
		return false
	}
	r := rune(s[i]&0x1F)<<6 | rune(s[i+1]&0x3F)
	return r > 0xA0 && nfcStable(r)
}

// surelyNFC reports whether s is certainly in NFC without running the
// normaliser: every rune is nfcStable.
func surelyNFC(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !nfcStable(r) {
			return false
		}
	}
	return true
}

// nfcStable reports whether r is below U+0300 or a Cyrillic letter or a
// common punctuation or currency sign: all are NFC quick-check "yes" with
// combining class 0, so text made only of them is NFC. Most news text is;
// anything else goes through the normaliser.
func nfcStable(r rune) bool {
	switch {
	case r < 0x300,
		r >= 0x400 && r <= 0x482, r >= 0x48A && r <= 0x52F, // Cyrillic, without combining marks
		r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x205E, // punctuation, no singletons
		r >= 0x20A0 && r <= 0x20C0: // currency signs
		return true
	}
	return false
}
