package main

import (
	"io"
	"log/slog"

	"github.com/frontdesk/frontdesk/config"
)

// newLogger returns the process logger writing to w in the configured
// format and level.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level.Slog()}
	if c.Format == config.FormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
