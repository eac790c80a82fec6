package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// cloudOnly are Prefect Cloud's secret operations, which Prefect Server's schema lacks.
var cloudOnly = map[string]bool{
	"Query.secret_value":     true,
	"Query.secret_names":     true,
	"Mutation.set_secret":    true,
	"Mutation.delete_secret": true,
	"set_secret_input":       true,
	"delete_secret_input":    true,
}

// TestSchemaIsASubsetOfPrefectServer checks that every type, field, argument, input
// field and enum value served exists in Prefect Server's schema with the same type, so
// documents written for Prefect Server mean the same thing here.
func TestSchemaIsASubsetOfPrefectServer(t *testing.T) {
	path := os.Getenv("PREFECT_SERVER_SCHEMA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "reference", "prefect-server-schema.graphql")
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading Prefect Server's schema (set PREFECT_SERVER_SCHEMA to its path): %v", err)
	}
	ref, err := gqlparser.LoadSchema(&ast.Source{Name: path, Input: string(text)})
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	ours := NewExecutableSchema(&Resolver{}).Schema()

	for name := range cloudOnly {
		typ, field, isField := strings.Cut(name, ".")
		if isField && ref.Types[typ].Fields.ForName(field) != nil || !isField && ref.Types[name] != nil {
			t.Errorf("%s is listed as Cloud-only but Prefect Server has it; check it like the rest", name)
		}
	}

	checked := 0
	for name, def := range ours.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") || cloudOnly[name] {
			continue
		}
		r := ref.Types[name]
		if r == nil {
			t.Errorf("type %s is not in Prefect Server's schema", name)
			continue
		}
		if r.Kind != def.Kind {
			t.Errorf("type %s is %s here but %s in Prefect Server", name, def.Kind, r.Kind)
		}
		for _, v := range def.EnumValues {
			if r.EnumValues.ForName(v.Name) == nil {
				t.Errorf("enum value %s.%s is not in Prefect Server's schema", name, v.Name)
			}
		}
		for _, f := range def.Fields {
			qualified := name + "." + f.Name
			if strings.HasPrefix(f.Name, "__") || cloudOnly[qualified] {
				continue
			}
			checked++
			rf := r.Fields.ForName(f.Name)
			if rf == nil {
				t.Errorf("field %s is not in Prefect Server's schema", qualified)
				continue
			}
			if f.Type.String() != rf.Type.String() {
				t.Errorf("field %s is %s here but %s in Prefect Server", qualified, f.Type, rf.Type)
			}
			for _, a := range f.Arguments {
				ra := rf.Arguments.ForName(a.Name)
				if ra == nil {
					t.Errorf("argument %s(%s) is not in Prefect Server's schema", qualified, a.Name)
					continue
				}
				if a.Type.String() != ra.Type.String() {
					t.Errorf("argument %s(%s) is %s here but %s in Prefect Server", qualified, a.Name, a.Type, ra.Type)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d fields were compared; is the schema loaded?", checked)
	}
}
