// Package config is Outpost's Prefect 1.x compatible configuration: the
// built-in defaults, ~/.prefect/config.toml, ~/.prefect/backend.toml and
// PREFECT__* variables, merged, expanded, typed and cross-referenced exactly
// as Prefect does, plus the auth.toml credentials file.
//
// Values are typed the way Prefect's string_to_type types them (a Python
// literal reader, see StringToType) and printed the way Python prints them
// (PyStr, PyRepr), so that what a flow run sees matches what Prefect's own
// agents would give it.
package config
