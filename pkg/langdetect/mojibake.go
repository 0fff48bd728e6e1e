package langdetect

import "strings"

// Turkish text written in Windows-1254 (or ISO 8859-9) and read as
// Windows-1252 (or ISO 8859-1) has ý, þ, ð, Ý, Þ and Ð where Turkish has
// ı, ş, ğ, İ, Ş and Ğ: the six letters are the only ones the two code
// pages disagree on. Such text still turns up on the web; read as it is,
// it is und or Icelandic-looking noise. Detect repairs it before scoring
// when the text has the letters of the mistake and none that rule it out.

// The classes of mojibakeClass.
const (
	mbThornEth = 1 << iota // þ ð Þ Ð: only Icelandic and Faroese write them
	mbYAcute               // ý Ý: also Czech, Slovak, Icelandic
	mbTurkish              // ç ö ü ş ğ and capitals: Turkish letters both code pages have
	mbNot                  // letters Turkish text cannot have in either code page
)

// mojibakeClass classifies the letters below U+0180.
var mojibakeClass = func() (c [0x180]uint8) {
	for _, r := range "þðÞÐ" {
		c[r] = mbThornEth
	}
	for _, r := range "ýÝ" {
		c[r] = mbYAcute
	}
	for _, r := range "çöüşğÇÖÜŞĞ" {
		c[r] = mbTurkish
	}
	// Icelandic and Faroese vowels, æ and ø; the Czech and Slovak letters
	// beside ý.
	for _, r := range "áéíóúæøÁÉÍÓÚÆØčřěšžůťďňľĺŕČŘĚŠŽŮŤĎŇĽĹŔ" {
		c[r] = mbNot
	}
	return c
}()

// isTurkishMojibake reports whether a text whose letters below U+0180
// have the classes seen reads as Turkish in the wrong code page: þ or ð,
// or ý beside a Turkish letter, and nothing Turkish cannot have.
func isTurkishMojibake(seen uint8) bool {
	if seen&mbNot != 0 {
		return false
	}
	return seen&mbThornEth != 0 || seen&mbYAcute != 0 && seen&mbTurkish != 0
}

var turkishRepair = strings.NewReplacer("ý", "ı", "þ", "ş", "ð", "ğ", "Ý", "İ", "Þ", "Ş", "Ð", "Ğ")

// repairTurkish puts Windows-1254's letters back in place of
// Windows-1252's.
func repairTurkish(text string) string { return turkishRepair.Replace(text) }
