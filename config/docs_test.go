package config

import (
	"os"
	"strings"
	"testing"
)

// TestDocsCoverEveryKey keeps docs/configuration.md in step with the
// structs: every key, its environment variable and its default must appear
// in the key's table row.
func TestDocsCoverEveryKey(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 {
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	for _, k := range Keys() {
		row, ok := rows[k.Key]
		if !ok {
			t.Errorf("%s: no row in docs/configuration.md", k.Key)
			continue
		}
		if k.Env != "" && !strings.Contains(row, "`"+k.Env+"`") {
			t.Errorf("%s: row lacks env %s: %s", k.Key, k.Env, row)
		}
		if k.Env == "" && !strings.Contains(row, "YAML-only") {
			t.Errorf("%s: row should say YAML-only: %s", k.Key, row)
		}
		if k.Default != "" && !strings.Contains(row, "| `"+k.Default+"` |") {
			t.Errorf("%s: row lacks default %q: %s", k.Key, k.Default, row)
		}
		if !strings.Contains(row, "| "+k.Type+" |") {
			t.Errorf("%s: row lacks type %q: %s", k.Key, k.Type, row)
		}
	}
}
