package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is the release version, set at build time:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/frontdesk
var version = "dev"

// buildInfo is the version, VCS commit and Go version of the binary.
type buildInfo struct {
	Version   string // main.version, or the module version when built with go install
	Commit    string // vcs.revision, with "-dirty" when vcs.modified; "unknown" without VCS info
	GoVersion string // e.g. go1.26.8
}

// readBuildInfo reads the build information of the running binary
// (runtime/debug.ReadBuildInfo).
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: "unknown", GoVersion: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.Commit != "unknown" {
		b.Commit += "-dirty"
	}
	return b
}

var versionCommand = &command{
	name:    "version",
	summary: "print the version, commit and Go version",
	run: func(_ context.Context, e *env, args []string) error {
		fs := newFlagSet(e, "version", "", "Print the version, commit and Go version.")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		b := readBuildInfo()
		fmt.Fprintf(e.stdout, "frontdesk %s\ncommit %s\n%s\n", b.Version, b.Commit, b.GoVersion)
		return nil
	},
}
