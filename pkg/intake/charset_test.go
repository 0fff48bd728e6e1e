package intake

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

const bgSample = "Общинският съвет одобри проекта за нови трамвайни линии. Строителството започва през пролетта, а жителите на квартала посрещнаха новината с облекчение."
const ruSample = "Синоптики обещают мокрый снег в субботу и гололёд в воскресенье. Водителей просят не выезжать на дороги без зимней резины и соблюдать дистанцию."

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func TestToUTF8Detects(t *testing.T) {
	tests := []struct {
		name     string
		data     func(t *testing.T) []byte
		declared string
		kind     int
		want     string
		charset  string
		how      string
	}{
		{"utf-8", func(*testing.T) []byte { return []byte(bgSample) }, "", kindText, bgSample, "utf-8", "utf-8"},
		{"utf-8 bom", func(*testing.T) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, ruSample...) }, "", kindText, ruSample, "utf-8", "bom"},
		{"windows-1251 bg undeclared", func(t *testing.T) []byte { return encode(t, charmap.Windows1251, bgSample) }, "", kindText, bgSample, "windows-1251", "detected"},
		{"windows-1251 ru undeclared", func(t *testing.T) []byte { return encode(t, charmap.Windows1251, ruSample) }, "", kindText, ruSample, "windows-1251", "detected"},
		{"koi8-r undeclared", func(t *testing.T) []byte { return encode(t, charmap.KOI8R, ruSample) }, "", kindText, ruSample, "koi8-r", "detected"},
		{"iso-8859-5 undeclared", func(t *testing.T) []byte { return encode(t, charmap.ISO8859_5, ruSample) }, "", kindText, ruSample, "iso-8859-5", "detected"},
		{"iso-8859-5 bg undeclared", func(t *testing.T) []byte { return encode(t, charmap.ISO8859_5, bgSample) }, "", kindText, bgSample, "iso-8859-5", "detected"},
		{"windows-1252 undeclared", func(t *testing.T) []byte {
			return encode(t, charmap.Windows1252, "Café au lait, crème brûlée et façade")
		}, "", kindText, "Café au lait, crème brûlée et façade", "windows-1252", "detected"},
		{"declared koi8-r", func(t *testing.T) []byte { return encode(t, charmap.KOI8R, ruSample) }, "KOI8-R", kindText, ruSample, "koi8-r", "declared"},
		{"declared wins over meta", func(t *testing.T) []byte {
			return append([]byte(`<meta charset="utf-8">`), encode(t, charmap.Windows1251, bgSample)...)
		}, "windows-1251", kindHTML, `<meta charset="utf-8">` + bgSample, "windows-1251", "declared"},
		{"html meta charset", func(t *testing.T) []byte {
			return append([]byte(`<html><head><meta charset="windows-1251"></head>`), encode(t, charmap.Windows1251, bgSample)...)
		}, "", kindHTML, `<html><head><meta charset="windows-1251"></head>` + bgSample, "windows-1251", "meta"},
		{"html http-equiv", func(t *testing.T) []byte {
			return append([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">`), encode(t, charmap.KOI8R, ruSample)...)
		}, "", kindHTML, `<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">` + ruSample, "koi8-r", "meta"},
		{"html meta says utf-8 but is not", func(t *testing.T) []byte {
			return append([]byte(`<meta charset="utf-8">`), encode(t, charmap.Windows1251, bgSample)...)
		}, "", kindHTML, `<meta charset="utf-8">` + bgSample, "windows-1251", "detected"},
		{"xml declaration", func(t *testing.T) []byte {
			return append([]byte(`<?xml version="1.0" encoding="windows-1251"?><rss>`), encode(t, charmap.Windows1251, bgSample)...)
		}, "", kindXML, `<?xml version="1.0" encoding="windows-1251"?><rss>` + bgSample, "windows-1251", "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toUTF8(tt.data(t), tt.declared, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tt.want || got.Charset != tt.charset || got.How != tt.how {
				t.Errorf("got %q as %s (%s), want %q as %s (%s)", got.Text, got.Charset, got.How, tt.want, tt.charset, tt.how)
			}
		})
	}
}

func TestToUTF8Rejects(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		declared string
		want     string
	}{
		{"unknown charset", []byte("text"), "klingon-8", "unknown charset"},
		{"declared utf-8 but invalid", []byte("abc\xff\xfedef"), "utf-8", "not valid UTF-8 at byte 3"},
		{"binary", []byte("PK\x03\x04\x00\x00\x08\x00binary"), "", "binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := toUTF8(tt.data, tt.declared, kindText)
			if !errors.Is(err, ErrEncoding) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrEncoding mentioning %q", err, tt.want)
			}
		})
	}
}

func utf16(t *testing.T, order xunicode.Endianness, bom bool, s string) []byte {
	t.Helper()
	policy := xunicode.IgnoreBOM
	if bom {
		policy = xunicode.UseBOM
	}
	return encode(t, xunicode.UTF16(order, policy), s)
}

// TestToUTF8UTF16: UTF-16 decodes in either byte order, from a byte order
// mark or a declaration; a UTF-16 declaration inside a document (which
// was readable as ASCII, so is not UTF-16) is ignored, not obeyed into junk.
func TestToUTF8UTF16(t *testing.T) {
	const en = "Rain is expected on Saturday, with snow in the hills."
	page := `<html><head><meta charset="utf-16"></head><body>` + bgSample + `</body></html>`
	feed := `<?xml version="1.0" encoding="UTF-16"?><rss><title>` + ruSample + `</title></rss>`
	for _, tc := range []struct {
		name, declared string
		data           func(t *testing.T) []byte
		kind           int
		want, charset  string
		how            string
	}{
		{"bom le", "", func(t *testing.T) []byte { return utf16(t, xunicode.LittleEndian, true, bgSample) }, kindText, bgSample, "utf-16le", "bom"},
		{"bom be", "", func(t *testing.T) []byte { return utf16(t, xunicode.BigEndian, true, ruSample) }, kindText, ruSample, "utf-16be", "bom"},
		{"bom be, declared utf-16le", "utf-16le", func(t *testing.T) []byte { return utf16(t, xunicode.BigEndian, true, ruSample) }, kindText, ruSample, "utf-16be", "bom"},
		{"declared utf-16le", "utf-16le", func(t *testing.T) []byte { return utf16(t, xunicode.LittleEndian, false, bgSample) }, kindText, bgSample, "utf-16le", "declared"},
		{"declared utf-16be", "UTF-16BE", func(t *testing.T) []byte { return utf16(t, xunicode.BigEndian, false, bgSample) }, kindText, bgSample, "utf-16be", "declared"},
		{"declared utf-16, little-endian bytes", "utf-16", func(t *testing.T) []byte { return utf16(t, xunicode.LittleEndian, false, ruSample) }, kindText, ruSample, "utf-16le", "declared"},
		{"declared utf-16, big-endian bytes", "utf-16", func(t *testing.T) []byte { return utf16(t, xunicode.BigEndian, false, ruSample) }, kindText, ruSample, "utf-16be", "declared"},
		{"declared utf-16, english, little-endian", "utf-16", func(t *testing.T) []byte { return utf16(t, xunicode.LittleEndian, false, en) }, kindText, en, "utf-16le", "declared"},
		{"meta utf-16 in a utf-8 page", "", func(*testing.T) []byte { return []byte(page) }, kindHTML, page, "utf-8", "utf-8"},
		{"meta utf-16 in a windows-1251 page", "", func(t *testing.T) []byte {
			return append([]byte(`<meta charset="utf-16">`), encode(t, charmap.Windows1251, bgSample)...)
		}, kindHTML, `<meta charset="utf-16">` + bgSample, "windows-1251", "detected"},
		{"xml declaration utf-16 in a utf-8 feed", "", func(*testing.T) []byte { return []byte(feed) }, kindXML, feed, "utf-8", "utf-8"},
		{"meta iso-2022-kr in a utf-8 page", "", func(*testing.T) []byte { return []byte(`<meta charset="iso-2022-kr">` + bgSample) }, kindHTML, `<meta charset="iso-2022-kr">` + bgSample, "utf-8", "utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := toUTF8(tc.data(t), tc.declared, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tc.want || got.Charset != tc.charset || got.How != tc.how {
				t.Errorf("got %q as %s (%s), want %q as %s (%s)", got.Text, got.Charset, got.How, tc.want, tc.charset, tc.how)
			}
		})
	}
}

// TestToUTF8RefusesJunk: declarations that would decode to junk are errors
// naming the problem.
func TestToUTF8RefusesJunk(t *testing.T) {
	for _, tc := range []struct {
		name, declared string
		data           []byte
		kind           int
		want           string
	}{
		{"declared iso-2022-kr", "iso-2022-kr", []byte("\x1b$)C\x0e!!\x0f text"), kindText, `charset "iso-2022-kr" is not supported`},
		{"declared hz-gb-2312", "hz-gb-2312", []byte("~{<:Ky2;S{#,NpJ)l6HK!#~}"), kindText, "not supported"},
		{"xml declaration iso-2022-kr", "", []byte(`<?xml version="1.0" encoding="ISO-2022-KR"?><rss/>`), kindXML, "not supported"},
		{"declared utf-16, ascii bytes", "utf-16", []byte("Plain ASCII text, not UTF-16 at all."), kindText, "not UTF-16"},
		{"declared utf-16le, utf-8 bytes", "utf-16le", []byte(bgSample), kindText, "declare utf-8"},
		{"declared utf-16, odd length", "utf-16", []byte("a\x00b\x00c"), kindText, "odd number of bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := toUTF8(tc.data, tc.declared, tc.kind)
			if !errors.Is(err, ErrEncoding) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrEncoding mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzToUTF8: any bytes with any declaration decode to valid UTF-8 or fail
// with ErrEncoding; never a panic.
func FuzzToUTF8(f *testing.F) {
	f.Add([]byte(bgSample), "", kindText)
	f.Add([]byte("\xff\xfea\x00b\x00"), "", kindText)
	f.Add([]byte("a\x00b\x00"), "utf-16", kindText)
	f.Add([]byte(`<meta charset="utf-16">x`), "", kindHTML)
	f.Add([]byte(`<?xml version="1.0" encoding="iso-2022-kr"?><rss/>`), "", kindXML)
	f.Add([]byte("\x1b$)C\x0e!!\x0f"), "iso-2022-kr", kindText)
	f.Fuzz(func(t *testing.T, data []byte, declared string, kind int) {
		got, err := toUTF8(data, declared, kind%3)
		if err != nil {
			if !errors.Is(err, ErrEncoding) {
				t.Fatalf("error %v does not wrap ErrEncoding", err)
			}
			return
		}
		if !utf8.ValidString(got.Text) {
			t.Fatalf("decoded text is not valid UTF-8 (%s, %s)", got.Charset, got.How)
		}
		if got.Charset == "replacement" {
			t.Fatalf("decoded with the replacement encoding")
		}
	})
}

// TestDecodeJSONDeclaredUTF16: JSON declared utf-16 is read in the byte
// order of its byte order mark.
func TestDecodeJSONDeclaredUTF16(t *testing.T) {
	doc := `{"source":"s","title":"Заглавие","body":"` + ruSample + `"}`
	for _, order := range []xunicode.Endianness{xunicode.LittleEndian, xunicode.BigEndian} {
		var got *Item
		err := Decode(strings.NewReader(string(utf16(t, order, true, doc))), FormatJSON, Meta{Charset: "utf-16"}, func(it Item) error {
			got = &it
			return nil
		})
		if err != nil || got == nil || got.Err != nil || got.Article.Body != ruSample {
			t.Errorf("byte order %v: %v, %+v", order, err, got)
		}
	}
	if err := Decode(strings.NewReader(doc), FormatJSON, Meta{Charset: "iso-2022-kr"}, func(Item) error { return nil }); !errors.Is(err, ErrEncoding) {
		t.Errorf("JSON declared iso-2022-kr: %v, want ErrEncoding", err)
	}
}

// TestDecodeHTMLDeclaredUTF16: a page declared utf-16 in the header,
// without a byte order mark, is read in the byte order its text shows; a
// page that is really ASCII is refused, not read as junk.
func TestDecodeHTMLDeclaredUTF16(t *testing.T) {
	page := "<html><body><p>" + bgSample + "</p></body></html>"
	decode := func(data []byte) Item {
		var got Item
		if err := Decode(strings.NewReader(string(data)), FormatHTML, Meta{Source: "s", Charset: "utf-16"}, func(it Item) error {
			got = it
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, order := range []xunicode.Endianness{xunicode.LittleEndian, xunicode.BigEndian} {
		if it := decode(utf16(t, order, false, page)); it.Err != nil || !strings.Contains(it.Article.HTML, bgSample) {
			t.Errorf("byte order %v: %v, %+v", order, it.Err, it.Article)
		}
	}
	if it := decode([]byte(page)); it.Err == nil || !strings.Contains(it.Err.Error(), "not UTF-16") {
		t.Errorf("a UTF-8 page declared utf-16: %v, want an error saying it is not UTF-16", it.Err)
	}
}
