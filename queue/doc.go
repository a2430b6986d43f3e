// Package queue is Frontdesk's host queue: it routes callers to hosts
// (contact-center "auto" routing and office-hours "pick" mode), enforces
// working hours and admission limits, offers callers to hosts atomically
// (also across replicas sharing one MongoDB), drives calls from accept to
// wrap-up, estimates waits, computes statistics, and serves the REST API
// and live WebSocket updates under /api/v1.
//
// # Pieces
//
//   - Model: [Queue] (with [hours.Schedule]), [Host], [Entry] (with its
//     timestamped [Transition] history) and [Call]; plain structs so stores
//     can persist them.
//   - [Store]: single-document atomic persistence with compare-and-set,
//     implemented by package store (bbolt, MongoDB) and [MemoryStore];
//     queuetest.RunStoreContract is the contract every implementation
//     passes. The Store doc comment describes the offer protocol.
//   - [Engine]: the domain logic. Timeouts (offer, no-show, wrap-up,
//     disconnect grace, max wait) are persisted as Deadline fields and
//     acted on by [Engine.Sweep], which [Engine.Run] calls periodically, so
//     any replica can pick up another's work and a restart loses nothing.
//   - Call side, declared here and wired by package app: [RoomProvisioner]
//     (Janus VideoRoom or built-in SFU rooms), [TicketIssuer] (call
//     tickets), [TokenMinter] (Janus stored tokens). Call progress comes in
//     through [Engine.CallProgress]; the proxy reads room secrets and
//     tokens through [Engine.CallCredentials].
//   - [API]: echo routes (see the API doc comment) with problem JSON
//     errors, and the [Hub] for live updates; identity comes from an
//     [Identifier] (package auth).
//
// # Wiring (by the binary)
//
//	eng, _ := queue.NewEngine(queue.Deps{Store: st, Rooms: rooms, Tickets: tickets, Tokens: tokens},
//		queue.WithLogger(log))
//	api := queue.NewAPI(eng, identifier, originAllowed, queue.WithAPILogger(log))
//	api.Register(e.Group("/api/v1"))
//	go eng.Run(ctx) // sweeps timeouts; returns when ctx is done
//	go api.Run(ctx) // live updates; closes sockets when ctx is done
package queue
