package langdetect

// ClearConfidence is the confidence a detected language needs to replace
// the language the publisher declared.
const ClearConfidence = 0.9

// plausible is the probability under which a declared language is taken
// as contradicted by the text.
const plausible = 0.05

// Choose returns the article's language and its confidence from the
// language the publisher declared ("" for none) and the detector's result
// on the article's text. The declared language is kept unless the text
// clearly says otherwise: another language with at least ClearConfidence,
// the declared one below 5%. The confidence is the detector's probability
// of the language returned (0 when it was not among the candidates). With
// nothing declared, the detected language (Und when unsure, or when the
// text has no letters) is returned.
func Choose(declared string, r Result) (string, float64) {
	if declared == "" {
		if r.Lang == "" {
			return Und, 0
		}
		return r.Lang, r.Confidence
	}
	p := 0.0
	for _, c := range r.Top {
		if c.Lang == declared {
			p = c.P
		}
	}
	if r.Lang != "" && r.Lang != Und && r.Lang != declared && r.Confidence >= ClearConfidence && p < plausible {
		return r.Lang, r.Confidence
	}
	return declared, p
}
