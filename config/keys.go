package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment variable Frontdesk reads.
const EnvPrefix = "FRONTDESK_"

// KeyInfo describes one configuration key, for documentation and the
// command line.
type KeyInfo struct {
	// Key is the dotted YAML path, e.g. "http.listen"; keys inside lists of
	// objects are written "janus.instances[].name".
	Key string
	// Env is the environment variable that sets the key, e.g.
	// "FRONTDESK_HTTP_LISTEN"; empty for YAML-only keys.
	Env string
	// Flag is the command-line flag name without dashes, e.g. "http.listen";
	// empty for secrets (flags show up in ps) and YAML-only keys.
	Flag string
	// Type is a short type name: string, bool, int, duration, list, secret,
	// or "list of objects".
	Type string
	// Default is the default value as it would be written in YAML; "" when
	// the default is empty.
	Default string
	// Secret reports whether the value is masked when printed.
	Secret bool
}

// Keys returns every configuration key in declaration order.
func Keys() []KeyInfo {
	var out []KeyInfo
	for _, f := range walk(reflect.ValueOf(Default()).Elem(), "", true) {
		out = append(out, f.info())
	}
	return out
}

// setting is one scalar key bound to the field that holds it.
type setting struct {
	key  string
	v    reflect.Value // addressable when walked from a pointer
	list bool          // inside a list of objects (YAML-only)
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	secretType    = reflect.TypeFor[Secret]()
	secretURIType = reflect.TypeFor[SecretURI]()
)

// walk lists the settings under v (a struct) with keys prefixed by prefix.
// With deep set it also describes the fields of list element structs, as
// "<list>[].<field>", using zero values.
func walk(v reflect.Value, prefix string, deep bool) []setting {
	var out []setting
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		fv := v.Field(i)
		switch {
		case sf.Type.Kind() == reflect.Struct:
			out = append(out, walk(fv, key, deep)...)
		case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Struct:
			out = append(out, setting{key: key, v: fv, list: true})
			if deep {
				for _, s := range walk(reflect.New(sf.Type.Elem()).Elem(), key+"[]", true) {
					s.list = true
					out = append(out, s)
				}
			}
		default:
			out = append(out, setting{key: key, v: fv})
		}
	}
	return out
}

// envName returns the environment variable for a dotted key.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func (s setting) secret() bool {
	return s.v.Type() == secretType || s.v.Type() == secretURIType
}

func (s setting) info() KeyInfo {
	k := KeyInfo{Key: s.key, Type: typeName(s.v.Type()), Secret: s.secret()}
	if !s.list {
		k.Env = envName(s.key)
		if !k.Secret {
			k.Flag = s.key
		}
	}
	if s.list && s.v.Kind() == reflect.Slice && s.v.Type().Elem().Kind() == reflect.Struct {
		k.Type = "list of objects"
	}
	k.Default = format(s.v)
	return k
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t == secretType || t == secretURIType:
		return "secret"
	case t.Kind() == reflect.Slice:
		return "list"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "bool"
	default:
		return "int"
	}
}

// format renders a field value as it would appear in YAML; secrets masked.
func format(v reflect.Value) string {
	switch {
	case v.Type() == durationType:
		return shortDuration(time.Duration(v.Int()))
	case v.Type() == secretType || v.Type() == secretURIType:
		return fmt.Sprint(v.Interface())
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v.Interface())
	}
}

// set parses s into the scalar field v (a string kind, bool, int kind,
// time.Duration or []string). Lists are comma-separated, blanks trimmed,
// empty items dropped. Errors wrap ErrBadValue; secrets are strings,
// which always parse, so no error ever quotes a secret.
func set(v reflect.Value, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%w: %q is not a duration (use Go syntax like 30s, 5m, 1h30m)", ErrBadValue, s)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%w: %q is not a bool (use true or false)", ErrBadValue, s)
		}
		v.SetBool(b)
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%w: %q is not an integer", ErrBadValue, s)
		}
		v.SetInt(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			out.Index(i).SetString(item)
		}
		v.Set(out)
	default:
		return fmt.Errorf("%w: type %s cannot be set from text", ErrBadValue, v.Type())
	}
	return nil
}

// shortDuration formats d like time.Duration.String without zero minutes
// and seconds: 12h rather than 12h0m0s, 5m rather than 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
