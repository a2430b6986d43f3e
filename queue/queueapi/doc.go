// Package queueapi serves the host queue (package queue) over HTTP: the
// REST API under /api/v1 (documented in apidoc/openapi.yaml), the
// live-update WebSocket ([Hub]) and their JSON views. Handlers call the
// engine's commands and read-model queries, never its store; the one
// place where queue errors become HTTP statuses and problem documents
// (RFC 9457) is problemFor. Who makes a request comes from an
// [Identifier] (package app adapts package auth's principal).
//
// # Wiring (by package app)
//
//	api := queueapi.New(eng, identifier, originAllowed, queueapi.WithLogger(log))
//	api.Register(e.Group("/api/v1"))
//	go api.Run(ctx) // live updates; closes sockets when ctx is done
package queueapi
