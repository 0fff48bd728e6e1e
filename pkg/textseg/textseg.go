// Package textseg splits news text into tokens and sentences. It knows the
// abbreviations of Cyrillic and Latin news writing ("г.", "т.е.", "д-р",
// "проф.", "U.S.", "Mr.", "z.B.", "m.in."), initials ("Дж. Байдън",
// "J. Smith"), numbers with separators ("1,5", "2.000"), URLs, and the
// typographic quotes of Bulgarian, Russian and English („...“, «...», "...").
//
// It needs no language hint: the abbreviation tables of every supported
// language are merged, and where they disagree the context decides (a "г."
// after a number is a year and may end a sentence; before a name it is a
// city or "господин" and does not).
//
// Offsets are byte offsets into the text given, so callers can map tokens
// and sentences back to the original.
package textseg

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind classifies a token.
type Kind uint8

// Token kinds.
const (
	// Word is a run of letters and digits, with inner hyphens and
	// apostrophes ("по-голям", "д-р", "O'Brien", "COVID-19").
	Word Kind = iota + 1
	// Number is a run of digits with inner separators ("1,5", "2.000", "12:30").
	Number
	// Abbrev is an abbreviation including its dots ("г.", "т.е.", "U.S.",
	// "Mr.") or an initial ("Дж.", "J.").
	Abbrev
	// Punct is punctuation: ".", "...", "?!", ",", quotes, brackets, dashes.
	Punct
	// Symbol is any other visible character ("%", "$", "€", "+").
	Symbol
	// URL is a web address or e-mail address.
	URL
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Word:
		return "word"
	case Number:
		return "number"
	case Abbrev:
		return "abbrev"
	case Punct:
		return "punct"
	case Symbol:
		return "symbol"
	case URL:
		return "url"
	}
	return "unknown"
}

// Token is one token of a text.
type Token struct {
	// Text is the token as it appears in the text.
	Text string
	// Start and End are the byte offsets of Text in the text.
	Start, End int
	Kind       Kind
}

// IsWord reports whether the token counts as a word: a word, number or
// abbreviation.
func (t Token) IsWord() bool { return t.Kind == Word || t.Kind == Number || t.Kind == Abbrev }

// Capitalized reports whether the token starts with an upper-case letter.
func (t Token) Capitalized() bool { return FirstUpper(t.Text) }

// AllCaps reports whether the token has at least two letters and all its
// letters are upper case ("НАТО", "BBC", "U.S.").
func (t Token) AllCaps() bool {
	n := 0
	for _, r := range t.Text {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			n++
		}
	}
	return n >= 2
}

// Sentence is one sentence of a text.
type Sentence struct {
	// Text is the sentence from its first token to its last.
	Text string
	// Start and End are the byte offsets of Text in the text.
	Start, End int
	// Tokens are the sentence's tokens; the slice shares its array with
	// the other sentences of the same Split call.
	Tokens []Token
}

// Tokenize splits text into tokens. White space separates tokens and is
// not returned.
func Tokenize(text string) []Token {
	return AppendTokens(make([]Token, 0, len(text)/5+1), text)
}

// AppendTokens appends the tokens of text (see Tokenize) to dst, so that a
// caller can reuse the array of an earlier text.
func AppendTokens(dst []Token, text string) []Token {
	toks, base := dst, len(dst)
	for i := 0; i < len(text); {
		r, n := DecodeRune(text, i)
		switch {
		case isWordRune(r):
			toks = append(toks, scanWord(text, i, toks[base:]))
			i = toks[len(toks)-1].End
		case isSpace(r):
			i += n
		default:
			t := scanOther(text, i, r, n)
			toks = append(toks, t)
			i = t.End
		}
	}
	return toks
}

// CountWords returns the number of word tokens in text (see Token.IsWord)
// without keeping the tokens.
func CountWords(text string) int {
	n := 0
	for _, t := range Tokenize(text) {
		if t.IsWord() {
			n++
		}
	}
	return n
}

// DecodeRune is utf8.DecodeRuneInString(s[i:]) with fast paths for ASCII
// and two-byte sequences (Cyrillic, Latin with diacritics), the bulk of
// news text.
func DecodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if c >= 0xC2 && c < 0xE0 && i+1 < len(s) {
		if d := s[i+1]; d >= 0x80 && d < 0xC0 {
			return rune(c&0x1F)<<6 | rune(d&0x3F), 2
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// ToLower is strings.ToLower with a fast path for ASCII and the Cyrillic
// letters U+0400-U+045F, the bulk of news text.
func ToLower(s string) string {
	b := []byte(nil)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			if c >= 'A' && c <= 'Z' {
				if b == nil {
					b = []byte(s)
				}
				b[i] = c + 32
			}
		case c == 0xD0 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0xBF:
			d := s[i+1]
			switch {
			case d >= 0x90 && d <= 0x9F: // А-П -> а-п
				if b == nil {
					b = []byte(s)
				}
				b[i+1] = d + 0x20
			case d >= 0xA0 && d <= 0xAF: // Р-Я -> р-я
				if b == nil {
					b = []byte(s)
				}
				b[i], b[i+1] = 0xD1, d-0x20
			case d >= 0x80 && d <= 0x8F: // Ѐ-Џ -> ѐ-џ
				if b == nil {
					b = []byte(s)
				}
				b[i], b[i+1] = 0xD1, d+0x10
			}
			i++
		case c == 0xD1 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F:
			i++ // а-я, ѐ-џ: already small
		default:
			return strings.ToLower(s)
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\u00a0' || r == '\u200b' || r == '\ufeff' || unicode.IsSpace(r)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	switch {
	case r >= 0x400 && r <= 0x481 || r >= 0x48a && r <= 0x52f: // Cyrillic letters
		return true
	case r >= 0xc0 && r <= 0x24f: // Latin-1 and Latin Extended letters
		return r != 0xd7 && r != 0xf7
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// joiners may sit inside a word between two word characters.
func isJoiner(r rune) bool {
	return r == '-' || r == '\'' || r == '’' || r == '\u2011' || r == '\u00ad' || r == 'ʼ'
}

// scanWord reads the word, number, abbreviation or URL starting at i.
func scanWord(text string, i int, prev []Token) Token {
	if end := urlEnd(text, i); end > i {
		return Token{Text: text[i:end], Start: i, End: end, Kind: URL}
	}
	start := i
	digits, letters := 0, 0
	firstDigit := isDigit(rune(text[i]))
	allDigits := true
	for i < len(text) {
		r, n := DecodeRune(text, i)
		if isWordRune(r) {
			if isDigit(r) {
				digits++
			} else {
				letters++
				allDigits = false
			}
			i += n
			continue
		}
		// A joiner or a number separator continues the token when a word
		// character follows it.
		if i+n >= len(text) {
			break
		}
		next, _ := DecodeRune(text, i+n)
		if !isWordRune(next) {
			break
		}
		if isJoiner(r) {
			allDigits = allDigits && r == '-' && isDigit(next)
			i += n
			continue
		}
		if (r == '.' || r == ',' || r == ':') && allDigits && isDigit(next) && isDigit(lastRune(text[start:i])) {
			i += n
			continue
		}
		break
	}
	word := text[start:i]
	if firstDigit && allDigits {
		return Token{Text: word, Start: start, End: i, Kind: Number}
	}
	// An abbreviation takes its dot, and the pieces of a dotted
	// abbreviation ("т.е.", "U.S.", "m.in.") are read as one.
	if i < len(text) && text[i] == '.' {
		if end, ok := dotted(text, start, i); ok {
			return Token{Text: text[start:end], Start: start, End: end, Kind: Abbrev}
		}
		if abbrevClass(word, prevWord(prev)) != notAbbrev {
			return Token{Text: text[start : i+1], Start: start, End: i + 1, Kind: Abbrev}
		}
	}
	return Token{Text: word, Start: start, End: i, Kind: Word}
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func prevWord(prev []Token) *Token {
	if len(prev) == 0 {
		return nil
	}
	return &prev[len(prev)-1]
}

// dotted reads a dotted abbreviation whose first piece is text[start:dot]:
// short letter pieces each followed by a dot ("т.е.", "U.S.", "z.B.",
// "т.нар.", "ub.r."). It returns the end offset after the last dot.
func dotted(text string, start, dot int) (int, bool) {
	if utf8.RuneCountInString(text[start:dot]) > 3 || !allLetters(text[start:dot]) {
		return 0, false
	}
	pieces := 1
	i := dot + 1
	for {
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += n
		}
		if j == i || j >= len(text) || text[j] != '.' || utf8.RuneCountInString(text[i:j]) > 4 {
			break
		}
		// "Т.Мэй.", "Mr.Benn.": an initial or title glued to a name.
		if n := utf8.RuneCountInString(text[i:j]); n >= 3 && FirstUpper(text[i:j]) && !(Token{Text: text[i:j]}).AllCaps() {
			break
		}
		pieces++
		i = j + 1
	}
	if pieces < 2 {
		return 0, false
	}
	return i, true
}

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// urlEnd returns the end of a URL or e-mail address starting at i, or i.
func urlEnd(text string, i int) int {
	rest := text[i:]
	if !webAddress(rest) {
		// user@host.tld
		j := i
		for j < len(text) && j-i < 64 && (isASCIIWord(text[j]) || text[j] == '.' || text[j] == '-' || text[j] == '_' || text[j] == '+') {
			j++
		}
		if j < len(text) && text[j] == '@' && j > i {
			k := j + 1
			dots := 0
			for k < len(text) && (isASCIIWord(text[k]) || text[k] == '.' || text[k] == '-') {
				if text[k] == '.' {
					dots++
				}
				k++
			}
			for k > j+1 && text[k-1] == '.' {
				k--
				dots--
			}
			if dots > 0 {
				return k
			}
		}
		return i
	}
	j := i
	for j < len(text) {
		r, n := utf8.DecodeRuneInString(text[j:])
		if isSpace(r) || r == '"' || r == '<' || r == '>' || r == '“' || r == '”' || r == '«' || r == '»' {
			break
		}
		j += n
	}
	// Trailing punctuation belongs to the sentence, not the URL.
	for j > i {
		c := text[j-1]
		if c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' || c == '\'' {
			j--
			continue
		}
		break
	}
	return j
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// webAddress reports whether s starts with "http://", "https://" or
// "www.", in any case.
func webAddress(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] | 0x20 {
	case 'h':
		return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://")
	case 'w':
		return hasPrefixFold(s, "www.")
	}
	return false
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix
// in any case. (Unicode folding adds nothing here: a letter that folds to
// an ASCII one, such as U+017F for "s", takes more bytes than the prefix
// has room for.)
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// scanOther reads a punctuation or symbol token starting at i.
func scanOther(text string, i int, r rune, n int) Token {
	start := i
	i += n
	kind := Symbol
	switch {
	case r == '.':
		kind = Punct
		for i < len(text) && text[i] == '.' {
			i++
		}
	case r == '!' || r == '?':
		kind = Punct
		for i < len(text) && (text[i] == '!' || text[i] == '?') {
			i++
		}
	case r == '%' || r == '‰' || r == '#' || r == '&' || r == '*' || r == '@' || r == '§' || r == '†':
	case unicode.IsPunct(r):
		kind = Punct
	}
	return Token{Text: text[start:i], Start: start, End: i, Kind: kind}
}

// FirstUpper reports whether s starts with an upper-case letter.
func FirstUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
