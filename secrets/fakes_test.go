package secrets

import (
	"context"
	"fmt"
	"math/big"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fakeBackend is a backend secret store that records every call.
type fakeBackend struct {
	values map[string]any
	err    error // returned for every call when set
	calls  []string
}

func (f *fakeBackend) SecretValue(_ context.Context, name string) (Value, error) {
	f.calls = append(f.calls, "value:"+name)
	if f.err != nil {
		return Value{}, f.err
	}
	v, ok := f.values[name]
	if !ok {
		// Wrapped, as a real client wraps it in its own message.
		return Value{}, fmt.Errorf("graphql error on secret_value: %w", ErrBackendSecretNotFound)
	}
	return NewValue(v), nil
}

// listingBackend can also list names, like Prefect's secret_names query.
type listingBackend struct {
	*fakeBackend
	listErr error
}

func (l listingBackend) SecretNames(context.Context) ([]string, error) {
	l.calls = append(l.calls, "names")
	if l.listErr != nil {
		return nil, l.listErr
	}
	names := make([]string, 0, len(l.values))
	for k := range l.values {
		names = append(names, k)
	}
	return names, nil
}

// sameValue compares decoded secrets: NaN equals NaN, big integers by value.
func sameValue(a, b any) bool {
	return cmp.Equal(a, b, cmpopts.EquateNaNs(),
		cmp.Comparer(func(x, y *big.Int) bool { return x.Cmp(y) == 0 }))
}
