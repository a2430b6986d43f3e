package sfu

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/pion/logging"
)

// slogFactory sends pion's logs to slog. Pion's info (state changes, one
// line per connection step) maps to slog debug, its trace below debug.
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLogger{log: f.log.With("pion", scope)}
}

type slogLogger struct{ log *slog.Logger }

// icePassword matches the ICE password pion prints when an agent starts;
// it is a credential and stays out of logs.
var icePassword = regexp.MustCompile(`(?i)(pwd:\s*)"[^"]*"`)

func (l slogLogger) logf(level slog.Level, format string, args ...any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	msg := icePassword.ReplaceAllString(fmt.Sprintf(format, args...), `${1}"[redacted]"`)
	l.log.Log(context.Background(), level, msg)
}

func (l slogLogger) Trace(msg string)                  { l.logf(slog.LevelDebug-4, "%s", msg) }
func (l slogLogger) Tracef(format string, args ...any) { l.logf(slog.LevelDebug-4, format, args...) }
func (l slogLogger) Debug(msg string)                  { l.logf(slog.LevelDebug, "%s", msg) }
func (l slogLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug, format, args...) }
func (l slogLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l slogLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l slogLogger) Warn(msg string)                   { l.logf(slog.LevelWarn, "%s", msg) }
func (l slogLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelWarn, format, args...) }
func (l slogLogger) Error(msg string)                  { l.logf(slog.LevelError, "%s", msg) }
func (l slogLogger) Errorf(format string, args ...any) { l.logf(slog.LevelError, format, args...) }
