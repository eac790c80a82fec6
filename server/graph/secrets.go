package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode"

	"github.com/outposthq/outpost/server/graph/model"
	"github.com/outposthq/outpost/server/store"
)

// Prefect Cloud's secret API. A value is stored as the JSON text of the value given,
// sealed by the Cipher; no error or log carries a value, only names.

// maxSecretName keeps names usable as PREFECT__CONTEXT__SECRETS__<NAME> variables.
const maxSecretName = 255

// errNoSecret contains the text Prefect's client maps to "secret not found".
const errNoSecret = "No value found for the requested key"

func (r queryResolver) SecretValue(ctx context.Context, name string) (json.RawMessage, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.checkCipher(); err != nil {
		return nil, err
	}
	rec, err := r.Store.GetSecret(ctx, tenant, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s (%q); set it with set_secret", errNoSecret, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", name, err)
	}
	plain, err := r.Cipher.Open(rec.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("decrypting secret %q failed; was the backend's secret key changed? (%w)", name, err)
	}
	if !json.Valid(plain) {
		return nil, fmt.Errorf("secret %q is stored in an unreadable form; set it again", name)
	}
	return plain, nil
}

func (r queryResolver) SecretNames(ctx context.Context) ([]string, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	names, err := r.Store.SecretNames(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("listing secret names: %w", err)
	}
	slices.Sort(names)
	if names == nil {
		names = []string{}
	}
	return names, nil
}

func (r mutationResolver) SetSecret(ctx context.Context, in model.SetSecretInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkSecretName(in.Name); err != nil {
		return nil, err
	}
	if err := r.checkCipher(); err != nil {
		return nil, err
	}
	sealed, err := r.Cipher.Seal(in.Value)
	if err != nil {
		return nil, fmt.Errorf("encrypting secret %q: %w", in.Name, err)
	}
	rec := store.SecretRecord{TenantID: tenant, Name: in.Name, Ciphertext: sealed, Updated: r.now()}
	if err := r.Store.PutSecret(ctx, rec); err != nil {
		return nil, fmt.Errorf("storing secret %q: %w", in.Name, err)
	}
	return succeeded(), nil
}

func (r mutationResolver) DeleteSecret(ctx context.Context, in model.DeleteSecretInput) (*model.SuccessPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	err = r.Store.DeleteSecret(ctx, tenant, in.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s (%q): nothing to delete; secret_names lists the existing ones", errNoSecret, in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("deleting secret %q: %w", in.Name, err)
	}
	return succeeded(), nil
}

func (r *Resolver) checkCipher() error {
	if r.Cipher == nil {
		return errors.New("this backend has no secret key configured, so it cannot store or read secrets")
	}
	return nil
}

func checkSecretName(name string) error {
	if name == "" {
		return errors.New("a secret needs a non-empty name")
	}
	if len(name) > maxSecretName {
		return fmt.Errorf("secret names are at most %d bytes long", maxSecretName)
	}
	for _, c := range name {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == '=' {
			return fmt.Errorf("secret name %q contains whitespace, a control character or '='; use letters, digits and _", name)
		}
	}
	return nil
}
