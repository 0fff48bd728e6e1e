package langdetect

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// The und calibration set is text collected on this machine, not the
// langid files: the translated messages of the programs' message
// catalogues (/usr/share/locale/<lang>/LC_MESSAGES/*.mo), written by
// people in about a hundred languages, among them many that langdetect
// does not support. Nothing of them is copied into the repository.

// localeDir is where the catalogues are read from.
const localeDir = "/usr/share/locale"

// unsupportedLocales are catalogue languages written in the Latin,
// Cyrillic, Arabic or Devanagari script that langdetect does not support (text in
// them should come back und). Those with a model in OtherLanguages are
// marked "other" by calibSets.
var unsupportedLocales = []string{
	"an", "ast", "ay", "ba", "br", "ce", "ckb", "crh", "csb", "cv", "cy", "eo", "fo", "frp", "fur", "fy",
	"gd", "gl", "gn", "gv", "ha", "haw", "ht", "ia", "ie", "io", "is", "kab", "kmr", "ku", "kv", "kw",
	"ky", "lg", "li", "mai", "mg", "mhr", "mi", "mr", "nds", "ne", "nso", "oc", "ps", "qu", "rw", "sc", "sd", "so", "tg",
	"tk", "tt", "ug", "ur", "uz", "ve", "wa", "wo", "xh", "yo", "zu",
}

// moMessages returns the translations in a GNU .mo file.
func moMessages(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 28 {
		return nil
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch bo.Uint32(b) {
	case 0x950412de:
	case 0xde120495:
		bo = binary.BigEndian
	default:
		return nil
	}
	n := int(bo.Uint32(b[8:]))
	tOff := int(bo.Uint32(b[16:]))
	var out []string
	for i := range n {
		e := tOff + 8*i
		if e+8 > len(b) {
			break
		}
		l, o := int(bo.Uint32(b[e:])), int(bo.Uint32(b[e+4:]))
		if o+l > len(b) || l == 0 {
			continue
		}
		// plural forms are NUL-separated: the first one will do
		s, _, _ := strings.Cut(string(b[o:o+l]), "\x00")
		out = append(out, s)
	}
	return out
}

var (
	reFormat = regexp.MustCompile(`%[-+ #0-9.*$lhzjtqL]*[a-zA-Z%]|\{[^}]*\}|<[^>]*>|\$\{?[A-Za-z_]+\}?|--?[a-z][-a-z0-9]*|[A-Za-z]+://\S+|\S+/\S+|\\[nt]`)
)

// cleanMessage removes format directives, markup, options, paths and
// accelerators from a message, and returns it with its letters counted.
func cleanMessage(s string) (string, int) {
	s = reFormat.ReplaceAllString(s, " ")
	s = strings.NewReplacer("_", "", "&", "", "\n", " ", "\t", " ").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return s, n
}

// calibSet is one language's messages: sentences (at least 30 letters)
// and two-word samples made from them (at least 10 letters).
type calibSet struct {
	lang      string
	supported bool
	other     bool // modelled in OtherLanguages
	sentences []string
	pairs     []string
}

// maxMessages bounds the messages read per language (the catalogues are
// read in name order until this many).
const maxMessages = 1500

// calibSets reads the catalogues of the supported and the unsupported
// languages, at most perLang messages each, in a fixed order.
func calibSets(tb testing.TB, d *Detector, perLang int) []calibSet {
	if _, err := os.Stat(localeDir); err != nil {
		tb.Skipf("no message catalogues at %s: %v", localeDir, err)
	}
	supported := map[string]bool{}
	for _, l := range d.Languages() {
		supported[l] = true
	}
	others := map[string]bool{}
	for _, l := range OtherLanguages() {
		others[l] = true
	}
	dirs := map[string][]string{} // language -> locale dirs
	entries, _ := os.ReadDir(localeDir)
	for _, e := range entries {
		name := e.Name()
		if strings.Contains(name, "@") || !e.IsDir() {
			continue // sr@latin, be@latin, en@quot, ...
		}
		lang, _, _ := strings.Cut(name, "_")
		switch lang {
		case "no":
			lang = "nb"
		case "fil":
			lang = "tl"
		case "en":
			if name != "en_GB" {
				continue
			}
		}
		dirs[lang] = append(dirs[lang], name)
	}
	var out []calibSet
	add := func(lang string, sup bool) {
		seen := map[string]bool{}
		var msgs []string
		for _, dir := range dirs[lang] {
			files, _ := filepath.Glob(filepath.Join(localeDir, dir, "LC_MESSAGES", "*.mo"))
			sort.Strings(files)
			for _, f := range files {
				if strings.Contains(filepath.Base(f), "iso_") {
					continue // names of languages and countries, not text
				}
				if len(msgs) >= maxMessages {
					break
				}
				for _, m := range moMessages(f) {
					m, n := cleanMessage(m)
					if n >= 10 && !seen[m] {
						seen[m] = true
						msgs = append(msgs, m)
					}
				}
			}
		}
		if len(msgs) < 20 {
			return
		}
		cs := calibSet{lang: lang, supported: sup, other: others[lang]}
		step := max(1, len(msgs)/perLang)
		for i := 0; i < len(msgs) && len(cs.sentences) < perLang; i += step {
			m := msgs[i]
			if _, n := cleanMessage(m); n >= 30 {
				cs.sentences = append(cs.sentences, m)
			}
			if w := strings.Fields(m); len(w) >= 2 {
				p := w[0] + " " + w[1]
				if _, n := cleanMessage(p); n >= 10 {
					cs.pairs = append(cs.pairs, p)
				}
			}
		}
		out = append(out, cs)
	}
	langs := make([]string, 0, len(dirs))
	for l := range dirs {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		if supported[l] {
			add(l, true)
		}
	}
	for _, l := range unsupportedLocales {
		add(l, false)
	}
	return out
}

// calibScores runs the detector over the sets: for the supported
// languages, the share right and the share und; for the unsupported, the
// share und. Means are over languages.
type calibScore struct {
	supRight, supUnd, unsupUnd, otherUnd, noModelUnd float64
}

func scoreCalib(d *Detector, sets []calibSet, pairs bool, minConf float64) calibScore {
	var sc calibScore
	var nSup, nUnsup, nOther, nNo float64
	for _, cs := range sets {
		texts := cs.sentences
		if pairs {
			texts = cs.pairs
		}
		if len(texts) == 0 {
			continue
		}
		right, und := 0, 0
		for _, t := range texts {
			r := d.Detect(t)
			l := r.Lang
			if l != "" && l != Und && r.Confidence < minConf {
				l = Und
			}
			switch l {
			case cs.lang:
				right++
			case Und, "":
				und++
			}
		}
		n := float64(len(texts))
		if cs.supported {
			sc.supRight += float64(right) / n
			sc.supUnd += float64(und) / n
			nSup++
		} else {
			sc.unsupUnd += float64(und) / n
			nUnsup++
			if cs.other {
				sc.otherUnd += float64(und) / n
				nOther++
			} else {
				sc.noModelUnd += float64(und) / n
				nNo++
			}
		}
	}
	sc.supRight /= nSup
	sc.supUnd /= nSup
	sc.unsupUnd /= nUnsup
	sc.otherUnd /= nOther
	sc.noModelUnd /= nNo
	return sc
}

// TestCalibrateUnd prints, with LANGDETECT_CALIBRATE=1, the scores on the
// catalogues for a sweep of maxFit and MinConfidence (how maxFit was
// chosen); LANGDETECT_PERLANG=1 adds what each language came out as.
func TestCalibrateUnd(t *testing.T) {
	if os.Getenv("LANGDETECT_CALIBRATE") == "" {
		t.Skip("set LANGDETECT_CALIBRATE=1")
	}
	d := detector(t)
	sets := calibSets(t, d, 100)
	var b strings.Builder
	for _, cs := range sets {
		fmt.Fprintf(&b, "%s(%d/%d) ", cs.lang, len(cs.sentences), len(cs.pairs))
	}
	t.Log(b.String())
	if os.Getenv("LANGDETECT_PERLANG") != "" {
		for _, cs := range sets {
			for _, pairs := range []bool{false, true} {
				texts := cs.sentences
				if pairs {
					texts = cs.pairs
				}
				got := map[string]int{}
				for _, s := range texts {
					got[d.Detect(s).Lang]++
				}
				t.Logf("%s pairs=%v supported=%v %v", cs.lang, pairs, cs.supported, got)
			}
		}
	}
	defer func(v float64) { maxFit = v }(maxFit)
	for _, mf := range []float64{0, 3.5, 4, 4.5, 5, 6} {
		maxFit = mf
		for _, mc := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
			s := scoreCalib(d, sets, false, mc)
			p := scoreCalib(d, sets, true, mc)
			t.Logf("maxFit %.1f minConf %.2f | sentences: supported right %.3f und %.3f, unsupported und %.3f (modelled %.3f, no model %.3f) | pairs: supported right %.3f und %.3f, unsupported und %.3f (modelled %.3f, no model %.3f)",
				mf, mc, s.supRight, s.supUnd, s.unsupUnd, s.otherUnd, s.noModelUnd, p.supRight, p.supUnd, p.unsupUnd, p.otherUnd, p.noModelUnd)
		}
	}
}

// TestUndOnCatalogues holds the figures the thresholds were chosen with
// (less a margin), 100 messages per language: the supported languages'
// sentences 0.898 right and 0.003 und (pairs 0.774); text in the
// unsupported languages und 0.909 of the time when OtherLanguages model
// them (pairs 0.801; Marathi, which Hindi's prior holds back, is the
// lowest) and 0.264 when nothing does (pairs 0.313; Nepali and Maithili
// read as Hindi). MinConfidence 0.4 and the rule that text read best as
// one of OtherLanguages is und took these from 0.913 / 0.817 and 0.279 /
// 0.355 (at 0.5 without the rule).
func TestUndOnCatalogues(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the message catalogues")
	}
	d := detector(t)
	sets := calibSets(t, d, 100)
	s := scoreCalib(d, sets, false, MinConfidence)
	p := scoreCalib(d, sets, true, MinConfidence)
	t.Logf("sentences: supported right %.3f und %.3f; unsupported und %.3f (modelled %.3f, no model %.3f)", s.supRight, s.supUnd, s.unsupUnd, s.otherUnd, s.noModelUnd)
	t.Logf("pairs: supported right %.3f und %.3f; unsupported und %.3f (modelled %.3f, no model %.3f)", p.supRight, p.supUnd, p.unsupUnd, p.otherUnd, p.noModelUnd)
	if s.supRight < 0.88 || s.supUnd > 0.02 {
		t.Errorf("supported sentences: %.3f right, %.3f und; want >= 0.88 and <= 0.02", s.supRight, s.supUnd)
	}
	if s.otherUnd < 0.88 || s.noModelUnd < 0.25 {
		t.Errorf("unsupported sentences: und %.3f (modelled), %.3f (no model); want >= 0.88 and >= 0.25", s.otherUnd, s.noModelUnd)
	}
	if p.supRight < 0.74 || p.otherUnd < 0.77 || p.noModelUnd < 0.29 {
		t.Errorf("pairs: supported right %.3f, und %.3f (modelled), %.3f (no model); want >= 0.74, 0.77, 0.29", p.supRight, p.otherUnd, p.noModelUnd)
	}
}

// TestUndUnsupported: sentences written for this test in languages
// outside the supported set come back und, not a confident wrong answer;
// so do a lone short word, and text in letters of no modelled script.
func TestUndUnsupported(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct{ lang, text string }{
		{"eo", "La registaro anoncis hieraŭ, ke la novaj impostoj ekvalidos en la venonta jaro."},
		{"eo", "Multaj homoj kolektiĝis en la urba placo por protesti kontraŭ la decido de la urbestro."},
		{"la", "Senatus populusque Romanus bellum contra hostes gerere decrevit, quod fines eorum vastaverant."},
		{"la", "Consul milites in castra duxit et nuntios ad urbem misit."},
		{"cy", "Mae'r llywodraeth wedi cyhoeddi y bydd yr ysgolion yn cau yfory oherwydd y tywydd."},
		{"is", "Ríkisstjórnin tilkynnti í gær að nýir skattar tækju gildi á næsta ári."},
		{"zu", "Uhulumeni umemezele ukuthi izikole zizovalwa kusasa ngenxa yesimo sezulu."},
		{"so", "Dowladda ayaa shaacisay in dugsiyada la xiri doono berri sababtoo ah roobka."},
		{"mi", "Kua pānuitia e te kāwanatanga ka katia ngā kura āpōpō nā te huarere."},
		{"yo", "Ìjọba ti kéde pé àwọn ilé-ìwé yóò wà ní pípa ní ọ̀la nítorí òjò."},
		{"mn", "Засгийн газар маргааш сургуулиудыг хаана гэж мэдэгдлээ."},
		{"ur", "حکومت نے اعلان کیا ہے کہ کل سکول بند رہیں گے۔"},
		{"tk", "Hökümet ertiň mekdepleriň ýapyljakdygyny yglan etdi."},
		{"mr", "सरकारने उद्या सर्व शाळा बंद राहतील असे जाहीर केले आहे."},
		{"short", "ok"},
		{"ethiopic", "መንግሥት ትምህርት ቤቶች ነገ እንደሚዘጉ አስታወቀ።"},
	} {
		if r := d.Detect(tc.text); r.Lang != Und {
			t.Errorf("%s: Detect(%q) = %s (%.3f), want und", tc.lang, tc.text, r.Lang, r.Confidence)
		}
	}
	// Mixed input: the language of most of the text, or und, never a
	// third language.
	for _, tc := range []struct{ text, want string }{
		{"Der Bundestag hat heute das neue Gesetz beschlossen, sagte the minister.", "de"},
		{"Министърът заяви пред BBC News, че правителството ще подаде оставка.", "bg"},
	} {
		if r := d.Detect(tc.text); r.Lang != tc.want {
			t.Errorf("Detect(%q) = %s (%.3f), want %s", tc.text, r.Lang, r.Confidence, tc.want)
		}
	}
}
