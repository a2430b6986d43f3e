package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRunTogether(t *testing.T) {
	errBoom := errors.New("boom")
	untilDone := func(ctx context.Context) error { <-ctx.Done(); return nil }
	tests := []struct {
		name   string
		cancel bool // cancel the parent context
		fns    []func(context.Context) error
		want   error
	}{
		{name: "parent cancelled stops all", cancel: true, fns: []func(context.Context) error{untilDone, untilDone}},
		{name: "one failure stops the others", fns: []func(context.Context) error{
			untilDone, func(context.Context) error { return errBoom }, untilDone}, want: errBoom},
		{name: "one finishing stops the others", fns: []func(context.Context) error{
			untilDone, func(context.Context) error { return nil }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				time.AfterFunc(10*time.Millisecond, cancel)
			}
			done := make(chan error, 1)
			go func() { done <- runTogether(ctx, tt.fns...) }()
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
					t.Fatalf("runTogether = %v, want %v", err, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("runTogether did not return")
			}
		})
	}
}
