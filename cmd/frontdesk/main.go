// Command frontdesk runs Frontdesk, live video help desks on top of the
// Janus WebRTC Server.
//
//	frontdesk [serve] [--config file.yaml] [--http.listen addr] ...
//	frontdesk config print [--config file.yaml] ...
//	frontdesk version
//	frontdesk help
//
// serve is the default subcommand. The first SIGINT or SIGTERM starts a
// graceful shutdown (bounded by http.shutdown_timeout); a second one exits
// at once with status 128+signal number. Exit status: 0 on success, 1 on
// error (including a shutdown that timed out), 2 on a usage error.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signalContext(context.Background())
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, environ: os.Environ()})
	stop()
	os.Exit(code)
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM.
// A second signal exits the process at once with status 128+signal (130
// for SIGINT, 143 for SIGTERM). stop releases the signals and waits for the
// watching goroutine to end.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "frontdesk: received %v, shutting down (send it again to force exit)\n", sig)
			cancel()
		case <-quit:
			return
		}
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "frontdesk: received %v again, exiting now\n", sig)
			os.Exit(128 + int(sig.(syscall.Signal)))
		case <-quit:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(quit)
		<-done
		cancel()
	}
}
