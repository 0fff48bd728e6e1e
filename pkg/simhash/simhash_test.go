package simhash

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

const original = `Министърът на външните работи на Русия Сергей Лавров заяви на съвместна пресконференция след края на преговорите с американския си колега Майк Помпео в Сочи, че двете страни са се договорили да предприемат мерки за нормализация на отношенията между Москва и Вашингтон. Освен това Лавров е отбелязал, че Русия и САЩ са съгласни за необходимостта да се възстановят двустранните канали за комуникация и изрази надежда, че ситуацията в отношенията между двете страни ще се подобри. Както подчерта руският министър, Москва е заинтересована във възобновяването на диалога със САЩ по всички аспекти на контрола над въоръженията. Той допълни, че Москва ще реагира позитивно на предложение за среща между президентите на двете държави на форума в Осака.`

// rewritten is original as another outlet would run it: a word or two
// changed, a clause dropped.
const rewritten = `Министърът на външните работи на Русия Сергей Лавров заяви на съвместна пресконференция след края на преговорите с американския си колега Майк Помпео в Сочи, че двете страни са се договорили да предприемат мерки за нормализация на отношенията между Москва и Вашингтон. Освен това Лавров е отбелязал, че Русия и САЩ са съгласни за необходимостта да се възстановят двустранните канали за комуникация и изрази надежда, че ситуацията в отношенията между двете държави ще се подобри. Както подчерта руският министър, Москва е заинтересована във възобновяването на диалога със САЩ по всички аспекти на контрола над въоръженията. Той добави, че Москва ще реагира позитивно на предложение за среща между президентите на двете държави на форума в Осака.`

// sameTopic is a different article about the same meeting.
const sameTopic = `Държавният секретар на САЩ Майк Помпео пристигна в Сочи за разговори с руския външен министър Сергей Лавров и с президента Владимир Путин. Основните теми на срещата са Венецуела, Иран и контролът над въоръженията, съобщиха от Държавния департамент. Помпео каза пред журналисти, че Вашингтон иска по-добри отношения с Москва, но няма да приеме намесата в изборите. Лавров от своя страна заяви, че Русия е готова за диалог, ако САЩ се откажат от заплахите срещу Венецуела. Срещата в Сочи е първата на толкова високо ниво от месеци насам.`

func TestFingerprintDistances(t *testing.T) {
	o, r, s := Fingerprint(original), Fingerprint(rewritten), Fingerprint(sameTopic)
	if d := Distance(o, r); d > MaxDistance {
		t.Errorf("rewritten copy is %d bits away, want at most %d", d, MaxDistance)
	}
	if d := Distance(o, s); d <= MaxDistance {
		t.Errorf("another article on the same topic is only %d bits away", d)
	}
	if Fingerprint(original) != o {
		t.Error("fingerprint is not deterministic")
	}
	// Case, punctuation and layout do not matter.
	if Fingerprint(strings.ToUpper(strings.ReplaceAll(original, ", ", " ,\n"))) != o {
		t.Error("fingerprint depends on case or punctuation")
	}
}

func TestFingerprintEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		nonZero bool
	}{
		{"empty", "", false},
		{"punctuation only", " ... !!! —", false},
		{"one word", "Лавров", true},
		{"two words", "Лавров заяви", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fingerprint(tc.text); (got != 0) != tc.nonZero {
				t.Errorf("Fingerprint(%q) = %x", tc.text, got)
			}
		})
	}
}

// TestFingerprintGolden pins the fingerprint of a fixed text: stored
// fingerprints must stay comparable across releases.
func TestFingerprintGolden(t *testing.T) {
	if got := fmt.Sprintf("%016x", Fingerprint("the quick brown fox jumps over the lazy dog")); got != "3c05a296952bb45a" {
		t.Errorf("fingerprint changed: %s, was 3c05a296952bb45a; stored fingerprints would no longer match", got)
	}
}

func TestBands(t *testing.T) {
	fp := uint64(0x0123456789abcdef)
	want := []uint64{0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01}
	for i := range want {
		if got := slot(i, fp); got != i<<8|int(want[i]) {
			t.Errorf("MemoryIndex files band %d of %x in slot %d, want %d", i, fp, got, i<<8|int(want[i]))
		}
	}
}

func TestMemoryIndex(t *testing.T) {
	ctx := context.Background()
	x := NewMemoryIndex()
	steps := []struct {
		id, text, want string
	}{
		{"orig", original, ""},
		{"other", sameTopic, ""},
		{"copy", rewritten, "orig"},
		{"copy2", rewritten + " Допълнение.", "orig"}, // a copy of the copy points at the original
		{"orig", original, "copy"},                    // reprocessing finds its copies, not itself
	}
	for _, s := range steps {
		got, err := x.Add(ctx, s.id, Sign(s.text))
		if err != nil {
			t.Fatal(err)
		}
		if s.id == "orig" && s.want == "copy" {
			if got == "orig" {
				t.Errorf("re-added original matched itself")
			}
			continue
		}
		if got != s.want {
			t.Errorf("Add(%s) = %q, want %q", s.id, got, s.want)
		}
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add(original)
	f.Add("\xff\xfe a b")
	f.Fuzz(func(t *testing.T, s string) {
		a, b := Fingerprint(s), Fingerprint(s+" ")
		if a != b {
			t.Errorf("trailing space changed the fingerprint: %x, %x", a, b)
		}
	})
}

func BenchmarkFingerprint(b *testing.B) {
	text := strings.Repeat(original+"\n", 3)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Fingerprint(text)
	}
}
