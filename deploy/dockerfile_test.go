package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	line int
	cmd  string   // upper-cased, e.g. "COPY"
	args string   // the rest, as written
	flag []string // leading --flags (COPY --from=build)
}

// parseDockerfile splits a Dockerfile into instructions (comments and the
// "# syntax=" directive dropped, backslash continuations joined). It is a
// superficial parser: enough to check stages, COPY sources and commands.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	start := 0
	for n, raw := range strings.Split(readFile(t, path), "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n + 1
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		for strings.HasPrefix(in.args, "--") {
			f, rest, _ := strings.Cut(in.args, " ")
			in.flag = append(in.flag, f)
			in.args = strings.TrimSpace(rest)
		}
		out = append(out, in)
		cur.Reset()
	}
	if cur.Len() != 0 {
		t.Fatalf("%s: dangling line continuation", path)
	}
	return out
}

// goVersion is the go directive of go.mod, major.minor ("1.26").
func goVersion(t *testing.T) string {
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, filepath.Join(root, "go.mod")))
	if m == nil {
		t.Fatal("no go directive in go.mod")
	}
	return m[1]
}

func TestDockerfiles(t *testing.T) {
	golang := "golang:" + goVersion(t) + "-bookworm"
	tests := []struct {
		path       string
		stages     []string // FROM images in order
		installs   string   // a Debian package the final stage must apt-get install
		goBuilds   []string // packages go build must build
		entrypoint string
		copiesBins []string // binaries the final stage must get from the build stage (render runs the compose health checks)
	}{
		{"frontdesk/Dockerfile", []string{golang, "debian:bookworm-slim"}, "ca-certificates",
			[]string{"./cmd/frontdesk", "./deploy/render"}, "/usr/local/bin/frontdesk-entrypoint", []string{"/out/frontdesk", "/out/render"}},
		{"janus/Dockerfile", []string{golang, "debian:bookworm-slim"}, "janus",
			[]string{"./deploy/render"}, "/usr/local/bin/janus-entrypoint", []string{"/out/render"}},
		{"coturn/Dockerfile", []string{"debian:bookworm-slim"}, "coturn", nil, "/usr/local/bin/coturn-entrypoint", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ins := parseDockerfile(t, tt.path)
			if len(ins) == 0 || ins[0].cmd != "FROM" {
				t.Fatalf("the first instruction is not FROM: %+v", ins)
			}
			var froms, stageNames []string
			copied := map[string]bool{} // destination paths, and source binaries from stages
			var final []instruction
			for _, in := range ins {
				switch in.cmd {
				case "FROM":
					f := strings.Fields(in.args)
					froms = append(froms, f[0])
					if len(f) == 3 && strings.EqualFold(f[1], "AS") {
						stageNames = append(stageNames, f[2])
					} else if len(f) != 1 {
						t.Errorf("line %d: FROM %s", in.line, in.args)
					}
					final = nil
				case "COPY", "ADD":
					fields := strings.Fields(in.args)
					if len(fields) < 2 {
						t.Errorf("line %d: %s needs a source and a destination", in.line, in.cmd)
						continue
					}
					srcs, dst := fields[:len(fields)-1], fields[len(fields)-1]
					fromStage := ""
					for _, f := range in.flag {
						if v, ok := strings.CutPrefix(f, "--from="); ok {
							fromStage = v
						}
					}
					if fromStage != "" {
						if !slices.Contains(stageNames, fromStage) {
							t.Errorf("line %d: COPY --from=%s names no earlier stage", in.line, fromStage)
						}
						for _, s := range srcs {
							copied[s] = true
						}
					} else {
						// Sources are relative to the build context, the repository root.
						for _, s := range srcs {
							matches, _ := filepath.Glob(filepath.Join(root, s))
							if len(matches) == 0 {
								t.Errorf("line %d: COPY source %s does not exist in the build context", in.line, s)
							}
							if strings.HasSuffix(dst, "/") {
								copied[dst+filepath.Base(s)] = true
							}
						}
					}
					copied[dst] = true
				}
				final = append(final, in)
			}
			if !slices.Equal(froms, tt.stages) {
				t.Errorf("stages %v, want %v", froms, tt.stages)
			}
			var runs, entry string
			for _, in := range final {
				switch in.cmd {
				case "RUN":
					runs += in.args + "\n"
				case "ENTRYPOINT":
					var argv []string
					if err := json.Unmarshal([]byte(in.args), &argv); err != nil || len(argv) == 0 {
						t.Errorf("line %d: ENTRYPOINT is not exec form: %s", in.line, in.args)
						continue
					}
					entry = argv[0]
				}
			}
			if !regexp.MustCompile(`apt-get install -y --no-install-recommends [^&]*\b` + regexp.QuoteMeta(tt.installs) + `\b`).MatchString(runs) {
				t.Errorf("the final stage does not apt-get install %s:\n%s", tt.installs, runs)
			}
			if entry != tt.entrypoint || !copied[entry] {
				t.Errorf("ENTRYPOINT %q, want %q copied into the image", entry, tt.entrypoint)
			}
			all := ""
			for _, in := range ins {
				if in.cmd == "RUN" {
					all += in.args + "\n"
				}
			}
			if strings.Contains(all, "go mod download") {
				t.Error("the image runs go mod download, which fetches the test-only modules too; let go build fetch what the binaries need")
			}
			for _, pkg := range tt.goBuilds {
				if !strings.Contains(all, "go build") || !strings.Contains(all, pkg) {
					t.Errorf("no go build of %s", pkg)
				}
				if ents, err := os.ReadDir(filepath.Join(root, pkg)); err != nil || !slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".go") }) {
					t.Errorf("go build target %s is not a Go package here (%v)", pkg, err)
				}
			}
			for _, bin := range tt.copiesBins {
				if !copied[bin] {
					t.Errorf("the final stage does not copy %s from the build stage", bin)
				}
			}
		})
	}
}
