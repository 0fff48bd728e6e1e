package langdetect

import "strings"

// SerbianCyrillic transliterates Latin-script Serbo-Croatian (Gaj's
// alphabet) into Serbian Cyrillic, letter for letter, and turns the
// ijekavian "ije" into the ekavian "е" of standard Serbian. The generator
// uses it to give the Serbian profile real running text.
func SerbianCyrillic(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		var next rune
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		lower := r | 0x20
		upper := r >= 'A' && r <= 'Z' || r == 'Č' || r == 'Ć' || r == 'Đ' || r == 'Š' || r == 'Ž'
		pick := func(lo, up string) {
			if upper {
				b.WriteString(up)
			} else {
				b.WriteString(lo)
			}
		}
		switch {
		case (lower == 'l' || lower == 'n') && (next == 'j' || next == 'J'):
			if lower == 'l' {
				pick("љ", "Љ")
			} else {
				pick("њ", "Њ")
			}
			i++
		case lower == 'd' && (next == 'ž' || next == 'Ž'):
			pick("џ", "Џ")
			i++
		case lower == 'i' && i+2 < len(rs) && rs[i+1] == 'j' && rs[i+2] == 'e':
			pick("е", "Е")
			i += 2
		default:
			if c, ok := gaj(r); ok {
				b.WriteString(c)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// gaj maps a single Latin letter to Serbian Cyrillic.
func gaj(r rune) (string, bool) {
	const latin, cyrillic = "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ", "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ"
	i := 0
	for _, l := range latin {
		if l == r {
			return string([]rune(cyrillic)[i]), true
		}
		i++
	}
	return "", false
}
