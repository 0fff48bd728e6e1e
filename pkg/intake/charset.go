package intake

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// ErrEncoding is wrapped by errors about undecodable bytes and unknown or
// wrong character sets.
var ErrEncoding = errors.New("undecodable text")

// Decoded is text turned into UTF-8 and the character set it was read as.
type Decoded struct {
	Text string
	// Charset is the canonical name of the encoding used, e.g. "utf-8",
	// "windows-1251".
	Charset string
	// How tells where the charset came from: "bom", "declared" (HTTP
	// charset parameter), "meta" (<meta charset> of HTML), "xml" (XML
	// declaration), "utf-8" (valid UTF-8, nothing declared) or "detected".
	How string
}

// Kinds of document for ToUTF8: each has its own in-document declaration.
const (
	kindText = iota
	kindHTML
	kindXML
)

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)`)

var xmlDeclEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// ToUTF8 decodes data to UTF-8. The character set comes from, in order: a
// byte order mark, declared (the charset parameter of an HTTP Content-Type
// or a Nats Content-Type header), the document's own declaration (<meta
// charset> for HTML, the XML declaration for feeds), and else detection:
// valid UTF-8 is UTF-8; other bytes are matched against windows-1251,
// KOI8-R, ISO-8859-5 and windows-1252. Errors wrap ErrEncoding and say what
// is wrong: an unknown charset name, bytes invalid in the declared UTF-8, or
// binary data.
func toUTF8(data []byte, declared string, kind int) (Decoded, error) {
	if e, name, ok := bomEncoding(data); ok {
		return decodeWith(data, e, name, "bom")
	}
	if declared = strings.TrimSpace(declared); declared != "" {
		e, name, err := lookupCharset(declared)
		if err != nil {
			return Decoded{}, err
		}
		if isUTF16(name) {
			return decodeUTF16(data, declared, "declared")
		}
		return decodeWith(data, e, name, "declared")
	}
	switch kind {
	case kindHTML:
		head := data
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			// A page that declares UTF-8 but is not is common enough that
			// detection gets a say then. A declaration of UTF-16 that could
			// be read as ASCII is wrong by its own existence (HTML's rule:
			// take it as UTF-8), and an unsupported charset
			// (ISO-2022-KR...) is no help: detection decides.
			e, name, err := lookupCharset(string(m[1]))
			if err == nil && !isUTF16(name) && (name != "utf-8" || utf8.Valid(data)) {
				return decodeWith(data, e, name, "meta")
			}
		}
	case kindXML:
		head := data
		if len(head) > 512 {
			head = head[:512]
		}
		if m := xmlDeclEncoding.FindSubmatch(head); m != nil {
			e, name, err := lookupCharset(string(m[1]))
			if err != nil {
				return Decoded{}, err
			}
			// A UTF-16 document starts with a byte order mark (XML 1.0,
			// 4.3.3), handled above: a declaration readable as ASCII is
			// not UTF-16, whatever it says.
			if !isUTF16(name) && (name != "utf-8" || utf8.Valid(data)) {
				return decodeWith(data, e, name, "xml")
			}
		}
	}
	if utf8.Valid(data) {
		if looksBinary(data) {
			return Decoded{}, fmt.Errorf("%w: the data holds NUL bytes or other binary content, not text", ErrEncoding)
		}
		return Decoded{Text: string(data), Charset: "utf-8", How: "utf-8"}, nil
	}
	if looksBinary(data) {
		return Decoded{}, fmt.Errorf("%w: the data is neither UTF-8 nor text in a single-byte charset (binary content?)", ErrEncoding)
	}
	e, name := detectSingleByte(data)
	return decodeWith(data, e, name, "detected")
}

func bomEncoding(data []byte) (encoding.Encoding, string, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return xunicode.UTF8BOM, "utf-8", true
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), "utf-16le", true
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), "utf-16be", true
	}
	return nil, "", false
}

func lookupCharset(label string) (encoding.Encoding, string, error) {
	e, name := charset.Lookup(strings.Trim(strings.TrimSpace(label), `"'`))
	if e == nil {
		return nil, "", fmt.Errorf("%w: unknown charset %q", ErrEncoding, label)
	}
	if name == "replacement" {
		// The WHATWG Encoding Standard maps ISO-2022-KR, ISO-2022-CN,
		// HZ-GB-2312 and a few others to "replacement", which decodes any
		// input to one U+FFFD: junk, not text.
		return nil, "", fmt.Errorf("%w: charset %q is not supported (its bytes can hide markup; web browsers refuse it too): send UTF-8", ErrEncoding, label)
	}
	return e, name, nil
}

// isUTF16 reports whether name (a canonical name from lookupCharset) is
// UTF-16.
func isUTF16(name string) bool { return name == "utf-16le" || name == "utf-16be" }

// decodeUTF16 decodes data, which has no byte order mark, as the UTF-16 of
// label (see utf16Encoding).
func decodeUTF16(data []byte, label, how string) (Decoded, error) {
	if len(data)%2 != 0 {
		return Decoded{}, fmt.Errorf("%w: charset %s (%s) but the data has an odd number of bytes (%d): not UTF-16", ErrEncoding, label, how, len(data))
	}
	e, name, err := utf16Encoding(data, label, how)
	if err != nil {
		return Decoded{}, err
	}
	return decodeWith(data, e, name, how)
}

// utf16Encoding is the UTF-16 of label for text without a byte order mark
// that begins with head: utf-16le and utf-16be as they say, plain utf-16 in
// the byte order its text shows (the high byte of Latin, Cyrillic and Greek
// characters is 0x00-0x05), big-endian when nothing shows (RFC 2781). Bytes
// that are valid UTF-8 without a NUL are not UTF-16 (every space or ASCII
// letter in UTF-16 has one): an error, rather than junk read from ASCII
// byte pairs.
func utf16Encoding(head []byte, label, how string) (encoding.Encoding, string, error) {
	if len(head) > 8192 {
		head = head[:8192]
	}
	// head may end inside a UTF-8 sequence.
	valid := head
	for i := 0; i < 3 && len(valid) > 0 && !utf8.Valid(valid); i++ {
		valid = valid[:len(valid)-1]
	}
	if len(head) > 0 && utf8.Valid(valid) && bytes.IndexByte(head, 0) < 0 {
		return nil, "", fmt.Errorf("%w: charset %s (%s) but the bytes are not UTF-16 (no byte order mark, no NUL bytes, valid UTF-8): declare utf-8", ErrEncoding, label, how)
	}
	order := xunicode.BigEndian
	switch l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`)); {
	case strings.HasSuffix(l, "le"):
		order = xunicode.LittleEndian
	case strings.HasSuffix(l, "be"):
	default:
		if utf16LittleEndian(head) {
			order = xunicode.LittleEndian
		}
	}
	if order == xunicode.LittleEndian {
		return xunicode.UTF16(order, xunicode.IgnoreBOM), "utf-16le", nil
	}
	return xunicode.UTF16(order, xunicode.IgnoreBOM), "utf-16be", nil
}

// utf16LittleEndian reports whether the first 8 KiB of data look like
// little-endian UTF-16: more low bytes (0x00-0x05, the high byte of most
// alphabetic text) at odd offsets than at even ones.
func utf16LittleEndian(data []byte) bool {
	if len(data) > 8192 {
		data = data[:8192]
	}
	even, odd := 0, 0
	for i, c := range data {
		if c <= 0x05 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	return odd > even
}

func decodeWith(data []byte, e encoding.Encoding, name, how string) (Decoded, error) {
	if name == "utf-8" {
		data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
		if !utf8.Valid(data) {
			return Decoded{}, fmt.Errorf("%w: charset utf-8 (%s) but the bytes are not valid UTF-8 at byte %d", ErrEncoding, how, invalidAt(data))
		}
		return Decoded{Text: string(data), Charset: name, How: how}, nil
	}
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return Decoded{}, fmt.Errorf("%w: decode as %s (%s): %v", ErrEncoding, name, how, err)
	}
	return Decoded{Text: string(out), Charset: name, How: how}, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// looksBinary reports whether data has NUL bytes or many other control
// bytes, which text in any charset we read does not.
func looksBinary(data []byte) bool {
	n := len(data)
	if n > 8192 {
		n = 8192
	}
	ctl := 0
	for _, c := range data[:n] {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctl++
		}
	}
	return ctl*20 > n
}

// cyrillicFreq weighs lower-case Cyrillic letters by how often they occur
// in Russian and Bulgarian text (per mille, rounded).
var cyrillicFreq = map[rune]int{
	'о': 110, 'е': 85, 'а': 80, 'и': 74, 'н': 67, 'т': 63, 'с': 55, 'р': 47,
	'в': 45, 'л': 44, 'к': 35, 'м': 32, 'д': 30, 'п': 28, 'у': 26, 'я': 20,
	'ы': 19, 'ъ': 15, 'ь': 17, 'г': 17, 'з': 16, 'б': 16, 'ч': 14, 'й': 12,
	'х': 10, 'ж': 9, 'ш': 7, 'ю': 6, 'ц': 5, 'щ': 4, 'э': 3, 'ф': 3, 'ё': 2,
	'і': 30, 'ї': 6, 'є': 4, 'ґ': 1,
}

type candidate struct {
	enc  encoding.Encoding
	name string
}

var singleByte = []candidate{
	{charmap.Windows1251, "windows-1251"},
	{charmap.KOI8R, "koi8-r"},
	{charmap.ISO8859_5, "iso-8859-5"},
	{charmap.KOI8U, "koi8-u"},
}

// detectSingleByte picks the single-byte charset data is most likely in.
// Text with runs of high bytes (whole words) is Cyrillic: each candidate
// decodes it and is scored by the frequency of the lower-case letters it
// yields, less a penalty for capitals inside words. Isolated high bytes
// within ASCII words are Western European text: windows-1252.
func detectSingleByte(data []byte) (encoding.Encoding, string) {
	high, inRun := 0, 0
	for i, c := range data {
		if c < 0x80 {
			continue
		}
		high++
		if (i > 0 && data[i-1] >= 0x80) || (i+1 < len(data) && data[i+1] >= 0x80) {
			inRun++
		}
	}
	if high == 0 || inRun*2 < high {
		return charmap.Windows1252, "windows-1252"
	}
	best, bestScore := singleByte[0], -1<<62
	for _, c := range singleByte {
		if s := cyrillicScore(data, c.enc); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best.enc, best.name
}

func cyrillicScore(data []byte, e encoding.Encoding) int {
	n := len(data)
	if n > 64<<10 {
		n = 64 << 10
	}
	text, err := e.NewDecoder().Bytes(data[:n])
	if err != nil {
		return -1 << 62
	}
	score := 0
	prevLetter := false
	for _, r := range string(text) {
		switch {
		case r < 0x80:
			prevLetter = unicode.IsLetter(r)
			continue
		case unicode.IsLower(r):
			score += cyrillicFreq[r]
			if cyrillicFreq[r] == 0 {
				score -= 20
			}
		case unicode.IsUpper(r):
			if prevLetter {
				score -= 60
			}
		case unicode.IsLetter(r):
		case r == utf8.RuneError || unicode.IsControl(r):
			score -= 100
		default:
			score -= 5
		}
		prevLetter = unicode.IsLetter(r)
	}
	return score
}
