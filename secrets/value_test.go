package secrets

import (
	"bytes"
	"encoding"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// rawSecret is the text no output may contain.
const rawSecret = "hunter2-s3cr3t-text"

// secretValues are the shapes a Value can hold, each containing rawSecret.
func secretValues() map[string]Value {
	return map[string]Value{
		"string": NewValue(rawSecret),
		"map":    NewValue(map[string]any{"TOKEN": rawSecret}),
		"list":   NewValue([]any{rawSecret, int64(1)}),
	}
}

// checkHidden fails the test when out shows the secret or lacks the placeholder. It
// never prints out, which would print the secret.
func checkHidden(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, rawSecret) {
		t.Errorf("%s: output contains the secret", what)
	}
	if !strings.Contains(out, Redacted) {
		t.Errorf("%s: output lacks %s", what, Redacted)
	}
}

func TestValueReveal(t *testing.T) {
	if NewValue(rawSecret).Reveal() != rawSecret {
		t.Error("Reveal does not return the wrapped value")
	}
	if (Value{}).Reveal() != nil {
		t.Error("the zero Value does not reveal nil")
	}
	if NewValue(nil).Reveal() != nil {
		t.Error("NewValue(nil) does not reveal nil")
	}
}

func TestValueFmtVerbs(t *testing.T) {
	formats := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%f", "%t",
		"%20s", "%-20v", "%08x", "%.3s", "%U", "%c", "%b", "%o", "%e", "%g"}
	for kind, v := range secretValues() {
		for _, f := range formats {
			if got := fmt.Sprintf(f, v); got != Redacted {
				t.Errorf("%s with %s: got something other than %s", kind, f, Redacted)
			}
			checkHidden(t, kind+" pointer with "+f, fmt.Sprintf(f, &v))
		}
		// fmt handles %p before Format and walks the struct by reflection: it must meet an
		// address there, never the contents.
		for _, x := range []any{v, &v} {
			if strings.Contains(fmt.Sprintf("%p", x), rawSecret) {
				t.Errorf("%s with %%p: output contains the secret", kind)
			}
		}
		checkHidden(t, kind+" Sprint", fmt.Sprint(v, v))
		checkHidden(t, kind+" Sprintln", fmt.Sprintln(v))
		var buf bytes.Buffer
		fmt.Fprint(&buf, v)
		checkHidden(t, kind+" Fprint", buf.String())
	}
}

type exported struct {
	Name string
	S    Value
	P    *Value
	Any  any
}

type unexported struct {
	name string
	s    Value
	p    *Value
}

func TestValueFmtNested(t *testing.T) {
	for kind, v := range secretValues() {
		values := map[string]any{
			"slice":             []Value{v},
			"any slice":         []any{v},
			"map value":         map[string]Value{"k": v},
			"exported fields":   exported{Name: "n", S: v, P: &v, Any: v},
			"exported pointer":  &exported{S: v, P: &v},
			"unexported fields": unexported{name: "n", s: v, p: &v},
			"unexported ptr":    &unexported{s: v, p: &v},
			"array":             [2]Value{v, v},
		}
		for name, x := range values {
			for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
				if strings.Contains(fmt.Sprintf(f, x), rawSecret) {
					t.Errorf("%s in %s with %s: output contains the secret", kind, name, f)
				}
			}
		}
	}
}

func TestValueJSON(t *testing.T) {
	for kind, v := range secretValues() {
		values := map[string]any{
			"value":         v,
			"pointer":       &v,
			"struct":        exported{Name: "n", S: v, P: &v, Any: v},
			"map":           map[string]any{"outer": map[string]Value{"inner": v}},
			"slice":         []Value{v},
			"text map key":  map[Value]int{v: 1},
			"unexported":    unexported{s: v},
			"nested any":    map[string]any{"l": []any{v, &v}},
			"struct in map": map[string]exported{"x": {S: v}},
		}
		for name, x := range values {
			out, err := json.Marshal(x)
			if err != nil {
				t.Errorf("%s in %s: json.Marshal: %v", kind, name, err)
				continue
			}
			if strings.Contains(string(out), rawSecret) {
				t.Errorf("%s in %s: JSON contains the secret", kind, name)
			}
		}
		out, _ := json.Marshal(v)
		if string(out) != `"[REDACTED]"` {
			t.Errorf("%s: JSON is not the quoted placeholder", kind)
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(map[string]any{"v": v}); err != nil {
			t.Fatal(err)
		}
		checkHidden(t, kind+" json.Encoder", buf.String())
	}
}

func TestValueMarshalText(t *testing.T) {
	for kind, v := range secretValues() {
		var m encoding.TextMarshaler = v
		text, err := m.MarshalText()
		if err != nil || string(text) != Redacted {
			t.Errorf("%s: MarshalText is not the placeholder", kind)
		}
		type doc struct {
			Attr Value  `xml:"attr,attr"`
			Elem Value  `xml:"elem"`
			Ptr  *Value `xml:"ptr"`
		}
		out, err := xml.Marshal(doc{Attr: v, Elem: v, Ptr: &v})
		if err != nil {
			t.Fatalf("%s: xml.Marshal: %v", kind, err)
		}
		checkHidden(t, kind+" xml", string(out))
	}
}

func TestValueZap(t *testing.T) {
	encoders := map[string]func(zapcore.EncoderConfig) zapcore.Encoder{
		"json":    zapcore.NewJSONEncoder,
		"console": zapcore.NewConsoleEncoder,
	}
	for kind, v := range secretValues() {
		for encName, newEncoder := range encoders {
			var buf bytes.Buffer
			core := zapcore.NewCore(newEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zapcore.DebugLevel)
			log := zap.New(core)
			log.Info("fields",
				zap.Any("any", v),
				zap.Any("pointer", &v),
				zap.Stringer("stringer", v),
				zap.Object("object", v),
				zap.Reflect("reflect", exported{S: v, P: &v, Any: v}),
				zap.Any("slice", []Value{v}),
				zap.Any("map", map[string]any{"v": v}),
				zap.Error(fmt.Errorf("wrapped: %v", v)),
			)
			log.With(zap.Any("with", v)).Warn("with")
			sugar := log.Sugar()
			sugar.Infof("formatted %v %s %+v %#v %x", v, v, v, v, v)
			sugar.Infow("pairs", "value", v, "struct", exported{S: v})
			sugar.Info(v)
			if err := log.Sync(); err != nil {
				t.Fatal(err)
			}
			checkHidden(t, kind+" zap "+encName, buf.String())
			if n := strings.Count(buf.String(), Redacted); n < 15 {
				t.Errorf("%s zap %s: placeholder printed %d times, want at least 15", kind, encName, n)
			}
		}
	}
}

func TestValueInErrors(t *testing.T) {
	base := errors.New("reading token")
	for kind, v := range secretValues() {
		errs := map[string]error{
			"%v":       fmt.Errorf("value %v", v),
			"%s":       fmt.Errorf("value %s", v),
			"%q":       fmt.Errorf("value %q", v),
			"%w and v": fmt.Errorf("%w: %v", base, v),
			"double":   fmt.Errorf("outer: %w", fmt.Errorf("%w: %+v", base, &v)),
		}
		for name, err := range errs {
			checkHidden(t, kind+" error "+name, err.Error())
			checkHidden(t, kind+" error "+name+" %+v", fmt.Sprintf("%+v", err))
		}
		if !errors.Is(errs["double"], base) {
			t.Errorf("%s: wrapping broke errors.Is", kind)
		}
	}
}

func TestValueRecoveredPanic(t *testing.T) {
	for kind, v := range secretValues() {
		func() {
			defer func() {
				r := recover()
				if _, ok := r.(Value); !ok {
					t.Fatalf("%s: recovered something other than the Value", kind)
				}
				checkHidden(t, kind+" recovered %v", fmt.Sprintf("%v", r))
				checkHidden(t, kind+" recovered %#v", fmt.Sprintf("%#v", r))
				checkHidden(t, kind+" recovered Sprint", fmt.Sprint("panic: ", r))
			}()
			panic(v)
		}()
	}
}

// panicHelperEnv makes this test binary panic with a secret, for the test below.
const panicHelperEnv = "OUTPOST_SECRETS_TEST_PANIC"

func TestValueUnrecoveredPanic(t *testing.T) {
	if os.Getenv(panicHelperEnv) == "1" {
		panic(NewValue(rawSecret))
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestValueUnrecoveredPanic$")
	cmd.Env = append(os.Environ(), panicHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the panicking test binary did not fail: %v", err)
	}
	if !strings.Contains(string(out), "panic: ") {
		t.Fatal("the test binary failed without a panic message")
	}
	checkHidden(t, "unrecovered panic", string(out))
}
