// Command render prepares the containers of the Docker Compose deployment
// (docker-compose.yml at the repository root) from environment variables
// and Docker secrets, so that no secret lives in the repository or in an
// image:
//
//	render janus DIR            write the Janus configuration (janus-config) into DIR
//	render frontdesk-config FILE write Frontdesk's YAML configuration (janus.instances and secrets)
//	render probe URL            GET URL, exit 0 on a 2xx answer (container health checks)
//
// Each secret NAME is read from the file named by NAME_FILE (a Docker
// secret under /run/secrets) or, failing that, from the variable NAME.
// The variables each subcommand reads are listed in deploy/README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// errUsage marks a bad command line (exit status 2).
var errUsage = errors.New("usage: render janus DIR | render frontdesk-config FILE | render probe URL")

func main() {
	err := run(os.Args[1:], os.Getenv, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

// run executes one subcommand; getenv is os.Getenv in production.
func run(args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) != 2 {
		return errUsage
	}
	switch args[0] {
	case "janus":
		cfg, err := renderJanus(args[1], getenv, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "render: wrote", cfg)
		return nil
	case "frontdesk-config":
		return renderFrontdesk(args[1], getenv)
	case "probe":
		return probe(args[1])
	}
	return errUsage
}

// secret returns the value of the secret name: the content of the file
// $name_FILE (trailing newlines removed) when set, else $name.
func secret(getenv func(string) string, name string) (string, error) {
	if path := getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("secret %s: %w", name, err)
		}
		s := string(b)
		for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
			s = s[:len(s)-1]
		}
		return s, nil
	}
	return getenv(name), nil
}

// probe GETs url and fails unless the answer is 2xx.
func probe(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("probe: %s answered %s", url, resp.Status)
	}
	return nil
}
