package intake

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestVoteParagraphs(t *testing.T) {
	article := []string{
		"The council voted on Tuesday to reopen the old tram line between the station and the harbour.",
		"Work is to start in the spring and should take two years, the mayor told reporters after the vote.",
		"Residents of the harbour district have asked for the line since it closed in the nineteen sixties.",
	}
	chrome := "Set this site as your home page: open the settings and type its address."
	body := strings.Join(append(append([]string{}, article...), chrome), "\n\n")
	cases := []struct {
		name, second, want string
	}{
		{"the other extractor leaves out a paragraph of ours: dropped",
			strings.Join(article, " "), strings.Join(article, "\n\n") + "\n"},
		{"it found text we did not: ours kept whole",
			strings.Join(article, " ") + " Subscribe to our weekly letter about the city and its trams and buses.", body},
		{"it found much less: ours kept whole",
			article[0], body},
		{"it found nothing: ours kept whole", "", body},
		{"it found all of ours: unchanged", strings.Join(article, " ") + " " + chrome, body},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := voteParagraphs(body, c.second); got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestSecondOpinion: go-trafilatura finds the article of a page without
// changing the tree readability works on next.
func TestSecondOpinion(t *testing.T) {
	page := `<html><head><title>Trams</title></head><body><nav><a href="/">Home</a> <a href="/city">City</a></nav>
<article><h1>Trams return to the harbour</h1>
<p>The council voted on Tuesday to reopen the old tram line between the station and the harbour.</p>
<p>Work is to start in the spring and should take two years, the mayor told reporters after the vote.</p>
<p>Residents of the harbour district have asked for the line since it closed in the nineteen sixties.</p>
</article><footer>Copyright the example paper</footer></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		var b strings.Builder
		if err := html.Render(&b, doc); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	before := render()
	text := secondOpinion(doc, nil)
	for _, want := range []string{"council voted", "start in the spring", "nineteen sixties"} {
		if !strings.Contains(text, want) {
			t.Errorf("second opinion lost %q: %q", want, text)
		}
	}
	if strings.Contains(text, "Copyright") {
		t.Errorf("second opinion kept the footer: %q", text)
	}
	if render() != before {
		t.Error("second opinion changed the page's tree")
	}
}

// TestVoteGate: the page's elements are counted, so that a page over
// voteMaxElements is not given to go-trafilatura.
func TestVoteGate(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><head><title>T</title></head><body><article>")
	for range voteMaxElements {
		b.WriteString("<p>Paragraph of the article.</p>")
	}
	b.WriteString("</article></body></html>")
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	// html, head, title, body, article and the paragraphs.
	if md := readMetadata(doc); md.elements != voteMaxElements+5 {
		t.Errorf("counted %d elements, want %d", md.elements, voteMaxElements+5)
	}
}
