package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// loadFile decodes the YAML file at path over c. The decoder runs with
// KnownFields(true), so an unknown key is an error; on any decoding error
// the document is walked again to name the offending key with its full
// dotted path and line.
func loadFile(c *Config, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: read file: %w", err)
	}
	return decodeYAML(c, b, path)
}

// decodeYAML decodes b (named name in errors) over c.
func decodeYAML(c *Config, b []byte, name string) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(c)
	if errors.Is(err, io.EOF) {
		return nil // empty file: defaults stand
	}
	if err != nil {
		var root yaml.Node
		if yaml.Unmarshal(b, &root) == nil {
			if kerr := explain(&root, reflect.TypeFor[Config](), "", name); kerr != nil {
				return kerr
			}
		}
		return fmt.Errorf("config: %s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s: more than one YAML document", name)
	}
	return nil
}

// explain finds the first unknown key or badly typed value under node,
// which should decode into t, and returns a *KeyError for it; nil when it
// finds nothing to blame.
func explain(n *yaml.Node, t reflect.Type, key, file string) *KeyError {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return explain(n.Content[0], t, key, file)
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return explain(n.Alias, t, key, file)
	}
	at := file + ":" + strconv.Itoa(n.Line)
	switch {
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &KeyError{Key: orRoot(key), Source: at, Err: fmt.Errorf("%w: want a mapping of keys, got %s", ErrBadValue, kindName(n))}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := join(key, k.Value)
			ft, ok := fieldType(t, k.Value)
			if !ok {
				return &KeyError{Key: sub, Source: file + ":" + strconv.Itoa(k.Line), Err: fmt.Errorf("%w (known keys: %s)", ErrUnknownKey, strings.Join(knownKeys(t), ", "))}
			}
			if e := explain(v, ft, sub, file); e != nil {
				return e
			}
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			return &KeyError{Key: key, Source: at, Err: fmt.Errorf("%w: want a list, got %s", ErrBadValue, kindName(n))}
		}
		for i, item := range n.Content {
			if e := explain(item, t.Elem(), key+"["+strconv.Itoa(i)+"]", file); e != nil {
				return e
			}
		}
	default:
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			msg := "want " + typeName(t)
			if t == durationType {
				msg += " (Go syntax like 30s, 5m, 1h30m)"
			}
			if t != secretType && t != secretURIType && n.Kind == yaml.ScalarNode {
				msg += fmt.Sprintf(", got %q", n.Value)
			}
			return &KeyError{Key: key, Source: at, Err: fmt.Errorf("%w: %s", ErrBadValue, msg)}
		}
	}
	return nil
}

func orRoot(key string) string {
	if key == "" {
		return "(document)"
	}
	return key
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// fieldType returns the type of the field of struct t whose yaml name is
// name.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == name && tag != "" && tag != "-" {
			return t.Field(i).Type, true
		}
	}
	return nil, false
}

func knownKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "a scalar"
	default:
		return "something else"
	}
}
