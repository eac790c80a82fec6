package config

import "fmt"

// reservedKeys are the attribute names of Prefect's Config class, a subclass
// of python-box's Box, which is a dict. Prefect rejects a key equal to any of
// them (validate_config checks `k in dir(Config)`), because attribute access
// such as config.keys would reach the method instead of the setting. The table
// lists dir(Config) for python-box 5 and 6 on Python 3.9 and later.
var reservedKeys = map[string]bool{
	// dict methods
	"clear": true, "copy": true, "fromkeys": true, "get": true, "items": true,
	"keys": true, "pop": true, "popitem": true, "setdefault": true,
	"update": true, "values": true,
	// Box methods and class attributes
	"to_dict": true, "to_json": true, "to_yaml": true, "to_toml": true,
	"to_msgpack": true, "from_json": true, "from_yaml": true, "from_toml": true,
	"from_msgpack": true, "merge_update": true, "_protected_keys": true,
	"_conversion_checks": true, "_safe_attr": true,
	// object and dict special names
	"__add__": true, "__class__": true, "__class_getitem__": true,
	"__contains__": true, "__copy__": true, "__deepcopy__": true,
	"__delattr__": true, "__delitem__": true, "__dict__": true, "__dir__": true,
	"__doc__": true, "__eq__": true, "__format__": true, "__ge__": true,
	"__getattr__": true, "__getattribute__": true, "__getitem__": true,
	"__getstate__": true, "__gt__": true, "__hash__": true, "__iadd__": true,
	"__init__": true, "__init_subclass__": true, "__ior__": true,
	"__iter__": true, "__le__": true, "__len__": true, "__lt__": true,
	"__module__": true, "__ne__": true, "__new__": true, "__or__": true,
	"__radd__": true, "__reduce__": true, "__reduce_ex__": true,
	"__repr__": true, "__reversed__": true, "__ror__": true,
	"__setattr__": true, "__setitem__": true, "__setstate__": true,
	"__sizeof__": true, "__str__": true, "__sub__": true,
	"__subclasshook__": true, "__weakref__": true,
}

// validateKeys rejects reserved key names at any depth of nested tables
// (values inside lists are not checked, as in Prefect). The first offending
// key in sorted order is reported with its path and where it was set.
func validateKeys(fc *flatConfig) error {
	for _, e := range fc.entries {
		for i, k := range e.path {
			if reservedKeys[k] {
				return fmt.Errorf(`Invalid config key: "%s" (at %s, set by %s): rename it, it clashes with a method of the configuration object`,
					k, dotted(e.path[:i+1]), e.source)
			}
		}
	}
	return nil
}
