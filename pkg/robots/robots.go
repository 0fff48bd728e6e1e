// Package robots reads robots.txt files (RFC 9309): the groups of rules
// per user agent, Allow and Disallow with the * and $ wildcards (the
// longest match wins, Allow on a tie) and Crawl-delay. It does no I/O.
package robots

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"time"
)

// MaxBytes is how much of a robots.txt file is read (RFC 9309 asks for at
// least 500 KiB); the rest is ignored.
const MaxBytes = 512 << 10

// Rules are the rules of one robots.txt file.
type Rules struct {
	groups []group
}

type group struct {
	agents []string // lower case; "*" for any
	rules  []rule
	delay  time.Duration
}

type rule struct {
	allow   bool
	pattern string
}

// AllowAll are the rules of a site without robots.txt (a 4xx answer).
func AllowAll() *Rules { return &Rules{} }

// DisallowAll are the rules while a site's robots.txt cannot be read (a
// 5xx answer or no answer): nothing may be fetched.
func DisallowAll() *Rules {
	return &Rules{groups: []group{{agents: []string{"*"}, rules: []rule{{pattern: "/"}}}}}
}

// Parse reads a robots.txt file. Lines it does not understand are
// skipped, as the RFC asks; it never fails.
func Parse(data []byte) *Rules {
	if len(data) > MaxBytes {
		data = data[:MaxBytes]
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := &Rules{}
	var cur *group
	inAgents := false // the previous line was a user-agent line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxBytes)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if !inAgents || cur == nil {
				r.groups = append(r.groups, group{})
				cur = &r.groups[len(r.groups)-1]
			}
			cur.agents = append(cur.agents, strings.ToLower(val))
			inAgents = true
		case "allow", "disallow":
			inAgents = false
			if cur == nil || (val == "" && key == "disallow") {
				continue // "Disallow:" with nothing allows everything
			}
			cur.rules = append(cur.rules, rule{allow: key == "allow", pattern: val})
		case "crawl-delay":
			inAgents = false
			if cur == nil {
				continue
			}
			if s, err := strconv.ParseFloat(val, 64); err == nil && s >= 0 && s < 86400 {
				cur.delay = time.Duration(s * float64(time.Second))
			}
		default:
			inAgents = false
		}
	}
	return r
}

// find returns the rules of agent (its product token, e.g. "newsflow"):
// every group naming it, else every "*" group, merged as the RFC says.
func (r *Rules) find(agent string) []group {
	agent = strings.ToLower(agent)
	var named, any []group
	for _, g := range r.groups {
		for _, a := range g.agents {
			switch {
			case a == "*":
				any = append(any, g)
			case a != "" && strings.Contains(agent, a):
				named = append(named, g)
			default:
				continue
			}
			break
		}
	}
	if len(named) > 0 {
		return named
	}
	return any
}

// Allowed reports whether agent may fetch path (the URL's path and query,
// "/" when empty). /robots.txt itself is always allowed.
func (r *Rules) Allowed(agent, path string) bool {
	if path == "" {
		path = "/"
	}
	if path == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, g := range r.find(agent) {
		for _, ru := range g.rules {
			if !match(ru.pattern, path) {
				continue
			}
			n := len(ru.pattern)
			if n > best || (n == best && ru.allow) {
				best, allow = n, ru.allow
			}
		}
	}
	return allow
}

// CrawlDelay is the delay agent is asked to keep between requests (0 when
// none is given).
func (r *Rules) CrawlDelay(agent string) time.Duration {
	var d time.Duration
	for _, g := range r.find(agent) {
		d = max(d, g.delay)
	}
	return d
}

// match reports whether pattern (with * for any run of characters and a
// final $ for the end) matches the start of path.
func match(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i, p := range parts[1:] {
		if i == len(parts)-2 && anchored {
			// The last part must end the path.
			return strings.HasSuffix(path[pos:], p)
		}
		j := strings.Index(path[pos:], p)
		if j < 0 {
			return false
		}
		pos += j + len(p)
	}
	return !anchored || pos == len(path)
}
