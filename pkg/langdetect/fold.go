package langdetect

import "strings"

// foldCost is what a letter costs a language, on top of its model's
// cost, when the text has it without the accent the language writes it
// with (profile units); -1 turns the accent-free n-grams off.
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

// addFolded gives each language, for every n-gram of its model written
// with accents, the same n-gram without them at foldCost more (or at its
// own cost, if the model has that n-gram and it costs less): text typed
// without accents then reads as the language it is in rather than as
// whichever language writes those letters bare.
func addFolded(grams []string, costs [][]uint16) ([]string, [][]uint16) {
	idx := make(map[string]int, len(grams))
	for i, g := range grams {
		idx[g] = i
	}
	n := len(grams)
	for i := range n {
		f, ok := fold(grams[i])
		if !ok {
			continue
		}
		j, ok := idx[f]
		if !ok {
			j = len(grams)
			idx[f] = j
			grams = append(grams, f)
			costs = append(costs, nil)
		}
		for _, e := range costs[i] {
			c := min(int32(e&0xff)+foldCost, 255)
			lang := e >> 8
			has := false
			for _, e2 := range costs[j] {
				if (e2>>8)&langBits == lang {
					has = true
					break
				}
			}
			if !has {
				costs[j] = append(costs[j][:len(costs[j]):len(costs[j])], folded|lang<<8|uint16(c))
			}
		}
	}
	return grams, costs
}
