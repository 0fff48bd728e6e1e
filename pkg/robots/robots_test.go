package robots

import (
	"testing"
	"time"
)

func TestAllowed(t *testing.T) {
	const txt = `# example
User-agent: *
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Crawl-delay: 2

User-agent: BadBot
User-agent: other
Disallow: /

User-agent: newsflow
Disallow: /news/drafts
Crawl-delay: 0.5
`
	r := Parse([]byte(txt))
	tests := []struct {
		name, agent, path string
		want              bool
	}{
		{"root", "somebot", "/", true},
		{"disallowed dir", "somebot", "/private/x", false},
		{"longer allow wins", "somebot", "/private/open/1", true},
		{"wildcard end", "somebot", "/a/b.pdf", false},
		{"wildcard end not at end", "somebot", "/a/b.pdf?x=1", true},
		{"grouped agents", "BadBot/1.0", "/anything", false},
		{"second agent of the group", "other", "/x", false},
		{"own group replaces *", "newsflow-poller/1.0", "/private/x", true},
		{"own group rule", "newsflow-poller/1.0", "/news/drafts/1", false},
		{"robots.txt always", "badbot", "/robots.txt", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Allowed(tt.agent, tt.path); got != tt.want {
				t.Errorf("Allowed(%q, %q) = %v, want %v", tt.agent, tt.path, got, tt.want)
			}
		})
	}
	if d := r.CrawlDelay("somebot"); d != 2*time.Second {
		t.Errorf("crawl delay of * = %s, want 2s", d)
	}
	if d := r.CrawlDelay("newsflow"); d != 500*time.Millisecond {
		t.Errorf("crawl delay of newsflow = %s, want 500ms", d)
	}
}

func TestAllowAllDisallowAll(t *testing.T) {
	if !AllowAll().Allowed("x", "/a") {
		t.Error("AllowAll refused /a")
	}
	if DisallowAll().Allowed("x", "/a") {
		t.Error("DisallowAll allowed /a")
	}
	if !Parse([]byte("User-agent: *\nDisallow:\n")).Allowed("x", "/a") {
		t.Error("an empty Disallow refused /a")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /a*b$\nAllow: /a\n"), "/ab")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		r := Parse(data)
		_ = r.Allowed("newsflow", path)
		_ = r.CrawlDelay("newsflow")
	})
}
