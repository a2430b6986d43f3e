package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/store"
	"github.com/frontdesk/frontdesk/store/bolt"
)

// userCommand groups account tools ("frontdesk user add").
var userCommand = &command{
	name:    "user",
	summary: "account tools (add)",
	subs:    []*command{userAddCommand},
}

var userAddCommand = &command{
	name:    "add",
	summary: "create an account with a role, e.g. the first admin (password read from standard input)",
	run:     userAdd,
}

// userAdd creates an account in the configured store. The password is the
// first line of standard input, never an argument (command lines are
// visible to other users in ps).
func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user add", "--email E [--name N] [--role caller|host|admin] [--config file.yaml] < password",
		"Create an account in the configured store. The password is read from the first line of standard input.\n"+
			"With the embedded store, stop the server first (one process at a time); while a server runs with no\n"+
			"admin, make the first admin on its /setup page with the setup code from its log.")
	email := fs.String("email", "", "the account's email (required)")
	name := fs.String("name", "", "the display name (default: the email)")
	roleName := fs.String("role", "caller", "caller, host or admin")
	flags := config.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("%w: --role: %v", errUsage, err)
	}
	if *name == "" {
		*name = *email
	}
	if e.stdin == nil {
		return fmt.Errorf("%w: no standard input to read the password from", errUsage)
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	cfg, err := config.Load(flags, e.environ)
	if err != nil {
		return err
	}
	driver, err := store.ParseDriver(cfg.Store.Driver.String())
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{Driver: driver, Path: cfg.Store.File(),
		MongoURI: cfg.Store.MongoDB.URI.Reveal(), MongoDatabase: cfg.Store.MongoDB.Database})
	if errors.Is(err, bolt.ErrLocked) {
		return fmt.Errorf("user add: the store %s is in use by a running Frontdesk server. Stop the server and run this "+
			"again, or, for the first admin, open %s in a browser and enter the setup code from the server's log: %w",
			cfg.Store.File(), setupURL(cfg.HTTP.PublicURL, cfg.HTTP.Listen), err)
	}
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	// AddUser signs nothing, so a throwaway key ring is enough here.
	keys, err := auth.GenerateKeyRing()
	if err != nil {
		return err
	}
	svc, err := auth.New(st.Auth(), keys, auth.WithLogger(newLogger(e.stderr, cfg.Log)))
	if err != nil {
		return err
	}
	u, err := svc.AddUser(ctx, *email, *name, password, role)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "created %s (%s) with role %s\n", u.Email, u.ID, u.Role)
	return err
}
