package docker

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxNameLength is the length Prefect truncates a container name to.
const maxNameLength = 250

var (
	nameDisallowed = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)
	dashRuns       = regexp.MustCompile(`-{2,}`)
)

// containerName is the name of a run's container, as Prefect's Docker agent makes it:
// the slug of the run's name (slugify with case kept, only [a-zA-Z0-9_.-], at most 250
// characters, no leading "_", "-" or "."), or the run's id when nothing is left of the
// name. Docker wants at least two characters; a shorter slug also gives way to the id.
// "" lets the engine name the container.
func containerName(runName, runID string) string {
	if s := slugify(runName); len(s) >= 2 {
		return s
	}
	if s := slugify(runID); len(s) >= 2 {
		return s
	}
	return ""
}

// slugify follows python-slugify as Prefect calls it (lowercase=False, max_length=250,
// regex_pattern=[^a-zA-Z0-9_.-]+), then strips leading "_-.". Letters with accents
// lose them (é is e); other characters outside ASCII are dropped, where Prefect's
// unidecode would transliterate them, and become part of a "-".
func slugify(s string) string {
	s = strings.ReplaceAll(s, "'", "-")
	s = asciiFold(s)
	s = strings.ReplaceAll(s, `"`, "")
	s = dropDigitCommas(s)
	s = nameDisallowed.ReplaceAllString(s, "-")
	s = strings.Trim(dashRuns.ReplaceAllString(s, "-"), "-")
	if len(s) > maxNameLength {
		s = strings.Trim(s[:maxNameLength], "-")
	}
	return strings.TrimLeft(s, "_-.")
}

// asciiFold decomposes s (NFKD), drops the combining marks, and replaces what is still
// outside ASCII with a space, which the slug turns into a "-".
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r > unicode.MaxASCII:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dropDigitCommas removes the commas between two digits ("1,000" is "1000").
func dropDigitCommas(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
