package config

// Get returns a copy of the value at a key path, e.g. Get("cloud", "api").
// No path returns the whole tree.
func (c *Config) Get(path ...string) (any, bool) {
	v, ok, err := lookup(c.tree, path)
	if err != nil || !ok {
		return nil, false
	}
	return deepCopy(v), true
}

// Tree returns a deep copy of the whole configuration.
func (c *Config) Tree() map[string]any {
	return deepCopy(c.tree).(map[string]any)
}

// ContextSecrets returns a copy of the context.secrets table: secret names
// (with their case kept) and typed values. It is empty when there is none.
func (c *Config) ContextSecrets() map[string]any {
	if v, ok := c.Get("context", "secrets"); ok {
		if m, isTable := v.(map[string]any); isTable {
			return m
		}
	}
	return map[string]any{}
}
