package entities

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// TrainSentence is one tokenised sentence of training data with its BIO
// labels (Label of the tags).
type TrainSentence struct {
	// Doc is the document the sentence belongs to (for splitting data).
	Doc    string
	Lang   string
	Words  []string
	Labels []int
}

// TrainOptions set how a model is trained.
type TrainOptions struct {
	// Bits is the log2 of the number of feature buckets (default 20).
	Bits uint
	// Epochs over the data (default 6).
	Epochs int
	// Seed orders the sentences of each epoch (deterministic).
	Seed uint64
	// Log receives one line per epoch; nil for none.
	Log io.Writer
}

// euEntity is the entity id of the European Union in the token files'
// ec topic, annotated by another convention than the scored topics
// (numeric ids): its Latin-script files (pl, cs, sk, sl, hr) type it a
// place, the Cyrillic ones and every scored topic an organisation.
const euEntity = "6"

// ReadBSNLPTokens reads a BSNLP token file (`doc sentence token text lemma
// upos xpos ner entity`, with a header line) as sentences in lang.
func ReadBSNLPTokens(r io.Reader, lang string) ([]TrainSentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var out []TrainSentence
	var cur *TrainSentence
	lastDoc, lastSent := "", ""
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		if line == 1 && len(f) > 0 && f[0] == "doc" {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("line %d: %d columns, want at least 8 (doc sentence token text lemma upos xpos ner)", line, len(f))
		}
		tag := f[7]
		if len(f) > 8 && f[8] == euEntity && strings.HasPrefix(f[0], "bsnlp-ec-") {
			// The ec topic's European Union, a place in its Latin-script
			// files: an organisation, as the scored topics have it.
			tag = strings.Replace(tag, "-LOC", "-ORG", 1)
		}
		l := Label(tag)
		if l < 0 {
			return nil, fmt.Errorf("line %d: unknown tag %q", line, f[7])
		}
		if cur == nil || f[0] != lastDoc || f[1] != lastSent {
			out = append(out, TrainSentence{Doc: f[0], Lang: lang})
			cur = &out[len(out)-1]
			lastDoc, lastSent = f[0], f[1]
		}
		cur.Words = append(cur.Words, f[3])
		cur.Labels = append(cur.Labels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadCoNLL reads CoNLL-2003 data (`token POS chunk NER`, IOB1 tags,
// -DOCSTART- between documents) as English sentences in BIO.
func ReadCoNLL(r io.Reader, docPrefix string) ([]TrainSentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var out []TrainSentence
	var cur *TrainSentence
	doc, line := 0, 0
	prevType := ""
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			cur, prevType = nil, ""
			continue
		}
		if f[0] == "-DOCSTART-" {
			doc++
			cur, prevType = nil, ""
			continue
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("line %d: %d columns, want 4", line, len(f))
		}
		tag := f[3]
		typ := ""
		if tag != "O" {
			_, typ, _ = strings.Cut(tag, "-")
			// IOB1: I- opens a span unless it continues one of its type.
			if strings.HasPrefix(tag, "I-") && prevType != typ {
				tag = "B-" + typ
			}
		}
		prevType = typ
		l := Label(tag)
		if l < 0 {
			return nil, fmt.Errorf("line %d: unknown tag %q", line, f[3])
		}
		if cur == nil {
			out = append(out, TrainSentence{Doc: fmt.Sprintf("%s-%d", docPrefix, doc), Lang: "en"})
			cur = &out[len(out)-1]
		}
		cur.Words = append(cur.Words, f[0])
		cur.Labels = append(cur.Labels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadTrainingFile reads a BSNLP token file (bsnlp-tokens-<lang>.tsv) or
// a CoNLL file (eng.*) by its name.
func ReadTrainingFile(path string) ([]TrainSentence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read training data: %w", err)
	}
	defer f.Close()
	base := path[strings.LastIndexByte(path, '/')+1:]
	var ss []TrainSentence
	switch {
	case strings.HasPrefix(base, "bsnlp-tokens-") && strings.HasSuffix(base, ".tsv"):
		ss, err = ReadBSNLPTokens(f, strings.TrimSuffix(strings.TrimPrefix(base, "bsnlp-tokens-"), ".tsv"))
	case strings.HasPrefix(base, "eng."):
		ss, err = ReadCoNLL(f, "conll-"+strings.TrimPrefix(base, "eng."))
	default:
		return nil, fmt.Errorf("training file %s: want bsnlp-tokens-<lang>.tsv or eng.<split>", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ss, nil
}

// wordTokens turns the words of a training sentence into tokens, as if the
// words were written with spaces between them.
func wordTokens(words []string) []textseg.Token {
	toks := make([]textseg.Token, len(words))
	off := 0
	for i, w := range words {
		k := textseg.Punct
		for _, r := range w {
			if unicode.IsLetter(r) {
				k = textseg.Word
				break
			}
			if unicode.IsDigit(r) {
				k = textseg.Number
			}
		}
		toks[i] = textseg.Token{Text: w, Start: off, End: off + len(w), Kind: k}
		off += len(w) + 1
	}
	return toks
}

// ruleLabels runs the rule-based chunker over one sentence and returns, per
// token, the type of the mention it is part of (1 + 2*type, +1 inside a
// mention; 0 outside).
func (x *Extractor) ruleLabels(toks []textseg.Token, lang string, ms []mention) []ruleLabel {
	out := make([]ruleLabel, len(toks))
	k := 0
	for _, m := range ms {
		for k < len(toks) && toks[k].Start < m.start {
			k++
		}
		var code ruleLabel
		switch m.typ {
		case "PERSON":
			code = 1
		case "LOCATION":
			code = 3
		case "ORGANIZATION":
			code = 5
		default:
			code = 7
		}
		if m.weak {
			code += 8
		}
		for j := k; j < len(toks) && toks[j].End <= m.end; j++ {
			out[j] = code
			if j > k {
				out[j] = code + 1
			}
		}
	}
	return out
}

// sentenceFeatures returns the hashed features of every token of a
// sentence, running the rule-based chunker for its features.
func (x *Extractor) sentenceFeatures(toks []textseg.Token, lang string, doc map[string]uint8) [][]uint64 {
	xc := *x
	xc.memo = &gazMemo{}
	xc.memo.reserve(len(toks))
	xc.memo.reset(toks)
	ms, _ := xc.sentence(toks, lang, nil, nil)
	s := x.newSentFeatures(toks, lang, x.ruleLabels(toks, lang, ms), doc)
	feats := make([][]uint64, len(toks))
	var buf []uint64
	for i := range toks {
		buf = s.features(buf[:0], i)
		feats[i] = append([]uint64(nil), buf...)
	}
	return feats
}

// Train trains a model on sents with x's gazetteer and rules as features.
func (x *Extractor) Train(sents []TrainSentence, opt TrainOptions) *Model {
	if opt.Bits == 0 {
		opt.Bits = 20
	}
	if opt.Epochs == 0 {
		opt.Epochs = 6
	}
	m := &Model{bits: opt.Bits, w: make([]float32, (1<<opt.Bits)*nLabels)}
	feats := make([][][]uint64, len(sents))
	docs := map[string][][]string{}
	for _, s := range sents {
		docs[s.Doc] = append(docs[s.Doc], s.Words)
	}
	stats := map[string]map[string]uint8{}
	for d, ws := range docs {
		stats[d] = docWords(ws)
	}
	for i, s := range sents {
		feats[i] = x.sentenceFeatures(wordTokens(s.Words), s.Lang, stats[s.Doc])
	}
	u := make([]float64, len(m.w))
	var ut [nLabels + 1][nLabels]float64
	c := 1.0
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 1))
	var pred []int
	upd := func(fs []uint64, l int, d float32) {
		for _, h := range fs {
			b := m.bucket(h) + l
			m.w[b] += d
			u[b] += c * float64(d)
		}
	}
	for ep := range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		errs, toks := 0, 0
		for _, si := range order {
			s := sents[si]
			pred = m.decode(feats[si], pred)
			prevG, prevP := nLabels, nLabels
			for i, g := range s.Labels {
				p := pred[i]
				toks++
				if g != p {
					errs++
					upd(feats[si][i], g, 1)
					upd(feats[si][i], p, -1)
				}
				if g != p || prevG != prevP {
					m.trans[prevG][g]++
					ut[prevG][g] += c
					m.trans[prevP][p]--
					ut[prevP][p] -= c
				}
				prevG, prevP = g, p
			}
			c++
		}
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "epoch %d: %d of %d tokens wrong (%.2f%%)\n", ep+1, errs, toks, 100*float64(errs)/float64(toks))
		}
	}
	for i := range m.w {
		m.w[i] -= float32(u[i] / c)
	}
	for a := range m.trans {
		for b := range m.trans[a] {
			m.trans[a][b] -= float32(ut[a][b] / c)
		}
	}
	return m
}

// modelMagic opens a model file.
const modelMagic = "newsflow-ner-1\n"

// Write writes m compressed: the buckets that hold a weight, quantised to
// 16 bits.
func (m *Model) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var maxAbs float64
	for _, v := range m.w {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	scale := float32(32767 / math.Max(maxAbs, 1e-9))
	bw.WriteString(modelMagic)
	var buf [binary.MaxVarintLen64]byte
	putU := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	putI := func(v int64) { bw.Write(buf[:binary.PutVarint(buf[:], v)]) }
	putF := func(f float32) { putU(uint64(math.Float32bits(f))) }
	putU(uint64(m.bits))
	putF(scale)
	for a := range m.trans {
		for b := range m.trans[a] {
			putF(m.trans[a][b])
		}
	}
	last := -1
	var q [nLabels]int64
	for b := 0; b < len(m.w)/nLabels; b++ {
		nz := false
		for l := range nLabels {
			q[l] = int64(math.Round(float64(m.w[b*nLabels+l] * scale)))
			nz = nz || q[l] != 0
		}
		if !nz {
			continue
		}
		putU(uint64(b - last))
		last = b
		for l := range nLabels {
			putI(q[l])
		}
	}
	putU(0)
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// ErrBadModel is returned by ReadModel for data that is not a model.
var ErrBadModel = errors.New("not a newsflow NER model")

// ReadModel reads a model written by Write. Its weights stay quantised.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, fmt.Errorf("%w: bad header", ErrBadModel)
	}
	var rerr error
	getU := func() uint64 {
		v, err := binary.ReadUvarint(br)
		if err != nil && rerr == nil {
			rerr = err
		}
		return v
	}
	getI := func() int64 {
		v, err := binary.ReadVarint(br)
		if err != nil && rerr == nil {
			rerr = err
		}
		return v
	}
	getF := func() float32 { return math.Float32frombits(uint32(getU())) }
	nbits := getU()
	if rerr != nil || nbits < 8 || nbits > 22 {
		return nil, fmt.Errorf("%w: %d bucket bits", ErrBadModel, nbits)
	}
	m := &Model{bits: uint(nbits), idx: make([]sparseWord, (1<<nbits)/64)}
	scale := getF()
	for a := range m.trans {
		for b := range m.trans[a] {
			m.trans[a][b] = getF() * scale
		}
	}
	b := -1
	for rerr == nil {
		d := getU()
		if d == 0 {
			break
		}
		b += int(d)
		if b >= 1<<nbits {
			return nil, fmt.Errorf("%w: bucket %d out of range", ErrBadModel, b)
		}
		var row [nLabels]int16
		nz := false
		for l := range nLabels {
			v := getI()
			if v < math.MinInt16 || v > math.MaxInt16 {
				return nil, fmt.Errorf("%w: weight %d out of range", ErrBadModel, v)
			}
			row[l] = int16(v)
			nz = nz || v != 0
		}
		if nz {
			m.idx[b>>6].set |= 1 << (b & 63)
			m.rows = append(m.rows, row[:]...)
		}
	}
	if rerr != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, rerr)
	}
	var rank uint32
	for i := range m.idx {
		m.idx[i].rank = rank
		rank += uint32(bits.OnesCount64(m.idx[i].set))
	}
	m.rows = slices.Clip(m.rows)
	return m, nil
}

// TrainingFiles are the training files in a corpus ner folder: the BSNLP
// token files of every language and CoNLL-2003 English train (never testa,
// which is scored, nor the test split, which is not in the corpus).
var TrainingFiles = []string{
	"bsnlp-tokens-bg.tsv", "bsnlp-tokens-ru.tsv", "bsnlp-tokens-uk.tsv", "bsnlp-tokens-pl.tsv",
	"bsnlp-tokens-cs.tsv", "bsnlp-tokens-sl.tsv", "bsnlp-tokens-hr.tsv", "bsnlp-tokens-sk.tsv",
	"conll2003/eng.train",
}

// ReadTrainingData reads TrainingFiles from dir, leaving out the BSNLP
// documents of the topics in exclude ("bsnlp-<topic>-..." ids).
func ReadTrainingData(dir string, exclude []string) ([]TrainSentence, error) {
	var out []TrainSentence
	for _, f := range TrainingFiles {
		ss, err := ReadTrainingFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			if !excluded(s.Doc, exclude) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func excluded(doc string, topics []string) bool {
	for _, t := range topics {
		if strings.HasPrefix(doc, "bsnlp-"+t+"-") {
			return true
		}
	}
	return false
}

// bsnlpTypes maps the BSNLP entity types to the article's.
var bsnlpTypes = map[string]string{"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION", "PRO": "OTHER", "EVT": "OTHER"}

// ReadAliasItems reads the annotated names of bsnlp-entities.jsonl (every
// mention and base form with its type and cross-lingual id) for
// BuildAliases, leaving out the documents of the topics in exclude.
func ReadAliasItems(path string, exclude []string) ([]AliasItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read annotations: %w", err)
	}
	defer f.Close()
	var out []AliasItem
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	line := 0
	for sc.Scan() {
		line++
		var d struct {
			ID       string `json:"id"`
			Entities []struct {
				Mention, Base, Type, Entity string
			} `json:"entities"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if excluded(d.ID, exclude) {
			continue
		}
		for _, e := range d.Entities {
			t := bsnlpTypes[e.Type]
			if t == "" || e.Entity == "" {
				continue
			}
			out = append(out, AliasItem{Name: e.Mention, Type: t, Entity: e.Entity})
			if e.Base != "" && e.Base != e.Mention {
				out = append(out, AliasItem{Name: e.Base, Type: t, Entity: e.Entity})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
