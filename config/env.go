package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// EnvConfigFile names the YAML file to load when --config is not given.
const EnvConfigFile = EnvPrefix + "CONFIG"

// applyEnv sets every key whose FRONTDESK_* variable appears in environ
// ("NAME=value" pairs, as from os.Environ). A FRONTDESK_* variable that is
// not a key (a typo, or a list of objects, which is YAML-only) is an error
// naming it, as is a value that does not parse.
func applyEnv(c *Config, environ []string) error {
	byName := map[string]setting{}
	yamlOnly := map[string]string{}
	for _, s := range walk(reflect.ValueOf(c).Elem(), "", false) {
		if s.list {
			yamlOnly[envName(s.key)] = s.key
			continue
		}
		byName[envName(s.key)] = s
	}
	vars := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, EnvPrefix) && name != EnvConfigFile {
			vars[name] = value
		}
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, ok := byName[name]
		if !ok {
			if key, isList := yamlOnly[name]; isList {
				return &KeyError{Key: key, Source: "env " + name, Err: fmt.Errorf("%w: a list of objects can only be set in the YAML file", ErrUnknownKey)}
			}
			return &KeyError{Key: "(none)", Source: "env " + name, Err: fmt.Errorf("%w: no configuration key matches this variable (see docs/configuration.md)", ErrUnknownKey)}
		}
		if err := set(s.v, vars[name]); err != nil {
			return &KeyError{Key: s.key, Source: "env " + name, Err: err}
		}
	}
	return nil
}
