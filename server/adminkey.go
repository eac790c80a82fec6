package server

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/outposthq/outpost/config"
	"github.com/outposthq/outpost/server/auth"
)

// ensureAdminKey makes sure an admin key exists and that local clients can find it.
// The key is the first of: the AdminKey option, $OUTPOST_ADMIN_KEY, the key auth.toml
// already holds for this server's URL (an earlier start wrote it), or a new key, which
// is then written to auth.toml, where Prefect-style clients look for their key. The key
// itself is never logged, only where it came from or was written.
func (s *Server) ensureAdminKey(ctx context.Context) error {
	given, source, err := s.givenAdminKey()
	if err != nil {
		return err
	}
	plain, created, err := auth.EnsureAdminKey(ctx, s.store, s.tenant.ID, given)
	if err != nil {
		return fmt.Errorf("set up the admin API key from %s: %w", source, err)
	}
	if !created {
		s.log.Info("admin API key set up", zap.String("from", source))
		return nil
	}
	s.newKey = plain
	// With port 0 the address is known only in Serve, which writes the key then.
	if s.opts.Port != 0 {
		return s.publishAdminKey()
	}
	return nil
}

func (s *Server) givenAdminKey() (key, source string, err error) {
	if s.opts.AdminKey != "" {
		return s.opts.AdminKey, "the admin key option", nil
	}
	if k := s.opts.Env(AdminKeyEnv); k != "" {
		return k, AdminKeyEnv, nil
	}
	if s.opts.Port == 0 {
		return "", "a new key", nil
	}
	authFile := filepath.Join(s.opts.Home, "auth.toml")
	for _, u := range clientURLs(s.url) {
		e, err := config.ReadAuth(s.opts.Home, u) // no file: an empty entry
		if err != nil {
			return "", "", fmt.Errorf("read the admin API key from %s (fix or remove the file): %w", authFile, err)
		}
		if e.APIKey != "" {
			return e.APIKey, authFile + " [" + config.Slug(u) + "]", nil
		}
	}
	return "", "a new key", nil
}

// publishAdminKey writes a key generated on this start to auth.toml, under the slug of
// every URL a local client may use for this server, so `http://localhost:4200` finds
// the key of a server listening on 127.0.0.1:4200.
func (s *Server) publishAdminKey() error {
	s.mu.Lock()
	key, serverURL := s.newKey, s.url
	s.newKey = ""
	s.mu.Unlock()
	if key == "" {
		return nil
	}
	entry := config.AuthEntry{APIKey: key, TenantID: s.tenant.ID}
	for _, u := range clientURLs(serverURL) {
		if err := config.WriteAuth(s.opts.Home, u, entry); err != nil {
			return fmt.Errorf("write the new admin API key to auth.toml in %s (set %s to choose the key yourself): %w",
				s.opts.Home, AdminKeyEnv, err)
		}
		s.log.Info("admin API key created and written to auth.toml",
			zap.String("auth_file", filepath.Join(s.opts.Home, "auth.toml")),
			zap.String("section", config.Slug(u)))
	}
	return nil
}

// clientURLs lists serverURL and, for a loopback or wildcard address, the same port
// on the other local names clients commonly use.
func clientURLs(serverURL string) []string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return []string{serverURL}
	}
	host, port := u.Hostname(), u.Port()
	urls := []string{serverURL}
	add := func(h string) {
		if h != host {
			urls = append(urls, "http://"+net.JoinHostPort(h, port))
		}
	}
	switch host {
	case "127.0.0.1", "localhost":
		add("localhost")
		add("127.0.0.1")
	}
	return urls
}
