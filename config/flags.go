package config

import (
	"flag"
	"reflect"
)

// Flags holds what a subcommand's command line says about the
// configuration: --config and one flag per non-secret scalar key (named
// after the dotted key, e.g. --http.listen; lists comma-separated). Secrets
// have no flags because command lines are visible to every local user (ps).
type Flags struct {
	// ConfigPath is the YAML file from --config; empty when not given.
	ConfigPath string
	set        []flagSetting // in command-line order
}

type flagSetting struct {
	key, value string
}

// RegisterFlags defines --config and the per-key flags on fs and returns
// the Flags they fill in when fs is parsed. A flag value that does not parse
// makes fs.Parse fail with a message naming the flag.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.ConfigPath, "config", "", "YAML configuration `file` (default $"+EnvConfigFile+", else none)")
	for _, s := range walk(reflect.ValueOf(Default()).Elem(), "", false) {
		info := s.info()
		if info.Flag == "" {
			continue
		}
		fs.Var(&keyFlag{flags: f, key: s.key, typ: s.v.Type(), def: info.Default},
			info.Flag, "`"+info.Type+"` for "+info.Key+" (env "+info.Env+")")
	}
	return f
}

// apply sets the flag values on c in command-line order.
func (f *Flags) apply(c *Config) error {
	if f == nil {
		return nil
	}
	byKey := map[string]setting{}
	for _, s := range walk(reflect.ValueOf(c).Elem(), "", false) {
		byKey[s.key] = s
	}
	for _, fs := range f.set {
		if err := set(byKey[fs.key].v, fs.value); err != nil {
			return &KeyError{Key: fs.key, Source: "flag --" + fs.key, Err: err}
		}
	}
	return nil
}

// keyFlag is the flag.Value of one key.
type keyFlag struct {
	flags *Flags
	key   string
	typ   reflect.Type
	def   string
	value *string
}

// String returns the value given on the command line, else the default.
func (k *keyFlag) String() string {
	if k == nil {
		return ""
	}
	if k.value != nil {
		return *k.value
	}
	return k.def
}

// Set checks that s parses as the key's type and records it.
func (k *keyFlag) Set(s string) error {
	if err := set(reflect.New(k.typ).Elem(), s); err != nil {
		return err
	}
	k.value = &s
	k.flags.set = append(k.flags.set, flagSetting{key: k.key, value: s})
	return nil
}

// IsBoolFlag lets bool keys be given as plain --http.cookie_secure.
func (k *keyFlag) IsBoolFlag() bool { return k.typ.Kind() == reflect.Bool }
