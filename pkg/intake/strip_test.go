package intake

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestStripHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"script and style", `<p>a</p><script>var x = "<p>no</p>";</script><style>p{}</style><p>b</p>`, `<p>a</p><p>b</p>`},
		{"upper case and attributes", `<SCRIPT type="text/javascript">x()</SCRIPT ><p>b</p>`, `<p>b</p>`},
		{"json-ld kept", `<script type="application/ld+json">{"headline":"h"}</script><p>b</p>`, `<script type="application/ld+json">{"headline":"h"}</script><p>b</p>`},
		{"comments", `<p>a<!-- <script> -- > --></p><!---->b`, `<p>a</p>b`},
		{"unterminated comment", `<p>a</p><!-- the rest`, `<p>a</p>`},
		{"self-closed script", `<script src="x.js"/><p>b</p>`, `<p>b</p>`},
		{"not a script", `<scripts>t</scripts><styles>u</styles>`, `<scripts>t</scripts><styles>u</styles>`},
		{"svg", `<p>a<svg><g><svg></svg></g><text>no</text></svg>b</p>`, `<p>ab</p>`},
		{"end tag in a string", `<script>document.write("</scr" + "ipt>")</script><p>b</p>`, `<p>b</p>`},
		{"long attribute", `<img alt="x" src="data:image/png;base64,` + strings.Repeat("A", 10000) + `"><p>b</p>`, `<img alt="x"><p>b</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StripHTML(strings.NewReader(tt.in), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestStripHTMLLimit(t *testing.T) {
	page := "<p>" + strings.Repeat("<script>x</script>", 1000)
	if _, err := StripHTML(strings.NewReader(page), int64(len(page))); err != nil {
		t.Fatalf("a page of exactly the limit: %v", err)
	}
	_, err := StripHTML(strings.NewReader(page), int64(len(page)-1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	// What is kept is bounded too: 9 MB of paragraphs is not one article.
	text := strings.Repeat("<p>"+strings.Repeat("word ", 200)+"</p>", 9<<20/1007)
	_, err = StripHTML(strings.NewReader(text), 16<<20)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "once scripts and styles are left out") {
		t.Fatalf("error %v, want ErrTooLarge for what is kept", err)
	}
}

// FuzzStripHTML: stripping never fails on any bytes under the limit, never
// grows the page by more than the closing of cut tags, and leaves no
// script text behind.
func FuzzStripHTML(f *testing.F) {
	for _, s := range []string{`<p>a</p><script>x</script>`, `<!-- c -->`, `<script type="application/ld+json">{}</script>`, `<svg><svg></svg>`, `<scRipt`, `<style/`, "<a href='" + strings.Repeat("x", 5000) + "'>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := StripHTML(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if errors.Is(err, ErrTooDeep) {
				return
			}
			t.Fatalf("error %v", err)
		}
		if len(out) > len(b)+len(b)/2+16 {
			t.Fatalf("%d bytes became %d", len(b), len(out))
		}
		if bytes.Contains(out, []byte("<script>x")) {
			t.Fatalf("script text kept: %q", out)
		}
	})
}
