package article

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrBadTime is wrapped by ParseTime errors.
var ErrBadTime = errors.New("unrecognised or impossible time")

// timeLayouts are the numeric layouts ParseTime tries, in order. Layouts
// without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	"Mon, 02 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04 -0700",
	time.RFC850,
	time.ANSIC,
	time.UnixDate,
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"02.01.2006, 15:04",
	"02.01.2006 г. 15:04",
	"02.01.2006 г., 15:04",
	"02.01.2006 г.",
	"02.01.2006",
	"2.1.2006 15:04",
	"2.1.2006",
	"15:04, 02.01.2006",
	"15:04 02.01.2006",
}

// monthStems maps the first letters of a month name, lower case, in the
// languages of the newsrooms we read (bg, ru, uk, en, de, fr, es, it, pl
// where they do not clash), to the month.
var monthStems = map[string]time.Month{
	// Bulgarian and Russian (nominative and genitive share the stem).
	"яну": 1, "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5,
	"юни": 6, "июн": 6, "юли": 7, "июл": 7, "авг": 8, "сеп": 9, "сен": 9,
	"окт": 10, "ное": 11, "ноя": 11, "дек": 12,
	// Ukrainian.
	"січ": 1, "лют": 2, "бер": 3, "кві": 4, "тра": 5, "чер": 6, "лип": 7,
	"сер": 8, "вер": 9, "жов": 10, "лис": 11, "гру": 12,
	// English and German.
	"jan": 1, "feb": 2, "mar": 3, "mär": 3, "apr": 4, "may": 5, "mai": 5,
	"jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "okt": 10,
	"nov": 11, "dec": 12, "dez": 12,
}

// ParseTime reads a publication time in the formats newsrooms use: RFC 3339
// and ISO 8601 variants, RFC 1123/822 (feeds), "25.11.2026 14:05", and
// dates with month names in Bulgarian, Russian, Ukrainian, English or German
// ("25 ноември 2026 г., 14:05", "3 марта 2021", "November 25, 2026").
// A time without a zone is taken as UTC. The result is in UTC. Impossible
// dates (31 February, hour 25) are errors wrapping ErrBadTime.
func ParseTime(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadTime)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, ok, err := parseNamedMonth(s); ok {
		if err != nil {
			return time.Time{}, err
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
}

// parseNamedMonth reads "<day> <month name> <year> [time] [zone]" and
// "<month name> <day>, <year> [time]" with words such as "г.", "в", "at",
// "um" and weekday names ignored. ok is false when s has no month name.
func parseNamedMonth(s string) (t time.Time, ok bool, err error) {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '/'
	})
	var day, year, hour, minute, sec = -1, -1, 0, 0, 0
	var month time.Month
	loc := time.UTC
	for _, f := range fields {
		f = strings.TrimSuffix(f, ".")
		switch {
		case f == "":
			continue
		case strings.Contains(f, ":") && f[0] >= '0' && f[0] <= '9':
			parts := strings.Split(f, ":")
			if len(parts) < 2 || len(parts) > 3 {
				return t, true, fmt.Errorf("%w: time %q in %q", ErrBadTime, f, s)
			}
			var vals [3]int
			for i, p := range parts {
				v, e := strconv.Atoi(p)
				if e != nil {
					return t, true, fmt.Errorf("%w: time %q in %q", ErrBadTime, f, s)
				}
				vals[i] = v
			}
			hour, minute, sec = vals[0], vals[1], vals[2]
		case (f[0] == '+' || f[0] == '-') && len(f) >= 3:
			off, e := parseOffset(f)
			if e != nil {
				return t, true, fmt.Errorf("%w: zone %q in %q", ErrBadTime, f, s)
			}
			loc = time.FixedZone("", off)
		case f == "utc" || f == "gmt" || f == "z":
			loc = time.UTC
		case isDigits(strings.TrimSuffix(f, "г")):
			f = strings.TrimSuffix(f, "г")
			v, _ := strconv.Atoi(f)
			switch {
			case len(f) == 4 && year < 0:
				year = v
			case len(f) <= 2 && day < 0:
				day = v
			default:
				return t, true, fmt.Errorf("%w: number %q in %q", ErrBadTime, f, s)
			}
		default:
			r := []rune(f)
			if len(r) >= 3 && !strings.HasPrefix(f, "серед") {
				if m, found := monthStems[string(r[:3])]; found && month == 0 {
					month = m
					ok = true
				}
			}
			// Any other word (weekday, "г", "в", "at", "um") is ignored.
		}
	}
	if !ok {
		return t, false, nil
	}
	if day < 1 || year < 0 {
		return t, true, fmt.Errorf("%w: %q has a month name but no day or year", ErrBadTime, s)
	}
	if hour > 23 || minute > 59 || sec > 60 || hour < 0 || minute < 0 || sec < 0 {
		return t, true, fmt.Errorf("%w: time of day out of range in %q", ErrBadTime, s)
	}
	t = time.Date(year, month, day, hour, minute, sec, 0, loc)
	if t.Day() != day || t.Month() != month {
		return time.Time{}, true, fmt.Errorf("%w: %s has no day %d in %q", ErrBadTime, month, day, s)
	}
	return t.UTC(), true, nil
}

func parseOffset(f string) (int, error) {
	sign := 1
	if f[0] == '-' {
		sign = -1
	}
	d := strings.ReplaceAll(f[1:], ":", "")
	if !isDigits(d) || (len(d) != 2 && len(d) != 4) {
		return 0, fmt.Errorf("bad offset %q", f)
	}
	h, _ := strconv.Atoi(d[:2])
	m := 0
	if len(d) == 4 {
		m, _ = strconv.Atoi(d[2:])
	}
	if h > 14 || m > 59 {
		return 0, fmt.Errorf("bad offset %q", f)
	}
	return sign * (h*3600 + m*60), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
