package store

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// PutSecret creates or replaces a secret's ciphertext.
func (s *sqlStore) PutSecret(ctx context.Context, r SecretRecord) (err error) {
	defer wrap(&err, "put secret %q", r.Name)
	if strings.TrimSpace(r.Name) == "" {
		return invalid("the secret name is empty")
	}
	if len(r.Ciphertext) == 0 {
		return invalid("the ciphertext is empty")
	}
	_, err = s.exec(ctx, s.db, `INSERT INTO secret (tenant_id, name, ciphertext, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated = excluded.updated`,
		r.TenantID, r.Name, r.Ciphertext, ts(s.now()))
	return err
}

func (s *sqlStore) GetSecret(ctx context.Context, tenantID, name string) (_ SecretRecord, err error) {
	defer wrap(&err, "get secret %q", name)
	r := SecretRecord{TenantID: tenantID, Name: name}
	var updated timeCol
	err = s.queryRow(ctx, s.db, `SELECT ciphertext, updated FROM secret WHERE tenant_id = ? AND name = ?`, tenantID, name).Scan(&r.Ciphertext, &updated)
	r.Updated = updated.t
	return r, notFound(err)
}

func (s *sqlStore) DeleteSecret(ctx context.Context, tenantID, name string) (err error) {
	defer wrap(&err, "delete secret %q", name)
	return s.updateOne(ctx, `DELETE FROM secret WHERE tenant_id = ? AND name = ?`, tenantID, name)
}

// SecretNames returns the tenant's secret names in byte order, whatever the database's
// collation.
func (s *sqlStore) SecretNames(ctx context.Context, tenantID string) (_ []string, err error) {
	defer wrap(&err, "list secret names")
	rows, err := s.query(ctx, s.db, `SELECT name FROM secret WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names, rows.Err()
}

// CreateAPIKey stores a key's hash; a hash already stored is ErrConflict.
func (s *sqlStore) CreateAPIKey(ctx context.Context, k APIKey) (_ APIKey, err error) {
	defer wrap(&err, "create API key %q", k.Name)
	if len(k.Hash) == 0 {
		return APIKey{}, invalid("the key hash is empty")
	}
	if k.ID == "" {
		k.ID = uuid.NewString()
	}
	k.Created = s.now()
	_, err = s.exec(ctx, s.db, `INSERT INTO api_key (id, tenant_id, name, hash, created) VALUES (?, ?, ?, ?, ?)`,
		k.ID, k.TenantID, k.Name, k.Hash, ts(k.Created))
	if err != nil {
		return APIKey{}, err
	}
	return k, nil
}

func (s *sqlStore) APIKeyByHash(ctx context.Context, hash []byte) (_ APIKey, err error) {
	defer wrap(&err, "find API key")
	var k APIKey
	var created timeCol
	err = s.queryRow(ctx, s.db, `SELECT id, tenant_id, name, hash, created FROM api_key WHERE hash = ?`, hash).Scan(&k.ID, &k.TenantID, &k.Name, &k.Hash, &created)
	k.Created = created.t
	return k, notFound(err)
}
