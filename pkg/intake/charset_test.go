package intake

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
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
