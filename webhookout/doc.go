// Package webhookout delivers the queue's events (queue.Event, the JSON of
// docs/schemas/event-v1.json) to outside services over HTTP: one POST per
// event and target, signed, retried with exponential back-off, at least
// once. Each replica delivers the events its own engine produces, so a
// cluster delivers each event once per target (plus retries); receivers
// de-duplicate on the event id.
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
package webhookout
