package runconfig

import (
	"fmt"
	"strings"
)

// Well-known names of the access-token secrets of git-hosting storages.
const (
	GitHubTokenSecret    = "GITHUB_ACCESS_TOKEN"
	GitLabTokenSecret    = "GITLAB_ACCESS_TOKEN"
	BitbucketTokenSecret = "BITBUCKET_ACCESS_TOKEN"
)

// SecretRef is one secret a flow run needs.
type SecretRef struct {
	Name string
	// Optional is true only for a storage's well-known token name used by default:
	// Prefect then falls back to anonymous access when no token exists (a public repo
	// still loads), so a run must not fail for the lack of it.
	Optional bool
}

// SecretRefs lists the secrets a flow run needs, in a stable order without duplicates:
// the secrets its storage reads (the access token first), then storage.secrets, then the
// agent's --secret names. A name listed twice keeps its first place and is required if
// any listing requires it.
func SecretRefs(s Storage, agentSecrets []string) []SecretRef {
	var refs []SecretRef
	at := map[string]int{}
	add := func(name string, optional bool) {
		if name == "" {
			return
		}
		if i, seen := at[name]; seen {
			refs[i].Optional = refs[i].Optional && optional
			return
		}
		at[name] = len(refs)
		refs = append(refs, SecretRef{Name: name, Optional: optional})
	}
	token, explicit := s.TokenSecret()
	add(token, !explicit)
	add(s.CloudUsernameSecret, false)
	add(s.CloudAppPasswordSecret, false)
	add(s.GitTokenSecretName, false)
	for _, name := range s.Secrets {
		add(name, false)
	}
	for _, name := range agentSecrets {
		add(name, false)
	}
	return refs
}

// SecretNames is the names of SecretRefs, in the same order.
func SecretNames(s Storage, agentSecrets []string) []string {
	refs := SecretRefs(s, agentSecrets)
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
	}
	return names
}

// TokenSecret returns the name of the secret holding the storage's access token, and
// whether the storage named it (access_token_secret) rather than defaulting to the
// well-known name of its host. Storages without a token give "".
//
// Prefect's own default is None: the storage then reads the well-known name from
// context secrets, then from the process environment, so users copied the token into
// the agent's --env by hand. Outpost resolves the well-known name through the agent's
// secret chain and injects it, so the token need not be copied anywhere.
func (s Storage) TokenSecret() (name string, explicit bool) {
	if s.AccessTokenSecret != "" {
		switch s.Type {
		case StorageGitHub, StorageGitLab, StorageBitbucket:
			return s.AccessTokenSecret, true
		}
	}
	switch s.Type {
	case StorageGitHub:
		return GitHubTokenSecret, false
	case StorageGitLab:
		return GitLabTokenSecret, false
	case StorageBitbucket:
		return BitbucketTokenSecret, false
	}
	return "", false
}

// SecretEnvName is the variable that carries the secret called name into a flow run.
func SecretEnvName(name string) string { return SecretEnvPrefix + name }

// checkSecretName reports a secret name that cannot travel as PREFECT__CONTEXT__SECRETS__<NAME>.
func checkSecretName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a secret has an empty name")
	case strings.ContainsAny(name, "=\x00"):
		return fmt.Errorf("secret name %q cannot be passed to a flow run: it contains '=' or a NUL byte", name)
	case strings.Contains(name, "__"):
		return fmt.Errorf("secret name %q cannot be passed to a flow run: Prefect splits %s<NAME> on \"__\" into nested keys, so rename the secret without \"__\"", name, SecretEnvPrefix)
	}
	return nil
}

// InjectSecrets returns env (NAME=VALUE entries) with PREFECT__CONTEXT__SECRETS__<NAME>
// set for each secret, sorted by name. The texts are prepared by the caller. Errors name
// the secret, never its value.
//
// In the merge order secrets come after the run config's env and before the values no
// one can override; LocalEnv and DockerEnv place RunEnvInput.Secrets exactly there, and
// on an env they built this function gives the same result, since no non-overridable
// name starts with PREFECT__CONTEXT__SECRETS__. After the run config, because the agent
// resolved each secret through its own chain and reports that resolution: a run config
// naming the same variable must not hand the run a different value than the one the
// agent resolved. Before the non-overridable set, so that no secret can ever stand in
// for the API, key or ids the agent sets.
func InjectSecrets(env []string, secrets map[string]string) ([]string, error) {
	b := newEnvBuilder()
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		b.vars[name] = envValue{text: value, null: !ok}
	}
	if err := injectSecrets(b, secrets); err != nil {
		return nil, err
	}
	return Env{vars: b.vars}.Environ(), nil
}

func injectSecrets(b *envBuilder, secrets map[string]string) error {
	for _, name := range sortedKeys(secrets) { // sorted: the same error every time
		if err := checkSecretName(name); err != nil {
			return err
		}
		if strings.ContainsRune(secrets[name], 0) {
			return fmt.Errorf("secret %s contains a NUL byte, which no process environment can hold", name)
		}
		b.set(SecretEnvName(name), secrets[name])
	}
	return nil
}
