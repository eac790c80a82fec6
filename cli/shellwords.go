package cli

import (
	"errors"
	"fmt"
	"strings"
)

// splitWords splits a command line into argv the way a POSIX shell splits words, and
// does nothing else: no variable, command or glob expansion, no comments, no pipes or
// redirections (those characters are ordinary). A user who wants them wraps the command
// in `sh -c '...'`.
//
//   - blanks (space, tab, newline) separate words;
//   - outside quotes a backslash keeps the next character as is, and a backslash before a
//     newline joins the lines;
//   - single quotes keep everything up to the next single quote as is;
//   - inside double quotes a backslash escapes only $, `, ", \ and newline (the pair
//     backslash-newline disappears); before any other character it is kept;
//   - quoted parts next to each other form one word, and a pair of quotes with nothing
//     between them is an empty word.
func splitWords(line string) ([]string, error) {
	var (
		words  []string
		word   strings.Builder
		inWord bool // a word has started, even if it is still empty (after '')
	)
	end := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t', '\n':
			end()
		case '\\':
			if i+1 == len(line) {
				return nil, errors.New("it ends with a backslash that escapes nothing: remove it or quote it as '\\'")
			}
			i++
			if line[i] != '\n' {
				word.WriteByte(line[i])
				inWord = true
			}
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("the single quote at offset %d is never closed: add the closing '", i)
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case '"':
			n, err := readDoubleQuoted(line, i, &word)
			if err != nil {
				return nil, err
			}
			inWord = true
			i = n
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	end()
	return words, nil
}

// readDoubleQuoted appends the double-quoted text starting at line[open] to word and
// returns the offset of the closing quote.
func readDoubleQuoted(line string, open int, word *strings.Builder) (int, error) {
	for i := open + 1; i < len(line); i++ {
		switch c := line[i]; c {
		case '"':
			return i, nil
		case '\\':
			if i+1 < len(line) {
				switch next := line[i+1]; next {
				case '$', '`', '"', '\\':
					word.WriteByte(next)
					i++
					continue
				case '\n':
					i++
					continue
				}
			}
			word.WriteByte(c)
		default:
			word.WriteByte(c)
		}
	}
	return 0, fmt.Errorf("the double quote at offset %d is never closed: add the closing \"", open)
}
