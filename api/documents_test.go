package api

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	gqlparse "github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// serverSchemaPath finds the Prefect Server 1.x schema the documents must satisfy.
func serverSchemaPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PREFECT_SERVER_SCHEMA")
	if path == "" {
		path = filepath.Join("..", "..", "shared", "reference", "prefect-server-schema.graphql")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the Prefect Server schema is needed to validate the documents and was not found at %s (%v): "+
			"put prefect-server-schema.graphql in shared/reference/ beside the repository, "+
			"or set PREFECT_SERVER_SCHEMA to its path", path, err)
	}
	return path
}

func loadSchema(t *testing.T, path string) *gqlast.Schema {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	schema, err := gqlparser.LoadSchema(&gqlast.Source{Name: path, Input: string(text)})
	if err != nil {
		t.Fatalf("load schema %s: %v", path, err)
	}
	return schema
}

// documentConstants type-checks documents.go on its own and returns every string
// constant in it, so a document added there is validated without being listed here.
func documentConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "documents.go", nil, 0)
	if err != nil {
		t.Fatalf("parse documents.go: %v", err)
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
	if _, err := (&types.Config{}).Check("api", fset, []*ast.File{file}, info); err != nil {
		t.Fatalf("type-check documents.go: %v", err)
	}
	docs := map[string]string{}
	for ident, obj := range info.Defs {
		c, ok := obj.(*types.Const)
		if !ok || c.Val().Kind() != constant.String || ident.Name == "flowRunFields" {
			continue
		}
		docs[ident.Name] = constant.StringVal(c.Val())
	}
	if len(docs) < 20 {
		t.Fatalf("found only %d documents in documents.go", len(docs))
	}
	return docs
}

func TestDocumentsValidateAgainstSchemas(t *testing.T) {
	server := loadSchema(t, serverSchemaPath(t))
	cloud := loadSchema(t, filepath.Join("testdata", "cloud-secrets.graphql"))

	docs := documentConstants(t)
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			schema := server
			if strings.HasPrefix(name, "cloud") {
				schema = cloud
			}
			doc, err := gqlparse.ParseQuery(&gqlast.Source{Name: name, Input: docs[name]})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if errs := validator.Validate(schema, doc); len(errs) > 0 {
				t.Fatalf("invalid against the schema: %v", errs)
			}
			if len(doc.Operations) != 1 {
				t.Fatalf("want exactly one operation, got %d", len(doc.Operations))
			}
		})
	}
}

// Guards the test above against a validator that accepts anything.
func TestSchemaValidationRejectsInvalidDocuments(t *testing.T) {
	server := loadSchema(t, serverSchemaPath(t))
	for _, text := range []string{
		`query { flow_run { no_such_field } }`,
		`mutation($input: get_runs_in_queue_input!) { get_runs_in_queue(input: $input) }`,
		`query($id: String!) { flow_run_by_pk(id: $id) { id } }`,
	} {
		doc, err := gqlparse.ParseQuery(&gqlast.Source{Input: text})
		if err != nil {
			t.Fatalf("parse %q: %v", text, err)
		}
		if errs := validator.Validate(server, doc); len(errs) == 0 {
			t.Errorf("%q validated, but is invalid", text)
		}
	}
}

// The secret documents must not pass as Server documents: Server has no secret API, so
// a backend that answers them is Cloud or the embedded backend.
func TestCloudSecretDocumentsAreNotServerDocuments(t *testing.T) {
	server := loadSchema(t, serverSchemaPath(t))
	for name, text := range documentConstants(t) {
		if !strings.HasPrefix(name, "cloud") {
			continue
		}
		doc, err := gqlparse.ParseQuery(&gqlast.Source{Name: name, Input: text})
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		if errs := validator.Validate(server, doc); len(errs) == 0 {
			t.Errorf("%s validates against the Server schema; Server has no secret fields", name)
		}
	}
}
