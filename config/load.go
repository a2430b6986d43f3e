package config

// Load builds the configuration: defaults, then the YAML file (f.ConfigPath,
// else $FRONTDESK_CONFIG, else none), then the FRONTDESK_* variables in
// environ ("NAME=value" pairs, usually os.Environ()), then the flags in f
// (nil for none), and validates the result. Errors name the bad key and
// where its value came from (see [KeyError]).
func Load(f *Flags, environ []string) (*Config, error) {
	c := Default()
	path := ""
	if f != nil {
		path = f.ConfigPath
	}
	if path == "" {
		path = lookup(environ, EnvConfigFile)
	}
	if path != "" {
		if err := loadFile(c, path); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(c, environ); err != nil {
		return nil, err
	}
	if err := f.apply(c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadFile is Load with only the file at path (and defaults), for tests
// and tools; the environment is ignored.
func LoadFile(path string) (*Config, error) {
	return Load(&Flags{ConfigPath: path}, nil)
}

func lookup(environ []string, name string) string {
	v := ""
	for _, kv := range environ {
		if len(kv) > len(name) && kv[:len(name)] == name && kv[len(name)] == '=' {
			v = kv[len(name)+1:]
		}
	}
	return v
}
