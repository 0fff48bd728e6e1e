package langdetect

import (
	"strings"
	"unicode"
)

// foldCost is what a letter costs a language, on top of its model's
// cost, when the text has it without the accent the language writes it
// with (profile units); -1 turns the accent-free n-grams off. One nat,
// chosen on fold 0 of corpus/langid and on its accented languages' lines
// with the accents stripped (pt ca fr ro cs sk pl sv nb da hu tr de):
//
//	foldCost          off     0.5    1 nat  1.5    2 nats
//	fold 0 sentences  95.90  95.94  95.95  95.93  95.93
//	fold 0 pairs      89.54  89.46  89.50  89.56  89.59
//	stripped, sent.   94.25  96.95  96.80  96.46  96.09
//	stripped, pairs   77.75  84.74  84.15  83.17  82.37
//
// (with the accented-letter test as shipped, which also knows the
// Vietnamese letters, 1 nat gives 96.92 and 84.18 on the stripped lines).
// Used in every text instead of only in texts without accents, 1 nat
// cost fold 0's pairs 0.9 point (es 76.0 to 69.6: the Spanish file has
// no accented letters, other languages' bare n-grams took it).
var foldCost int32 = 12

// folded marks an entry that addFolded made: it counts only in texts
// without accented letters (see Detect). langBits has the language of an
// entry, after a shift right by 8.
const (
	folded   = 0x8000
	langBits = 0x3f
)

// foldFrom and foldTo map the lower-case accented Latin letters of the
// modelled languages to their letters without the accent.
const (
	foldFrom = "áàâäãåāăąçćčďđéèêëēėęěíìîïīįıĩłñńňóòôöõőøōŕřśšşșțţťúùûüűūůũýÿźżžơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
	foldTo   = "aaaaaaaaacccddeeeeeeeeiiiiiiiilnnnoooooooorrsssstttuuuuuuuuyyzzzouaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyy"
)

var foldMap = func() map[rune]rune {
	f, t := []rune(foldFrom), []rune(foldTo)
	if len(f) != len(t) {
		panic("langdetect: fold tables differ in length")
	}
	m := make(map[rune]rune, len(f))
	for i, r := range f {
		m[r] = t[i]
	}
	return m
}()

// accented has the accented letters of foldFrom below U+0250, both
// cases.
var accented = func() (a [0x250]bool) {
	for r := range foldMap {
		if r < 0x250 {
			a[r] = true
			if u := unicode.ToUpper(r); u < 0x250 {
				a[u] = true
			}
		}
	}
	return a
}()

// isAccented reports whether r is a letter that fold strips.
func isAccented(r rune) bool {
	if r < 0x250 {
		return accented[r]
	}
	if r < 0x1ea0 || r > 0x1ef9 {
		return false
	}
	_, ok := foldMap[toLower(r)]
	return ok
}

// fold returns g with its letters' accents stripped, and whether any was.
func fold(g string) (string, bool) {
	changed := false
	for _, r := range g {
		if _, ok := foldMap[r]; ok {
			changed = true
			break
		}
	}
	if !changed {
		return g, false
	}
	var b strings.Builder
	for _, r := range g {
		if t, ok := foldMap[r]; ok {
			r = t
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// addFolded notes, when n-gram g has accented letters, its entries
// (language and cost) for g without them, at foldCost more, in
// accentFree: Load gives them to each language whose model lacks the bare
// n-gram, so that text typed without accents reads as the language it is
// in rather than as whichever language writes those letters bare. Of two
// accented n-grams with the same bare form, the cheaper counts.
func addFolded(accentFree map[string][]uint16, g string, entries []uint16) {
	f, ok := fold(g)
	if !ok {
		return
	}
	es := accentFree[f]
next:
	for _, e := range entries {
		lang := e >> 8
		c := uint16(min(int32(e&0xff)+foldCost, 255))
		for k, e2 := range es {
			if (e2>>8)&langBits == lang {
				if e2&0xff > c {
					es[k] = folded | lang<<8 | c
				}
				continue next
			}
		}
		es = append(es, folded|lang<<8|c)
	}
	accentFree[f] = es
}
