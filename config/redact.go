package config

import (
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Redacted renders the configuration as YAML with every secret masked
// (see [Secret], [SecretURI]); safe to print and log.
func (c *Config) Redacted() string {
	b, err := yaml.Marshal(c)
	if err != nil {
		return "config: " + err.Error()
	}
	return string(b)
}

// String is [Config.Redacted], so printing a *Config never reveals secrets.
func (c *Config) String() string { return c.Redacted() }

// LogValue renders the configuration for log/slog as nested groups (one per
// section, lists of objects as groups keyed by index) with secrets masked.
func (c *Config) LogValue() slog.Value {
	return groupOf(reflect.ValueOf(c).Elem())
}

func groupOf(v reflect.Value) slog.Value {
	t := v.Type()
	var attrs []slog.Attr
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		attrs = append(attrs, attrOf(name, v.Field(i)))
	}
	return slog.GroupValue(attrs...)
}

func attrOf(name string, v reflect.Value) slog.Attr {
	switch {
	case v.Kind() == reflect.Struct:
		return slog.Attr{Key: name, Value: groupOf(v)}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		items := make([]slog.Attr, v.Len())
		for i := range v.Len() {
			items[i] = slog.Attr{Key: strconv.Itoa(i), Value: groupOf(v.Index(i))}
		}
		return slog.Attr{Key: name, Value: slog.GroupValue(items...)}
	case v.Type() == secretType || v.Type() == secretURIType:
		return slog.String(name, fmt.Sprint(v.Interface()))
	case v.Type() == durationType:
		return slog.String(name, format(v))
	case v.Kind() == reflect.Slice:
		return slog.String(name, "["+format(v)+"]")
	default:
		return slog.Any(name, v.Interface())
	}
}
