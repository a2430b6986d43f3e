package config

import (
	"log/slog"
	"path/filepath"
)

// LogLevel is the minimum level logged (log.level).
type LogLevel string

// Log levels accepted by log.level.
const (
	LevelDebug LogLevel = "debug"
	LevelInfo  LogLevel = "info"
	LevelWarn  LogLevel = "warn"
	LevelError LogLevel = "error"
)

// String returns the level's name as written in the configuration.
func (l LogLevel) String() string { return string(l) }

// Slog returns the slog level; an unknown level (rejected by Validate)
// maps to slog.LevelInfo.
func (l LogLevel) Slog() slog.Level {
	switch l {
	case LevelDebug:
		return slog.LevelDebug
	case LevelWarn:
		return slog.LevelWarn
	case LevelError:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// LogFormat is the log output format (log.format).
type LogFormat string

// Log formats accepted by log.format.
const (
	// FormatText is slog's key=value text format.
	FormatText LogFormat = "text"
	// FormatJSON is one JSON object per line.
	FormatJSON LogFormat = "json"
)

// String returns the format's name as written in the configuration.
func (f LogFormat) String() string { return string(f) }

// StoreDriver selects the database (store.driver).
type StoreDriver string

// Store drivers accepted by store.driver.
const (
	// DriverEmbedded keeps data in a local bbolt file (store.path).
	DriverEmbedded StoreDriver = "embedded"
	// DriverMongoDB keeps data in MongoDB (store.mongodb).
	DriverMongoDB StoreDriver = "mongodb"
)

// String returns the driver's name as written in the configuration.
func (d StoreDriver) String() string { return string(d) }

// File returns the embedded database file: Path, joined to DataDir when
// Path is relative.
func (s Store) File() string {
	if filepath.IsAbs(s.Path) {
		return s.Path
	}
	return filepath.Join(s.DataDir, s.Path)
}
