package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/server/auth"
)

// newGraphQLHandler serves schema through the one transport Outpost accepts, with
// API keys required, panics contained and Prefect-style error codes.
func newGraphQLHandler(schema graphql.ExecutableSchema, log *zap.Logger) http.Handler {
	h := handler.New(schema)
	h.AddTransport(postTransport{maxBody: MaxBodyBytes})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	h.AroundOperations(requireKey(schema.Schema()))
	h.SetRecoverFunc(recoverPanic(log))
	h.SetErrorPresenter(presentError)
	return h
}

// publicFields are the root fields answered without an API key: the connectivity
// probe Prefect's agent sends (`query { hello }`) and introspection.
var publicFields = map[string]bool{"hello": true, "__typename": true, "__schema": true, "__type": true}

// requireKey refuses, before anything runs, an operation that selects any root field
// outside publicFields when the request carries no valid API key. Checking the whole
// operation up front (rather than field by field) means a mutation mixing a public
// and a protected field writes nothing.
func requireKey(schema *ast.Schema) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if auth.FromContext(ctx).Identity != nil {
			return next(ctx)
		}
		oc := graphql.GetOperationContext(ctx)
		root := rootType(schema, oc.Operation.Operation)
		for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root}) {
			if !publicFields[f.Name] {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
					Message: fmt.Sprintf("UNAUTHENTICATED: %q needs a valid API key; send `Authorization: Bearer <api key>` "+
						"(the admin key is in auth.toml under the Prefect home directory)", f.Name),
					Path:       ast.Path{ast.PathName(f.Alias)},
					Extensions: map[string]any{"code": "UNAUTHENTICATED"},
				}}})
			}
		}
		return next(ctx)
	}
}

func rootType(schema *ast.Schema, op ast.Operation) string {
	var def *ast.Definition
	switch op {
	case ast.Mutation:
		def = schema.Mutation
	case ast.Subscription:
		def = schema.Subscription
	default:
		def = schema.Query
	}
	if def == nil {
		return string(op)
	}
	return def.Name
}

// recoverPanic turns a panic in a resolver into a GraphQL error that reveals nothing
// about the server's internals; the details go to the log.
func recoverPanic(log *zap.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		fields := []zap.Field{zap.String("panic", fmt.Sprint(v)), zap.Stack("stack")}
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			fields = append(fields, zap.String("field", fc.Path().String()))
		}
		log.Error("panic while serving a GraphQL request", fields...)
		return &gqlerror.Error{
			Message:    "internal server error; the server log has the details",
			Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"},
		}
	}
}

// presentError gives every error an extensions.code, as Apollo does for Prefect
// Server ("INTERNAL_SERVER_ERROR" when the resolver set none); codes a resolver set
// (VERSION_LOCKING_ERROR, ...) are kept.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	e := graphql.DefaultErrorPresenter(ctx, err)
	if e == nil {
		return nil
	}
	if _, ok := e.Extensions["code"]; !ok {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["code"] = "INTERNAL_SERVER_ERROR"
	}
	return e
}
