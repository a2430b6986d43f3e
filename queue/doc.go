// Package queue is the host queue's domain: it routes callers to hosts
// (contact-center "auto" routing and office-hours "pick" mode), enforces
// working hours and admission limits, offers callers to hosts atomically
// (also across replicas sharing one MongoDB), drives calls from accept to
// wrap-up, estimates waits and computes statistics. It imports no HTTP or
// WebSocket package; package queue/queueapi serves it over REST and live
// updates.
//
// # Pieces
//
//   - Model: [Queue] (with [hours.Schedule]), [Host], [Entry] (with its
//     timestamped [Transition] history) and [Call]; plain structs so stores
//     can persist them. Identifiers that can be swapped have their own
//     types ([QueueID], [EntryID], [HostID], [CallID]).
//   - [Store]: single-document atomic persistence with compare-and-set,
//     implemented by package store (bbolt, MongoDB) and [MemoryStore];
//     queuetest.RunStoreContract is the contract every implementation
//     passes. The Store doc comment describes the offer protocol.
//   - [Engine]: the commands (join, accept, decline, complete, …).
//     Timeouts (offer, no-show, wrap-up, disconnect grace, max wait) are
//     persisted as Deadline fields and acted on by [Engine.Sweep], which
//     [Engine.Run] calls periodically, so any replica can pick up
//     another's work and a restart loses nothing.
//   - Read model: a [Snapshot] answers the queries views render (a
//     queue's [Board], an entry's [EntryStatus], a host's [Console]); REST
//     and live updates render the same results.
//   - Events: every change is published as a typed [Event] on the
//     engine's [Feed] ([LocalFeed] in one process); subscribers treat them
//     as invalidations and re-read through the queries.
//   - Call side, declared here and wired by package app: [RoomProvisioner]
//     (Janus VideoRoom or built-in SFU rooms), [TicketIssuer] (call
//     tickets), [TokenMinter] (Janus stored tokens). Call progress comes in
//     through [Engine.CallProgress]; the proxy reads room secrets and
//     tokens through [Engine.CallCredentials].
//
// # Wiring (by package app)
//
//	eng, _ := queue.NewEngine(queue.Deps{Store: st, Rooms: rooms, Tickets: tickets, Tokens: tokens},
//		queue.WithLogger(log))
//	go eng.Run(ctx) // sweeps timeouts; returns when ctx is done
package queue
