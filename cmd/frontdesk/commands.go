package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// env is what a command may touch of the process: its output streams and
// environment ("NAME=value" pairs). Tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}

// command is one subcommand. Commands nest: "frontdesk user add" is the
// command "user" whose subs holds "add". A command has run, subs, or both
// (run then handles the arguments when none of subs matches).
type command struct {
	name    string // as typed on the command line
	summary string // one line for help
	run     func(ctx context.Context, e *env, args []string) error
	subs    []*command
}

// errUsage marks errors caused by a bad command line (exit status 2). The
// message has already been printed when it is returned bare.
var errUsage = errors.New("usage error")

// root is the frontdesk command. To add a subcommand, append it here (or to
// a parent's subs, e.g. a "user" command with an "add" sub).
var root = &command{
	name: "frontdesk",
	subs: []*command{serveCommand, configCommand, userCommand, versionCommand, janusCommand},
}

// defaultCommand runs when the first argument is not a subcommand name
// (no arguments, or only flags).
var defaultCommand = serveCommand

// run dispatches args (without the program name) and returns the exit
// status.
func run(ctx context.Context, args []string, e *env) int {
	err := dispatch(ctx, e, root, nil, args)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		if err != errUsage {
			fmt.Fprintln(e.stderr, "frontdesk:", err)
		}
		return exitUsage
	default:
		fmt.Fprintln(e.stderr, "frontdesk:", err)
		return exitError
	}
}

// dispatch finds the subcommand of c named by args[0] and runs it, walking
// down nested commands; path is the command words so far, for help.
func dispatch(ctx context.Context, e *env, c *command, path, args []string) error {
	path = append(path, c.name)
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			if c == root || c.run == nil {
				printHelp(e.stdout, c, path)
				return nil
			}
		}
		for _, sub := range c.subs {
			if sub.name == args[0] {
				return dispatch(ctx, e, sub, path, args[1:])
			}
		}
	}
	if c == root && (len(args) == 0 || strings.HasPrefix(args[0], "-")) {
		return dispatch(ctx, e, defaultCommand, path, args)
	}
	if c.run == nil || c == root {
		if len(args) > 0 {
			fmt.Fprintf(e.stderr, "frontdesk: unknown command %q\n", strings.Join(append(path[1:], args[0]), " "))
		}
		printHelp(e.stderr, c, path)
		return errUsage
	}
	return c.run(ctx, e, args)
}

func printHelp(w io.Writer, c *command, path []string) {
	fmt.Fprintf(w, "Usage: %s <command> [arguments]\n\nCommands:\n", strings.Join(path, " "))
	for _, sub := range c.subs {
		def := ""
		if c == root && sub == defaultCommand {
			def = " (default)"
		}
		fmt.Fprintf(w, "  %-10s %s%s\n", sub.name, sub.summary, def)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", strings.Join(path, " "))
}

// newFlagSet returns a FlagSet for the command name that reports errors
// (instead of exiting) and prints its usage (synopsis, help text, flags) to
// e.stderr.
func newFlagSet(e *env, name, synopsis, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: frontdesk %s %s\n\n%s\n\nFlags:\n", name, synopsis, help)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs and rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // flag has printed the error and usage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}
