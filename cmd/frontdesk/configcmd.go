package main

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/config"
)

// configCommand groups configuration tools; it is also the example of a
// nested command ("frontdesk config print").
var configCommand = &command{
	name:    "config",
	summary: "configuration tools (print)",
	subs:    []*command{configPrintCommand},
}

var configPrintCommand = &command{
	name:    "print",
	summary: "validate the configuration and print it as YAML with secrets masked",
	run: func(_ context.Context, e *env, args []string) error {
		fs := newFlagSet(e, "config print", "[--config file.yaml] [--section.key value ...]",
			"Load the configuration exactly as serve would (defaults, file, FRONTDESK_* variables, flags),\n"+
				"validate it and print the result as YAML with every secret masked.")
		flags := config.RegisterFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		cfg, err := config.Load(flags, e.environ)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(e.stdout, cfg.Redacted())
		return err
	},
}
