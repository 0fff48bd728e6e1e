// Command gazgen builds the compact gazetteer files of package entities from
// the openly licensed sources in ../shared/gazetteers (see its SOURCES.md)
// and the word statistics from the test corpus. It is reproducible: the same
// inputs give byte-identical outputs. Run it with `go generate` in
// pkg/entities, or:
//
//	go run ./entities/gazgen -gazetteers ../../shared/gazetteers -corpus ../../shared/corpus -out entities/data
//
// Outputs (one entry a line, tab-separated, sorted):
//   - gazetteer.tsv: KIND, LANG, NAME from the permissive sources (CLDR,
//     faker-ruby, i18n-nationality, russiannames, Party Facts, stopwords-iso);
//   - gazetteer-cc-by-sa.tsv: the same from the two CC BY-SA 4.0 sources
//     (SupraVerden international organisations, HFLabs Russian cities), kept
//     apart so the rest stays under permissive terms;
//   - ids.tsv and ids-cc-by-sa.tsv: ID, NAME for the names that have one id
//     in every language: `iso:XX` for CLDR countries, `m49:NNN` for world
//     regions, `tz:Area/City` for the CLDR exemplar cities, Wikidata QIDs for
//     parties and international organisations (the QIDs are CC0; the names
//     of the second file are CC BY-SA 4.0);
//   - common-words.tsv: LANG, WORD for words that the corpus writes in lower
//     case far more often than capitalised inside a sentence (statistics only,
//     no text), used to tell a capitalised sentence start from a name.
//
// KIND is COUNTRY (countries and world regions), LOC, ORG, FIRST (given name),
// FEMALE (a woman's given name), LAST (surname), PATR (patronymic),
// DEMONYM (capitalised adjectives and nationality nouns that are not
// entities) or STOP (stop words).
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

func main() {
	gaz := flag.String("gazetteers", "../../shared/gazetteers", "directory of the gazetteer sources")
	corp := flag.String("corpus", "../../shared/corpus", "directory of the test corpus (for common-words.tsv); empty to skip")
	out := flag.String("out", "entities/data", "output directory")
	flag.Parse()
	if err := run(*gaz, *corp, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gazgen:", err)
		os.Exit(1)
	}
}

type entrySet map[string]struct{}

// idSet holds "ID\tNAME" lines.
type idSet map[string]struct{}

func (s idSet) add(id, name string) {
	name = strings.Join(strings.Fields(name), " ")
	if id == "" || name == "" || strings.ContainsAny(name, "\t") {
		return
	}
	s[id+"\t"+name] = struct{}{}
}

func (s entrySet) add(kind, lang, name string) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || strings.ContainsAny(name, "\t()[]") {
		return
	}
	if r, _ := utf8.DecodeRuneInString(name); !unicode.IsUpper(r) && kind != "STOP" {
		return
	}
	s[kind+"\t"+lang+"\t"+name] = struct{}{}
}

func (s entrySet) write(path, header string) error {
	lines := make([]string, 0, len(s))
	for k := range s {
		lines = append(lines, k)
	}
	sort.Strings(lines)
	var b strings.Builder
	b.WriteString(header)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

var langs = []string{"en", "bg", "ru", "uk", "de"}

func run(gaz, corp, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	perm, sa := entrySet{}, entrySet{}
	ids, idsSA := idSet{}, idSet{}
	steps := []func() error{
		func() error { return territories(filepath.Join(gaz, "countries", "territories.tsv"), perm, ids) },
		func() error { return displayTerritories(filepath.Join(gaz, "countries", "territories.tsv"), ids) },
		func() error {
			return exemplarCities(filepath.Join(gaz, "cities", "cldr-exemplar-cities.tsv"), perm, ids)
		},
		func() error { return lines(filepath.Join(gaz, "cities", "faker-bg-towns.txt"), "LOC", "bg", perm) },
		func() error { return lines(filepath.Join(gaz, "cities", "faker-uk-cities.txt"), "LOC", "uk", perm) },
		func() error { return lines(filepath.Join(gaz, "cities", "faker-en-capitals.txt"), "LOC", "en", perm) },
		func() error {
			return lines(filepath.Join(gaz, "regions", "faker-ru-federal-subjects.txt"), "LOC", "ru", perm)
		},
		func() error { return lines(filepath.Join(gaz, "regions", "faker-uk-oblasts.txt"), "LOC", "uk", perm) },
		func() error { return lines(filepath.Join(gaz, "regions", "faker-de-states.txt"), "LOC", "de", perm) },
		func() error { return nationalities(gaz, perm) },
		func() error { return names(gaz, perm) },
		func() error { return parties(filepath.Join(gaz, "parties", "parties-wikidata.csv"), perm, ids) },
		func() error { return stopwords(gaz, perm) },
		func() error {
			return organisations(filepath.Join(gaz, "organisations", "international-organisations.tsv"), sa, idsSA)
		},
		func() error { return ruCities(filepath.Join(gaz, "cities", "ru-cities-hflabs.csv"), sa) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	if err := perm.write(filepath.Join(out, "gazetteer.tsv"), "# generated by gazgen from ../shared/gazetteers; sources and licences in NOTICE.md. KIND\tLANG\tNAME\n"); err != nil {
		return err
	}
	if err := sa.write(filepath.Join(out, "gazetteer-cc-by-sa.tsv"), "# generated by gazgen; CC BY-SA 4.0: SupraVerden (c) Confirmordeny 2025-2026, https://github.com/confirmordeny/supraverden; Города России, HFLabs, https://github.com/hflabs/city. KIND\tLANG\tNAME\n"); err != nil {
		return err
	}
	if err := entrySet(ids).write(filepath.Join(out, "ids.tsv"), "# generated by gazgen from ../shared/gazetteers (CLDR, Party Facts with Wikidata QIDs); sources and licences in NOTICE.md. ID\tNAME\n"); err != nil {
		return err
	}
	if err := entrySet(idsSA).write(filepath.Join(out, "ids-cc-by-sa.tsv"), "# generated by gazgen; CC BY-SA 4.0: SupraVerden (c) Confirmordeny 2025-2026, https://github.com/confirmordeny/supraverden (Wikidata QIDs: CC0). ID\tNAME\n"); err != nil {
		return err
	}
	if corp == "" {
		return nil
	}
	return commonWords(corp, filepath.Join(out, "common-words.tsv"))
}

func readTSV(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rows [][]string
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if i == 0 {
			continue
		}
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows, nil
}

func territories(path string, s entrySet, ids idSet) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if len(r) < 5 || (r[1] != "country" && r[1] != "region") {
			continue
		}
		switch r[0] {
		case "EU", "EZ", "UN", "QO", "XA", "XB":
			// Organisations and pseudo-territories, not places.
			continue
		}
		s.add("COUNTRY", r[2], r[3])
		if r[1] == "country" {
			ids.add("iso:"+r[0], r[3])
		} else {
			ids.add("m49:"+r[0], r[3])
		}
	}
	return nil
}

// idLangs are the languages whose names of countries and world regions
// come from golang.org/x/text's CLDR display tables (language/display),
// for the ids only: the shared gazetteers hold CLDR's names in langs.
var idLangs = []string{"pl", "cs", "sl", "hr", "sk"}

// orgQIDs are the Wikidata QIDs of the organisations CLDR lists among
// territories (the European Union, the United Nations): the ids their names
// in other languages have in ids-cc-by-sa.tsv.
var orgQIDs = map[string]string{"EU": "Q458", "UN": "Q1065"}

// displayTerritories adds the names of the territories of territories.tsv
// in idLangs to ids (Dania, Dánsko, Danska: iso:DK).
func displayTerritories(path string, ids idSet) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r) < 5 || (r[1] != "country" && r[1] != "region") || seen[r[0]] {
			continue
		}
		id := orgQIDs[r[0]]
		switch r[0] {
		case "EZ", "QO", "XA", "XB":
			continue
		}
		seen[r[0]] = true
		reg, err := language.ParseRegion(r[0])
		if err != nil {
			continue
		}
		switch {
		case id != "":
		case r[1] == "region":
			id = "m49:" + r[0]
		default:
			id = "iso:" + r[0]
		}
		for _, l := range idLangs {
			if n := display.Regions(language.Make(l)).Name(reg); n != "" && n != r[0] {
				ids.add(id, n)
			}
		}
	}
	return nil
}

func exemplarCities(path string, s entrySet, ids idSet) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	for _, r := range rows {
		for i, l := range langs {
			if i+1 < len(r) {
				s.add("LOC", l, r[i+1])
				ids.add("tz:"+r[0], r[i+1])
			}
		}
	}
	return nil
}

func lines(path, kind, lang string, s entrySet) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		s.add(kind, lang, strings.TrimSpace(l))
	}
	return nil
}

func nationalities(gaz string, s entrySet) error {
	for _, l := range []string{"en", "de"} {
		path := filepath.Join(gaz, "countries", "nationality-"+l+".json")
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		var v struct {
			Nationalities map[string]string `json:"nationalities"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		for _, n := range v.Nationalities {
			s.add("DEMONYM", l, n)
		}
	}
	if err := lines(filepath.Join(gaz, "countries", "faker-en-demonyms.txt"), "DEMONYM", "en", s); err != nil {
		return err
	}
	return lines(filepath.Join(gaz, "countries", "faker-en-nationality-plurals.txt"), "DEMONYM", "en", s)
}

func names(gaz string, s entrySet) error {
	dir := filepath.Join(gaz, "names")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, "faker-") || !strings.HasSuffix(n, ".txt") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(n, "faker-"), ".txt"), "-")
		lang, role := parts[0], parts[len(parts)-1]
		kind := map[string]string{"first": "FIRST", "last": "LAST", "middle": "PATR"}[role]
		if kind == "" {
			continue
		}
		if kind == "FIRST" && strings.Contains(n, "-female-") {
			kind = "FEMALE"
		}
		if lang == "bg" && kind == "PATR" {
			// Bulgarian middle names are fathers' names, the surnames' pattern.
			kind = "LAST"
		}
		if err := lines(filepath.Join(dir, n), kind, lang, s); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		file, kind string
		min        int
	}{{"ru-first-names.tsv", "FIRST", 200}, {"ru-patronymics.tsv", "PATR", 500}} {
		rows, err := readTSV(filepath.Join(dir, f.file))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if len(r) < 3 {
				continue
			}
			n, err := strconv.Atoi(r[2])
			if err != nil {
				return fmt.Errorf("%s: count %q: %w", f.file, r[2], err)
			}
			if n >= f.min && utf8.RuneCountInString(r[0]) > 2 {
				k := f.kind
				if k == "FIRST" && r[1] == "f" {
					k = "FEMALE"
				}
				s.add(k, "ru", r[0])
			}
		}
	}
	return nil
}

func parties(path string, s entrySet, ids idSet) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	native := map[string]string{"BGR": "bg", "RUS": "ru", "UKR": "uk", "DEU": "de", "AUT": "de"}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		s.add("ORG", "en", rec[col["name"]])
		qid := rec[col["wikidata_id"]]
		ids.add(qid, rec[col["name"]])
		short := rec[col["name_short"]]
		if i := strings.IndexByte(short, '/'); i >= 0 {
			short = short[:i]
		}
		if utf8.RuneCountInString(short) >= 2 && strings.ToUpper(short) == short {
			s.add("ORG", "en", short)
		}
		if l := native[rec[col["country"]]]; l != "" {
			s.add("ORG", l, strings.Trim(rec[col["name_native"]], "„“\""))
			ids.add(qid, strings.Trim(rec[col["name_native"]], "„“\""))
		}
	}
	return nil
}

func stopwords(gaz string, s entrySet) error {
	for _, l := range langs {
		if err := lines(filepath.Join(gaz, "stopwords", "stopwords-iso-"+l+".txt"), "STOP", l, s); err != nil {
			return err
		}
	}
	return nil
}

func organisations(path string, s entrySet, ids idSet) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	// wikidata, abbr_en, name_en, alt_en, name_ru, name_uk, name_de, ...
	for _, r := range rows {
		if len(r) < 7 {
			continue
		}
		if a := r[1]; utf8.RuneCountInString(a) >= 2 {
			s.add("ORG", "en", a)
		}
		s.add("ORG", "en", r[2])
		for _, alt := range strings.Split(r[3], "|") {
			s.add("ORG", "en", strings.TrimSpace(alt))
		}
		s.add("ORG", "ru", r[4])
		s.add("ORG", "uk", r[5])
		s.add("ORG", "de", r[6])
		if strings.HasPrefix(r[0], "Q") {
			for _, n := range append([]string{r[1], r[2], r[4], r[5], r[6]}, strings.Split(r[3], "|")...) {
				if utf8.RuneCountInString(strings.TrimSpace(n)) >= 2 {
					ids.add(r[0], strings.TrimSpace(n))
				}
			}
		}
	}
	return nil
}

func ruCities(path string, s entrySet) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		name := rec[col["city"]]
		if name == "" {
			name = rec[col["settlement"]]
		}
		pop, _ := strconv.Atoi(rec[col["population"]])
		if pop >= 50000 || rec[col["capital_marker"]] != "0" {
			s.add("LOC", "ru", name)
		}
	}
	return nil
}

// commonWords counts, per corpus language, how often each word is written
// in lower case and how often capitalised where no sentence starts.
func commonWords(corp, out string) error {
	files := map[string]string{"bg.jsonl": "bg", "bg_htfn.jsonl": "bg", "ru.jsonl": "ru", "uk.jsonl": "uk", "en.jsonl": "en", "de.jsonl": "de"}
	type counts struct{ lower, capMid, capStart int }
	stats := map[string]map[string]*counts{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		lang := files[n]
		if stats[lang] == nil {
			stats[lang] = map[string]*counts{}
		}
		m := stats[lang]
		f, err := os.Open(filepath.Join(corp, n))
		if err != nil {
			return fmt.Errorf("open corpus file: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var a struct {
				Body string `json:"body"`
			}
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				f.Close()
				return fmt.Errorf("decode %s: %w", n, err)
			}
			words(a.Body, func(w string, sentStart bool) {
				r, _ := utf8.DecodeRuneInString(w)
				lw := strings.ToLower(w)
				c := m[lw]
				if c == nil {
					c = &counts{}
					m[lw] = c
				}
				switch {
				case unicode.IsLower(r):
					c.lower++
				case !sentStart:
					c.capMid++
				default:
					c.capStart++
				}
			})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read %s: %w", n, err)
		}
	}
	var b strings.Builder
	b.WriteString("# generated by gazgen from word counts of the test corpus (statistics only). LANG\tWORD\n")
	for _, lang := range []string{"bg", "de", "en", "ru", "uk"} {
		var ws []string
		for w, c := range stats[lang] {
			if c.lower >= 4*c.capMid && (c.lower >= 4 && c.capStart >= 1 || c.lower >= 15) && utf8.RuneCountInString(w) > 1 {
				ws = append(ws, w)
			}
		}
		sort.Strings(ws)
		for _, w := range ws {
			b.WriteString(lang + "\t" + w + "\n")
		}
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// words calls fn for each word of text with whether it starts a sentence.
func words(text string, fn func(w string, sentStart bool)) {
	start := true
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			switch r {
			case '.', '!', '?', '\n', ':', '…', '"', '„', '«', '“', '(':
				start = true
			}
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r2) && r2 != '-' && r2 != '\'' {
				break
			}
			j += n2
		}
		fn(strings.TrimRight(text[i:j], "-'"), start)
		start = false
		i = j
	}
}
