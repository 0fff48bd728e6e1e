// Command langprofiles builds the language profiles that langdetect ships
// (pkg/langdetect/data/profiles.bin.gz) from the character n-gram models of
// lingua-go v1.4.0 (Apache-2.0), which the Go module proxy serves:
//
//	go mod download github.com/pemistahl/lingua-go@v1.4.0
//	go run ./pkg/langdetect/cmd/langprofiles -out pkg/langdetect/data/profiles.bin.gz
//
// It reads the models of the languages written in Latin, Cyrillic, Devanagari or
// Arabic letters (the others are told by their script alone), keeps every
// unigram, bigram and trigram and the most frequent 4-grams (16,000) and
// 5-grams (16,000) of
// each language (by their probability in running text; 3,000 and 2,000
// for langdetect.OtherLanguages, modelled only to tell text in none of the
// supported languages), and writes each
// n-gram's conditional probability as round(-ln p * Scale). The output is
// deterministic. Nothing from the project's test data goes in.
package main

import (
	"archive/zip"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/newsflow/newsflow/pkg/langdetect"
)

// linguaModule is the module the models come from.
const linguaModule = "github.com/pemistahl/lingua-go@v1.4.0"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "langprofiles:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("lingua", "", "lingua-go's module directory (default: from go mod download)")
	out := flag.String("out", "pkg/langdetect/data/profiles.bin.gz", "the profile file to write")
	var keep [6]int
	flag.IntVar(&keep[3], "trigrams", 0, "trigrams kept per language (0: all)")
	flag.IntVar(&keep[4], "quadrigrams", 16000, "4-grams kept per language (0: all)")
	flag.IntVar(&keep[5], "fivegrams", 16000, "5-grams kept per language (0: all)")
	otherKeep := [6]int{}
	flag.IntVar(&otherKeep[4], "other-quadrigrams", 3000, "4-grams kept per other language (0: all)")
	flag.IntVar(&otherKeep[5], "other-fivegrams", 2000, "5-grams kept per other language (0: all)")
	flag.Parse()
	if *dir == "" {
		d, err := moduleDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	var ms []langdetect.NgramModel
	for _, l := range langdetect.ModelLanguages() {
		m, err := languageModel(*dir, l, keep)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	for _, l := range langdetect.OtherLanguages() {
		m, err := languageModel(*dir, l, otherKeep)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create profile file: %w", err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := langdetect.WriteProfiles(zw, ms); err != nil {
		return fmt.Errorf("write profiles: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write profiles: %w", err)
	}
	return f.Close()
}

// moduleDir asks the go command where lingua-go's module is, downloading
// it from the module proxy when needed.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", linguaModule).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", linguaModule, err)
	}
	const key = `"Dir": "`
	i := strings.Index(string(out), key)
	if i < 0 {
		return "", fmt.Errorf("go mod download %s: no Dir in %s", linguaModule, out)
	}
	rest := string(out[i+len(key):])
	return rest[:strings.IndexByte(rest, '"')], nil
}

var orderNames = [6]string{"", "unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}

// languageModel reads the five models of a language and keeps keep[n]
// n-grams of order n, the most probable in running text (the product of
// the conditional probabilities along the n-gram's prefixes).
func languageModel(dir, lang string, keep [6]int) (langdetect.NgramModel, error) {
	m := langdetect.NgramModel{Lang: lang, Cost: map[string]uint8{}}
	joint := map[string]float64{} // ln of the n-gram's probability in text
	for n := 1; n <= 5; n++ {
		probs, err := readModel(filepath.Join(dir, "language-models", lang, orderNames[n]+".pb.bin.zip"))
		if err != nil {
			return m, fmt.Errorf("%s %s: %w", lang, orderNames[n], err)
		}
		type gram struct {
			g string
			j float64
		}
		grams := make([]gram, 0, len(probs))
		for g, p := range probs {
			j := math.Log(p)
			if n > 1 {
				r := []rune(g)
				pj, ok := joint[string(r[:n-1])]
				if !ok {
					continue // no prefix: cannot be reached
				}
				j += pj
			}
			joint[g] = j
			grams = append(grams, gram{g, j})
		}
		sort.Slice(grams, func(a, b int) bool {
			if grams[a].j != grams[b].j {
				return grams[a].j > grams[b].j
			}
			return grams[a].g < grams[b].g
		})
		if keep[n] > 0 && len(grams) > keep[n] {
			grams = grams[:keep[n]]
		}
		for _, g := range grams {
			m.Cost[g.g] = langdetect.Quantise(probs[g.g])
		}
	}
	return m, nil
}

// readModel returns the n-gram probabilities of one of lingua's model
// files: a zip holding one protocol buffer message (SerializableLanguageModel:
// field 4 repeats sets of n-grams, each with its probability in field 1
// and its n-grams in field 2).
func readModel(path string) (map[string]float64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("want one file in the zip, found %d", len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return nil, protowire.ParseError(k)
		}
		b = b[k:]
		if num != 4 || typ != protowire.BytesType {
			if k = protowire.ConsumeFieldValue(num, typ, b); k < 0 {
				return nil, protowire.ParseError(k)
			}
			b = b[k:]
			continue
		}
		set, k := protowire.ConsumeBytes(b)
		if k < 0 {
			return nil, protowire.ParseError(k)
		}
		b = b[k:]
		prob := 0.0
		var grams []string
		for len(set) > 0 {
			num, typ, k := protowire.ConsumeTag(set)
			if k < 0 {
				return nil, protowire.ParseError(k)
			}
			set = set[k:]
			switch {
			case num == 1 && typ == protowire.Fixed64Type:
				v, k := protowire.ConsumeFixed64(set)
				if k < 0 {
					return nil, protowire.ParseError(k)
				}
				set, prob = set[k:], math.Float64frombits(v)
			case num == 2 && typ == protowire.BytesType:
				s, k := protowire.ConsumeBytes(set)
				if k < 0 {
					return nil, protowire.ParseError(k)
				}
				set, grams = set[k:], append(grams, string(s))
			default:
				if k = protowire.ConsumeFieldValue(num, typ, set); k < 0 {
					return nil, protowire.ParseError(k)
				}
				set = set[k:]
			}
		}
		if prob <= 0 || prob > 1 {
			return nil, fmt.Errorf("probability %v out of (0,1]", prob)
		}
		for _, g := range grams {
			out[g] = prob
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no n-grams")
	}
	return out, nil
}
