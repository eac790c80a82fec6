package config

import (
	"errors"
	"testing"
)

func TestExpandVars(t *testing.T) {
	x := expander{env: newEnviron([]string{"A=1", "AB=z", "B=$A", "A.B=dot", "EMPTY=", "A=ignored-second"}), home: "/home/u"}
	tests := []struct{ in, want string }{
		{"$A", "1"},
		{"${A}", "1"},
		{"$AB", "z"},      // names are as long as possible
		{"${A}B", "1B"},   // braces delimit
		{"$A.B", "1.B"},   // bare names stop at a dot
		{"${A.B}", "dot"}, // braced names may hold anything but }
		{"$B", "$A"},      // substituted text is not rescanned
		{"$UNKNOWN/x", "$UNKNOWN/x"},
		{"${UNKNOWN}", "${UNKNOWN}"},
		{"$", "$"},
		{"$$A", "$1"},
		{"${A", "${A"},
		{"${}", "${}"},
		{"x${EMPTY}y", "xy"},
		{"${${backend}.endpoint}", "${${backend}.endpoint}"},
		{"no vars", "no vars"},
	}
	for _, tt := range tests {
		if got := x.expandVars(tt.in); got != tt.want {
			t.Errorf("expandVars(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandUser(t *testing.T) {
	tests := []struct{ home, in, want string }{
		{"/home/u", "~", "/home/u"},
		{"/home/u", "~/.prefect", "/home/u/.prefect"},
		{"/home/u/", "~/.prefect", "/home/u/.prefect"},
		{"/home/u", "a/~/b", "a/~/b"}, // only at the start
		{"/home/u", " ~/x", " ~/x"},
		{"/home/u", "~user/x", "~user/x"},
		{"/", "~", "/"},
		{"/", "~/x", "/x"},
	}
	for _, tt := range tests {
		x := expander{home: tt.home}
		if got := x.expandUser(tt.in); got != tt.want {
			t.Errorf("expandUser(%q) with home %q = %q, want %q", tt.in, tt.home, got, tt.want)
		}
	}
}

func TestInterpolateEnvVars(t *testing.T) {
	x := expander{
		env: newEnviron([]string{
			"ONE=$TWO", "TWO=$THREE", "THREE='42'", "HOMEISH=~/data", "GROW=x$GROW", "N=7",
		}),
		home: "/home/u",
	}
	tests := []struct {
		in      string
		want    any
		wantErr error
	}{
		{"", "", nil},
		{"plain", "plain", nil},
		{"$N", "7", nil},                      // one round: stays a string here
		{"$HOMEISH", "/home/u/data", nil},     // a value may bring its own ~
		{"$ONE", "42", nil},                   // settled after 3 rounds: typed once ("'42'" → "42")
		{"$GROW", nil, errUnstable},           // never settles
		{"${UNKNOWN}/x", "${UNKNOWN}/x", nil}, // unknown variables stay
	}
	for _, tt := range tests {
		got, err := x.interpolateEnvVars(tt.in)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("interpolateEnvVars(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("interpolateEnvVars(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
