// Package webhookout delivers the queue's events (queue.Event, the JSON of
// docs/schemas/event-v1.json) to outside services over HTTP: one POST per
// event and target, signed, retried with exponential back-off, at least
// once; receivers de-duplicate on the event id.
//
// A delivery carries:
//
//	Content-Type: application/json
//	Frontdesk-Event-Id: <the event's id>
//	Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// as Stripe signs its webhooks: a receiver recomputes the HMAC over the
// timestamp and the raw body with the target's secret, compares in
// constant time, and refuses old timestamps to stop replays ([Verify]).
//
// Deliveries go through a durable [Outbox] (the store's, shared by the
// replicas on MongoDB). The engine's publish only buffers the event in
// memory (tens of nanoseconds; [Exporter.Offer]); the exporter's loop
// writes one pending delivery per interested target, typically within a
// millisecond (0.5–0.6 ms measured on a bbolt file with fsync,
// BenchmarkOfferToOutbox). An event still in that buffer when the process
// dies is lost: that window, and events dropped while the buffer is full
// (Options.Queue, logged), are the only ways an event is not delivered.
// On a clean stop the buffer is written before Run returns.
//
// Each replica runs a worker per target that claims due deliveries with a
// lease (Options.Lease), posts them, and then deletes the delivery
// (accepted, 2xx), reschedules it with back-off kept in the record (408,
// 429, 5xx, unreachable), or makes it a dead letter (any other 4xx, or a
// retry that would fall past Options.MaxElapsed). Replicas sharing the
// outbox never attempt one delivery together while its lease holds; a
// delivery whose replica died is claimed by another when the lease
// expires, so it may arrive twice, with the same event id. Dead letters
// stay until an admin replays or deletes them ([Exporter.Register]).
// Deliveries of a target no replica has configured wait in the outbox.
package webhookout
